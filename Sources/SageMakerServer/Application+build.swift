import Foundation
import HummingbirdCore
import NIOCore
import NIOPosix
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle
import Synchronization

/// Assembles the emulator: picks the store, opens the service, wires middleware, routes and the scheduler.
/// `@main` and the tests both call this.
public func buildApplication(
    _ configuration: EmulatorConfiguration, clock: any EmulatorClock = SystemClock(), logger: Logger
) async throws -> some ApplicationProtocol {
    if case .off = configuration.authentication, !configuration.allowUnauthenticated,
        !EmulatorConfiguration.isLoopback(configuration.host)
    {
        throw UnsafeConfiguration(
            description: "refusing to serve \(configuration.host) without authentication: anyone who reaches it could "
                + "act as any account. Use --auth verify with --credentials-file, or pass --allow-unauthenticated")
    }
    let metrics = EmulatorMetrics()
    let base = try await openStore(
        configuration.storage, maxDocumentBytes: configuration.maxDocumentBytes,
        databaseTimeout: configuration.databaseTimeout, databaseConnections: configuration.databaseConnections,
        commitObserver: { writes, duration in metrics.commit(writes: writes, duration: duration) },
        // The database connections' I/O runs on the server's own event loops: no threads of their own to wake.
        eventLoopGroup: EventLoops.group(threads: configuration.eventLoopThreads), logger: logger)
    do {
        if let stateFile = configuration.stateFile { try await loadState(stateFile, into: base) }
        return try await assemble(configuration, store: base, clock: clock, metrics: metrics, logger: logger)
    } catch {
        (base as? PostgresResourceStore)?.close()
        throw error
    }
}

/// The application over an open store (whichever implementation the configuration named).
private func assemble<Base: ResourceStore>(
    _ configuration: EmulatorConfiguration, store base: Base, clock: any EmulatorClock, metrics: EmulatorMetrics,
    logger: Logger
) async throws -> Application<EmulatorResponder<RouterResponder<EmulatorRequestContext>, RouterResponder<EmulatorRequestContext>>> {
    // Transitions, timestamps and history run on a clock the control API can move; signatures keep the real one.
    let steerable = SteerableClock(base: clock)
    let controls = EmulatorControls(delays: configuration.operations.delays)
    let store = HistoryRecordingStore(base, history: controls.history, clock: steerable)
    let service = try await SageMakerService.open(
        store: store, clock: steerable, configuration: configuration.operations, controls: controls)
    let scheduler = StatusScheduler(
        store: store, clock: steerable, pollInterval: configuration.schedulerInterval,
        deletedAppRetention: configuration.operations.delays.deletedAppRetention, controls: controls, logger: logger)
    // One source of request ids for the router and the connections' parser refusals, so that none repeats.
    let requestIDs = RequestIDs()
    let journal = RequestJournal(capacity: configuration.journalSize)
    let router = buildRouter(
        service: service, configuration: configuration, clock: clock, logger: logger, requestIDs: requestIDs,
        faults: controls.faults, journal: journal, metrics: metrics)
    let (upstreamRoom, upstreamServices) = try await openUpstream(
        configuration, clock: clock, requestIDs: requestIDs, faults: controls.faults, journal: journal, metrics: metrics,
        logger: logger)
    let control = Router(context: EmulatorRequestContext.self)
    control.add(middleware: ControlErrorMiddleware(maxBodyBytes: ControlAPI<SQLiteResourceStore>.maxBodyBytes))
    var requiresKey = false
    if case .verify = configuration.authentication { requiresKey = true }
    control.add(middleware: ControlAccessMiddleware(
        adminKey: configuration.adminKey, requiresKey: requiresKey, anyCaller: configuration.controlFromAnyCaller,
        servedHost: configuration.host))
    ControlAPI(
        store: store, service: service, scheduler: scheduler, clock: steerable, journal: journal, metrics: metrics,
        storeDescription: configuration.storage.logDescription, started: .now,
        console: try Console(store: store, controls: controls, journal: journal), upstreamRoom: upstreamRoom
    ).addRoutes(to: control)
    let responder = EmulatorResponder(
        aws: router.buildResponder(), control: control.buildResponder(), upstream: upstreamRoom)
    // A database client runs as a service too: first in the group, so that it shuts down last.
    var services: [any Service] = [scheduler] + upstreamServices
    if let database = base as? PostgresResourceStore { services.insert(database, at: 0) }
    let softLimit = FileDescriptorLimit.raise()
    let maxConnections = FileDescriptorLimit.connections(wanted: configuration.maxConnections, softLimit: softLimit)
    let requestTimeout = TimeAmount.milliseconds(Int64(configuration.requestTimeout * 1000))
    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(requestTimeout: requestTimeout, requestIDs: requestIDs, logger: logger)],
        idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))
    return Application(
        responder: responder,
        server: .http1(configuration: http),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
        services: services,
        onServerRunning: { channel in
            logger.notice(
                "sagemaker-emulator listening",
                metadata: [
                    "address": .string(channel.localAddress?.description ?? "?"),
                    "console": .string(consoleURL(host: configuration.host, port: channel.localAddress?.port)),
                    "store": .string(configuration.storage.logDescription),
                    "max_connections": .stringConvertible(maxConnections),
                    "event_loops": .stringConvertible(configuration.eventLoopThreads),
                    "file_descriptor_limit": .stringConvertible(softLimit),
                ])
        },
        eventLoopGroupProvider: .shared(EventLoops.group(threads: configuration.eventLoopThreads)),
        logger: logger)
}

/// Where a browser on this machine opens the console: a wildcard host is reached on loopback.
func consoleURL(host: String, port: Int?) -> String {
    let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" || host == "[::]" ? "[::1]" : host
    let shown = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
    return "http://\(shown):\(port.map(String.init) ?? "?")/_emulator/console"
}

/// The upstream of `--upstream`: moto started (and answering) before the server, or an endpoint URL; the services
/// that stop them with the server.
func openUpstream(
    _ configuration: EmulatorConfiguration, clock: any EmulatorClock, requestIDs: RequestIDs, faults: FaultRules,
    journal: RequestJournal, metrics: EmulatorMetrics, logger: Logger
) async throws -> (UpstreamRoom, [any Service]) {
    guard let upstream = configuration.upstream else {
        return (UpstreamRoom(forwarder: nil, endpoint: nil, supervisor: nil, requestIDs: requestIDs,
                             defaultAccount: configuration.defaultAccount, metrics: metrics, logger: logger), [])
    }
    let endpoint = UpstreamEndpoint(url: upstream == "moto" ? nil : upstream, kind: upstream == "moto" ? "moto" : "url")
    var services: [any Service] = []
    var supervisor: MotoSupervisor?
    if upstream == "moto" {
        // moto's requests are recorded beside the SQLite file, and replayed at the next start (docs/upstream.md).
        var recording: String?
        if case .sqlite(let directory) = configuration.storage {
            recording = URL(fileURLWithPath: directory).appendingPathComponent("upstream-moto.jsonl").path
        }
        let started = MotoSupervisor(endpoint: endpoint, recording: recording, logger: logger)
        try await started.start()
        services.append(started)
        supervisor = started
    }
    var signatures: ForwardedSignatures?
    if case .verify(let credentials) = configuration.authentication {
        signatures = ForwardedSignatures(credentials: credentials, clock: clock, maxBodyBytes: configuration.maxBodyBytes)
    }
    let forwarder = UpstreamForwarder(
        endpoint: endpoint, eventLoopGroup: EventLoops.group(threads: configuration.eventLoopThreads), logger: logger)
    services.append(UpstreamClientService(forwarder: forwarder))
    return (UpstreamRoom(forwarder: forwarder, endpoint: endpoint, supervisor: supervisor, requestIDs: requestIDs,
                         defaultAccount: configuration.defaultAccount, defaultRegion: configuration.defaultRegion,
                         faults: faults, journal: journal, signatures: signatures, metrics: metrics, logger: logger),
            services)
}

/// Shuts the forwarder's HTTP client down with the server.
struct UpstreamClientService: Service {
    let forwarder: UpstreamForwarder

    func run() async throws {
        try? await gracefulShutdown()
        await forwarder.shutdown()
    }
}

/// The event loop groups of this process, one per thread count, made once and kept for its life (like NIO's
/// singleton), so that building the application again (tests do, many times) starts no new threads.
enum EventLoops {
    private static let groups = Mutex<[Int: MultiThreadedEventLoopGroup]>([:])

    static func group(threads: Int) -> MultiThreadedEventLoopGroup {
        groups.withLock { groups in
            if let group = groups[threads] { return group }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            groups[threads] = group
            return group
        }
    }
}

extension EmulatorConfiguration.Storage {
    /// Where the state lives, for the start-up line: `sqlite:<absolute data directory>` or `memory`.
    var logDescription: String {
        switch self {
        case .memory: "memory (nothing survives a restart)"
        case .sqlite(let directory):
            "sqlite:" + URL(fileURLWithPath: directory).standardizedFileURL.path + "/sagemaker.sqlite"
        case .postgres(let url):
            Self.withoutPassword(url)
        }
    }

    /// A database URL fit for logs: its password left out.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? "postgres://"
    }
}

/// A configuration that would be unsafe to serve.
public struct UnsafeConfiguration: Error, CustomStringConvertible {
    public let description: String
}

/// The store a configuration names, created and migrated if needed. A PostgreSQL store's pool runs until it is
/// closed (`PostgresResourceStore.close`, or as a service of the application).
func openStore(
    _ storage: EmulatorConfiguration.Storage, maxDocumentBytes: Int = SQLiteResourceStore.defaultMaxDocumentBytes,
    databaseTimeout: Double = EmulatorOptions.databaseTimeout.defaultValue,
    databaseConnections: Int = EmulatorOptions.databaseConnections.defaultValue, commitObserver: CommitObserver? = nil,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
) async throws -> any ResourceStore {
    switch storage {
    case .memory:
        return try SQLiteResourceStore(
            maxDocumentBytes: maxDocumentBytes, commitObserver: commitObserver, indexer: ResourceIndexing.indexer)
    case .sqlite(let directory):
        return try SQLiteResourceStore(
            directory: DataDirectory(path: directory), maxDocumentBytes: maxDocumentBytes, commitObserver: commitObserver,
            indexer: ResourceIndexing.indexer)
    case .postgres(let url):
        do {
            return try await PostgresResourceStore.open(
                url: url, maxDocumentBytes: maxDocumentBytes, maximumConnections: databaseConnections,
                timeout: databaseTimeout, commitObserver: commitObserver,
                indexer: ResourceIndexing.indexer, eventLoopGroup: eventLoopGroup, logger: logger)
        } catch let error as PostgresStoreFailure {
            throw UnsafeConfiguration(description: "--database-url \(storage.logDescription): \(error.description)")
        } catch {
            throw UnsafeConfiguration(
                description: "cannot open the PostgreSQL database \(storage.logDescription): \(String(reflecting: error))")
        }
    }
}

/// Replaces what `store` holds with a state file's resources (`serve --state`).
func loadState(_ path: String, into store: some ResourceStore) async throws {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw UnsafeConfiguration(description: "cannot read the state file \(path): \(error.localizedDescription)")
    }
    do {
        try await store.replaceAll(with: try StateSnapshot.decode(data))
    } catch let error as InvalidStateSnapshot {
        throw UnsafeConfiguration(description: "the state file \(path): \(error.description)")
    } catch let error as StoreConflict {
        throw UnsafeConfiguration(description: "the state file \(path) cannot be stored: \(error)")
    }
}

/// The router alone, for in-process tests.
public func buildRouter(
    service: some SageMakerHandler, configuration: EmulatorConfiguration, clock: any EmulatorClock = SystemClock(),
    logger: Logger
) -> Router<EmulatorRequestContext> {
    buildRouter(service: service, configuration: configuration, clock: clock, logger: logger, requestIDs: RequestIDs())
}

func buildRouter(
    service: some SageMakerHandler, configuration: EmulatorConfiguration, clock: any EmulatorClock, logger: Logger,
    requestIDs: RequestIDs, faults: FaultRules? = nil, journal: RequestJournal? = nil, metrics: EmulatorMetrics? = nil
) -> Router<EmulatorRequestContext> {
    let router = Router(context: EmulatorRequestContext.self)
    router.add(middleware: AWSProtocolMiddleware(requestIDs: requestIDs, journal: journal, metrics: metrics))
    router.add(middleware: CallerMiddleware(configuration: configuration, clock: clock))
    let responder = OperationResponder(handler: service, maxBodyBytes: configuration.maxBodyBytes, faults: faults)
    router.post("/") { request, context in try await responder.respond(request, context: context) }
    return router
}
