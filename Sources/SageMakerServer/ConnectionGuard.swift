import AWSWire
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A channel handler after the HTTP codec of every connection:
/// - a request the HTTP parser refuses before it reaches the router (conflicting `Content-Length` and
///   `Transfer-Encoding`, oversized headers, ...) gets the usual JSON error body with a request id, then the
///   connection closes;
/// - a request must arrive whole (head to end) within `requestTimeout`, so that a client trickling bytes cannot hold
///   a connection for ever (the idle timeout alone restarts with every byte).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let requestTimeout: TimeAmount
    private let logger: Logger
    private let requestIDs: RequestIDs
    /// Requests whose head was read and whose response has not ended.
    private var responsesOwed = 0
    private var deadline: Scheduled<Void>?
    private var refused = false

    init(requestTimeout: TimeAmount, requestIDs: RequestIDs, logger: Logger) {
        self.requestIDs = requestIDs
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }  // after a refusal, what the client still sends is read and dropped
        switch unwrapInboundIn(data) {
        case .head:
            responsesOwed += 1
            deadline?.cancel()
            let loop = context.eventLoop.assumeIsolated()
            deadline = loop.scheduleTask(in: requestTimeout) { [logger] in
                logger.info("request not received whole in time; closing the connection")
                context.close(promise: nil)
            }
        case .body:
            break
        case .end:
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesOwed -= 1 }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refused { return }  // the decoder's complaints about what follows a refused request
        guard let parserError = error as? HTTPParserError, responsesOwed == 0 else {
            context.fireErrorCaught(error)
            return
        }
        refused = true
        let requestId = requestIDs.next()
        let awsError = AWSError.serialization("The HTTP request could not be parsed: \(Self.describe(parserError)).")
        let body = WireCodec.errorBody(awsError)
        var fields = HTTPFields()
        fields[.contentType] = WireCodec.contentType
        fields[.amznRequestId] = requestId
        fields[.amznErrorType] = awsError.errorCode
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        logger.info(
            "request refused by the HTTP parser",
            metadata: ["request_id": .string(requestId), "error": .string(Self.describe(parserError))])
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        // A lingering close: stop writing, keep reading (and dropping) for a moment, so that the rest of what the
        // client sends does not turn into a reset that destroys the answer before the client reads it.
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(mode: .output, promise: nil)
            loopBound.value.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) {
                loopBound.value.close(promise: nil)
            }
        }
    }

    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "the headers are too large"
        case .unexpectedContentLength, .invalidContentLength: "the Content-Length is invalid or conflicts with Transfer-Encoding"
        case .invalidChunkSize: "the chunked body is malformed"
        case .unknown: "the request's framing is invalid (Content-Length together with Transfer-Encoding, say)"
        default: "malformed HTTP (\(error))"
        }
    }
}
