import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The database is away: no connection could be had, or the one in use was lost, within `--database-timeout`. A
/// request that meets it may be sent again (the server answers AWS's `ServiceUnavailable`, which every SDK retries).
public struct PostgresStoreUnavailable: Error, CustomStringConvertible {
    public let description: String
}

/// The store's connections to PostgreSQL: `size` of them, opened at start-up and kept; one that is lost is opened
/// again, at once while the database answers and every few hundred milliseconds while it does not.
///
/// Ours rather than postgres-nio's `PostgresClient`: its pool (1.33.2) traps on a failed precondition
/// (`minimumConcurrentConnections <= stats.active` in `createNewDemandConnectionIfPossible`) when a request asks for a
/// connection while the connections it keeps are closing, which is what a database restart does to every one of them;
/// and a request waited for its circuit breaker (a minute) however short `--database-timeout` was. Here a request
/// waits at most `timeout` seconds for a connection, and the database's going away and coming back are logged once
/// each, not once per request.
final class PostgresConnectionPool: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<PostgresConnection, any Error>
        /// Fails the wait at its deadline; cancelled when a connection comes first, so that no timer outlives it.
        let deadline: Scheduled<Void>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Ids of the connections open now, idle or leased.
        var open: Set<Int> = []
        var connecting = 0
        var waiters: [Waiter] = []
        var nextID = 0
        /// Since when no connection could be opened, and why; nil while the database answers.
        var outage: (since: ContinuousClock.Instant, reason: String)?
        var closed = false
    }

    private let state = Mutex(State())
    let size: Int
    let timeout: Double
    let configuration: PostgresConnection.Configuration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    init(
        size: Int, timeout: Double, configuration: PostgresConnection.Configuration, eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) {
        self.size = size
        self.timeout = timeout
        var configuration = configuration
        configuration.options.connectTimeout = .milliseconds(Int64(min(timeout, 10) * 1000))
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Opens the connections the pool keeps (the caller bounds the wait).
    func start() {
        refill()
    }

    /// Runs `body` on a connection of the pool, waiting for one until `deadline` at most (`timeout` from now by
    /// default). An error of the connection itself (the database went away in the middle) is a
    /// `PostgresStoreUnavailable`; the connection is then replaced.
    func withConnection<T: Sendable>(
        until deadline: ContinuousClock.Instant? = nil, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await lease(until: deadline ?? .now + .milliseconds(Int64(timeout * 1000)))
        let result: T
        do {
            result = try await body(connection)
        } catch {
            release(connection)
            throw Self.unavailable(error) ?? error
        }
        release(connection)
        return result
    }

    /// Closes every connection; waiting requests fail, and nothing is opened again.
    func close() {
        let (idle, waiters) = state.withLock { state -> ([PostgresConnection], [Waiter]) in
            state.closed = true
            defer { (state.idle, state.waiters) = ([], []) }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.deadline.cancel()
            waiter.continuation.resume(throwing: PostgresStoreUnavailable(description: "the store is closed"))
        }
        for connection in idle { connection.close().whenComplete { _ in } }
    }

    // MARK: - Leases

    /// An idle connection now; else the first one given back or opened before `deadline`. While no connection is
    /// open and the last attempt to open one failed (the database is away), a request fails at once.
    private func lease(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
        if let connection = takeIdle() { return connection }
        let wait = max(deadline - .now, .zero)
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = eventLoopGroup.any().scheduleTask(in: .nanoseconds(Self.nanoseconds(wait))) { [self] in
                    fail(waiter: id, with: PostgresStoreUnavailable(description: waitedTooLong()))
                }
                let handOver = state.withLock { state -> Result<PostgresConnection, any Error>? in
                    if state.closed { return .failure(PostgresStoreUnavailable(description: "the store is closed")) }
                    if let outage = state.outage, state.open.isEmpty {
                        return .failure(PostgresStoreUnavailable(description: "the database is away: \(outage.reason)"))
                    }
                    while let connection = state.idle.popLast() {
                        if !connection.isClosed { return .success(connection) }
                        state.open.remove(connection.id)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, deadline: timer))
                    return nil
                }
                if let handOver {
                    timer.cancel()
                    continuation.resume(with: handOver)
                    return
                }
                refill()
            }
        } onCancel: {
            fail(waiter: id, with: CancellationError())
        }
    }

    private func takeIdle() -> PostgresConnection? {
        state.withLock { state in
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return connection }
                state.open.remove(connection.id)
            }
            return nil
        }
    }

    private func fail(waiter id: Int, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.deadline.cancel()
        waiter?.continuation.resume(throwing: error)
    }

    private func waitedTooLong() -> String {
        let reason = state.withLock { $0.outage?.reason }
        return "no connection to the database within \(timeout) s" + (reason.map { ": \($0)" } ?? "")
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Gives a connection back: to the first waiting request, else to the idle ones. A closed one is dropped and
    /// replaced.
    private func release(_ connection: PostgresConnection) {
        if connection.isClosed {
            dropped(connection.id)
            return
        }
        let waiter = state.withLock { state -> Waiter? in
            if state.closed { return nil }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.deadline.cancel()
            waiter.continuation.resume(returning: connection)
        } else if state.withLock({ $0.closed }) {
            connection.close().whenComplete { _ in }
        }
    }

    private func dropped(_ id: Int) {
        let removed = state.withLock { state -> Bool in
            state.idle.removeAll { $0.id == id }
            return state.open.remove(id) != nil
        }
        if removed { refill() }
    }

    // MARK: - Opening connections

    /// Opens connections until `size` are open or opening. While the database is away, one attempt at a time.
    private func refill() {
        let attempts = state.withLock { state -> Int in
            guard !state.closed else { return 0 }
            let missing = size - state.open.count - state.connecting
            let allowed = state.outage == nil ? missing : min(missing, 1 - state.connecting)
            let count = max(0, allowed)
            state.connecting += count
            return count
        }
        for _ in 0..<attempts { Task { await connect() } }
    }

    private func connect() async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        do {
            let connection = try await PostgresConnection.connect(
                on: eventLoopGroup.any(), configuration: configuration, id: id, logger: logger)
            connection.closeFuture.whenComplete { [self] _ in dropped(connection.id) }
            let (outage, closed) = state.withLock { state in
                state.connecting -= 1
                state.open.insert(connection.id)
                defer { state.outage = nil }
                return (state.outage, state.closed)
            }
            if let outage {
                logger.notice(
                    "database reachable again",
                    metadata: ["unavailable_seconds": "\(Self.seconds(ContinuousClock.now - outage.since))"])
            }
            if closed {
                connection.close().whenComplete { _ in }
                return
            }
            release(connection)
            refill()
        } catch {
            let reason = Self.describe(error)
            let began = state.withLock { state -> Bool in
                state.connecting -= 1
                guard state.outage == nil else { return false }
                state.outage = (ContinuousClock.now, reason)
                return true
            }
            if began {
                logger.error(
                    "database unreachable; requests fail with ServiceUnavailable until it answers",
                    metadata: ["error": .string(reason)])
            }
            try? await Task.sleep(for: .milliseconds(250))
            refill()
        }
    }

    // MARK: - Errors

    /// The error a request reports when `error` means the database (or the connection to it) is gone, else nil.
    static func unavailable(_ error: any Error) -> PostgresStoreUnavailable? {
        if let error = error as? PostgresStoreUnavailable { return error }
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return PostgresStoreUnavailable(description: "the database connection was lost: \(describe(error))")
        case .server:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: the server is going or coming.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08")
                ? PostgresStoreUnavailable(description: "the database is not serving: \(describe(error))") : nil
        default:
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return String(describing: underlying) }
        return String(describing: error.code)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// Answers a call by its deadline whatever the call does: the work runs in a task of its own, and a timer of the
/// event loop gives the caller `PostgresStoreUnavailable` at the deadline (and cancels the work) if the work has not
/// answered by then. The per-connection deadline closes a connection that does not answer; this bounds everything
/// else on the way (a wait that nothing ends, a client library's state that misses a closed socket), so that a
/// request is answered within `--database-timeout` whatever the database does.
final class AnswerByDeadline<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var timer: Scheduled<Void>?
        var answered = false
    }

    private let state = Mutex(State())

    static func run(
        by deadline: ContinuousClock.Instant, on loop: any EventLoop, timeout: Double,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = AnswerByDeadline<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.state.withLock { $0.continuation = continuation }
            let worker = Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                race.answer(result)
            }
            let wait = max(deadline - .now, .zero)
            let timer = loop.scheduleTask(in: .nanoseconds(PostgresConnectionPool.nanoseconds(wait))) {
                worker.cancel()
                race.answer(
                    .failure(
                        PostgresStoreUnavailable(
                            description: "no answer from the database within \(timeout) s")))
            }
            // Kept to be cancelled by the answer; an answer that came first cancels it here.
            let answered = race.state.withLock { state -> Bool in
                state.timer = timer
                return state.answered
            }
            if answered { timer.cancel() }
        }
    }

    private func answer(_ result: Result<T, any Error>) {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Scheduled<Void>?) in
            state.answered = true
            defer { (state.continuation, state.timer) = (nil, nil) }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
