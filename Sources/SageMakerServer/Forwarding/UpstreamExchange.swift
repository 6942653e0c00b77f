import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request and its whole answer over a connection of its own, on NIO alone: the forwarding path of every call
/// whose body is known and small (every service but S3 in practice). moto closes each connection after its answer,
/// so a pool keeps nothing; a general HTTP client's per-request machinery cost about 1 ms of CPU here, this path a
/// fraction of it (docs/benchmarks.md).
struct UpstreamExchange {
    /// The largest answer read whole; a larger one fails the exchange (the caller streams such calls instead).
    static let maxAnswerBytes = 64 << 20

    struct Answer {
        var head: HTTPResponseHead
        var body: ByteBuffer
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends `head` and `body` to `address` and reads the answer to its end, within `timeout`.
    static func run(
        _ head: HTTPRequestHead, body: ByteBuffer?, to address: SocketAddress, on eventLoop: any EventLoop,
        connections: UpstreamConnections, timeout: TimeAmount
    ) async throws -> Answer {
        try await start(head, body: body, to: address, on: eventLoop, connections: connections, timeout: timeout).get()
    }

    /// The exchange as a future of `eventLoop`, for callers that stay on it (`ForwardingHandler`). It goes over the
    /// connection `connections` opened ahead when there is one, and opens the next one after its answer.
    static func start(
        _ head: HTTPRequestHead, body: ByteBuffer?, to address: SocketAddress, on eventLoop: any EventLoop,
        connections: UpstreamConnections, timeout: TimeAmount
    ) -> EventLoopFuture<Answer> {
        let promise = eventLoop.makePromise(of: Answer.self)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "no answer within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        promise.futureResult.whenComplete { result in
            deadline.cancel()
            if case .success = result { connections.prepare(address, on: eventLoop) }
        }
        connections.take(address, on: eventLoop).whenComplete { result in
            switch result {
            case .success(let channel):
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                do {
                    try channel.pipeline.syncOperations.addHandler(AnswerReader(promise: promise))
                } catch {
                    promise.fail(error)
                    return
                }
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if let body, body.readableBytes > 0 {
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
                }
                channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { promise.fail($0) }
            case .failure(let error):
                promise.fail(error)
            }
        }
        return promise.futureResult
    }
}

/// Connections to the upstream opened ahead of the calls that use them, at most one per event loop: the next call
/// finds its connection made (and the upstream's accept done) instead of making it, which takes the connect's round
/// trip and the upstream's accept off its path (docs/performance.md step 43). moto closes a connection after each
/// answer, so one opened ahead serves one call. One not used within `maxIdle` is closed; one the upstream closes is
/// dropped; a call that finds none opens its own, as before.
final class UpstreamConnections: Sendable {
    /// How long a connection opened ahead waits for a call before it is closed.
    static let maxIdle = TimeAmount.seconds(2)

    private struct Spare {
        let serial: Int
        let address: SocketAddress
        let channel: EventLoopFuture<any Channel>
    }

    private let spares = Mutex<(serial: Int, byLoop: [ObjectIdentifier: Spare])>((0, [:]))

    /// A connection to `address` on `eventLoop`: the one opened ahead when it is still open, else a new one.
    func take(_ address: SocketAddress, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        let key = ObjectIdentifier(eventLoop)
        guard let spare = spares.withLock({ $0.byLoop.removeValue(forKey: key) }) else {
            return Self.connect(address, on: eventLoop)
        }
        guard spare.address == address else {
            spare.channel.whenSuccess { $0.close(promise: nil) }
            return Self.connect(address, on: eventLoop)
        }
        // Closed by the upstream since it was checked: a new connection; nothing was sent on that one.
        return spare.channel.flatMap { channel in
            channel.isActive ? eventLoop.makeSucceededFuture(channel) : Self.connect(address, on: eventLoop)
        }.flatMapError { _ in Self.connect(address, on: eventLoop) }
    }

    /// Opens a connection to `address` on `eventLoop` for its next call, unless one is open already.
    func prepare(_ address: SocketAddress, on eventLoop: any EventLoop) {
        let key = ObjectIdentifier(eventLoop)
        let serial: Int? = spares.withLock { state in
            guard state.byLoop[key] == nil else { return nil }
            state.serial += 1
            return state.serial
        }
        guard let serial else { return }
        let channel = Self.connect(address, on: eventLoop)
        spares.withLock { $0.byLoop[key] = Spare(serial: serial, address: address, channel: channel) }
        let drop: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            let dropped = self.spares.withLock { state -> Spare? in
                guard state.byLoop[key]?.serial == serial else { return nil }
                return state.byLoop.removeValue(forKey: key)
            }
            dropped?.channel.whenSuccess { $0.close(promise: nil) }
        }
        channel.whenComplete { result in
            guard case .success(let connected) = result else { return drop() }
            connected.closeFuture.whenComplete { _ in drop() }
        }
        eventLoop.scheduleTask(in: Self.maxIdle) { drop() }
    }

    private static func connect(_ address: SocketAddress, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
            }
            .connect(to: address)
    }
}

/// Gathers the answer's head and body and completes the exchange at its end (or fails it when the connection
/// closes first).
private final class AnswerReader: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<UpstreamExchange.Answer>
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var done = false

    init(promise: EventLoopPromise<UpstreamExchange.Answer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let answer):
            head = answer
        case .body(var part):
            guard body.readableBytes + part.readableBytes <= UpstreamExchange.maxAnswerBytes else {
                finish(.failure(UpstreamExchange.Failure(description: "the answer is larger than 64 MiB")))
                return
            }
            body.writeBuffer(&part)
        case .end:
            if let head {
                finish(.success(UpstreamExchange.Answer(head: head, body: body)))
            } else {
                finish(.failure(UpstreamExchange.Failure(description: "the answer ended before its head")))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(UpstreamExchange.Failure(description: "the upstream closed the connection before answering")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<UpstreamExchange.Answer, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}
