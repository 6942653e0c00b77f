import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// The quick path of forwarding, a channel handler after Hummingbird's connection state handler: a request that
/// `UpstreamRoom.quickForward` lets through is read whole here and sent to the upstream on this connection's own
/// event loop, and the answer is written back from there, without the hops to Swift's cooperative pool and back that
/// the router's path makes (each a thread woken: half of what a forwarded call cost, docs/performance.md). Every
/// other request passes on to the router untouched. The answer is the one `UpstreamRoom.answer` gives: the same
/// head sent upstream, the same answer back, the same request id, journal entry and metrics.
///
/// One request at a time reaches it: NIO's pipelining handler holds the next one until this answer has ended.
final class ForwardingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long an upstream may take to answer, as on the router's path.
    static let timeout = TimeAmount.seconds(300)

    private let room: UpstreamRoom
    /// The request being read for the quick path, and its body so far.
    private var reading: (forward: UpstreamRoom.QuickForward, body: ByteBuffer)?

    init(room: UpstreamRoom) {
        self.room = room
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let forward = room.quickForward(head) {
                reading = (forward, context.channel.allocator.buffer(capacity: 0))
                return
            }
        case .body(var part):
            if var request = reading {
                reading = nil  // the buffer is written alone, not copied
                request.body.writeBuffer(&part)
                reading = request
                return
            }
        case .end:
            if let request = reading {
                reading = nil
                send(request.forward, body: request.body, context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    /// Sends the request upstream and writes its answer (or a 503) back when it comes.
    private func send(_ forward: UpstreamRoom.QuickForward, body: ByteBuffer, context: ChannelHandlerContext) {
        let started = ContinuousClock.now
        let requestId = room.requestIDs.next()
        var request = forward.request
        request.body = RequestBody(buffer: body)
        let (account, region) = room.caller(of: request)
        let action = UpstreamRoom.action(
            forward.route, request, form: UpstreamRoom.readsForm(forward.route, request) ? body : nil)
        let service = forward.route.service
        let settled = UpstreamRoom.Settled(
            requestId: requestId, operation: "\(service ?? "unknown"):\(action ?? request.method.rawValue)",
            account: account, region: region, started: started, path: "quick")
        let bodyless = request.method == .get || request.method == .head
        let head = UpstreamForwarder.upstreamHead(
            request.head, target: forward.target, account: account, bodyBytes: bodyless ? nil : body.readableBytes)
        let room = room
        let target = forward.target.url
        UpstreamExchange.start(
            head, body: bodyless ? nil : body, to: forward.address, on: context.eventLoop,
            connections: forward.connections,
            timeout: Self.timeout
        ).assumeIsolated().whenComplete { result in
            var response: HTTPResponse
            let answerBody: ByteBuffer
            switch result {
            case .success(let answer):
                room.metrics.forward(service: service, outcome: "forwarded")
                response = UpstreamForwarder.response(answer)
                answerBody = answer.body
            case .failure(let error):
                let failure = UpstreamUnavailable(description: "the upstream at \(target) did not answer: \(error)")
                let (headers, text) = room.unavailable(failure, service: service)
                response = HTTPResponse(status: .serviceUnavailable, headerFields: headers)
                answerBody = text
            }
            // As Hummingbird's `Response` does for a body of known length.
            if response.headerFields[.contentLength] == nil {
                response.headerFields[.contentLength] = String(answerBody.readableBytes)
            }
            room.settle(&response.headerFields, status: response.status.code, settled)
            context.write(self.wrapOutboundOut(.head(response)), promise: nil)
            if answerBody.readableBytes > 0 { context.write(self.wrapOutboundOut(.body(answerBody)), promise: nil) }
            // `Connection: close` ends the connection after the answer, as Hummingbird's loop does.
            if request.headers[.connection] == "close" {
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
