import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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
        timeout: TimeAmount
    ) async throws -> Answer {
        try await start(head, body: body, to: address, on: eventLoop, timeout: timeout).get()
    }

    /// The exchange as a future of `eventLoop`, for callers that stay on it (`ForwardingHandler`).
    static func start(
        _ head: HTTPRequestHead, body: ByteBuffer?, to address: SocketAddress, on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) -> EventLoopFuture<Answer> {
        let promise = eventLoop.makePromise(of: Answer.self)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "no answer within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        let connected = ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(AnswerReader(promise: promise))
                }
            }
            .connect(to: address)
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
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
