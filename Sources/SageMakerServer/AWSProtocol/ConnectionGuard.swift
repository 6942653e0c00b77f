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
///   a connection for ever (the idle timeout alone restarts with every byte);
/// - a malformed request pipelined behind valid ones gets the same refusal, after their answers;
/// - a request asking to upgrade the connection (`Upgrade: h2c`, `websocket`) is answered over HTTP/1.1 with
///   `Connection: close`, and the connection closes: the parser reads nothing after an upgrade request, so a
///   connection kept open would answer nothing more.
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
    /// A request's head was read and its end not yet: a parser error now is about its body, which its handler reads.
    private var readingRequest = false
    private var deadline: Scheduled<Void>?
    private var refused = false
    /// A parser refusal that waits for the answers owed to the requests before it.
    private var deferredRefusal: HTTPParserError?
    /// The connection closes after the answer to an upgrade request.
    private var closeAfterResponse = false

    init(requestTimeout: TimeAmount, requestIDs: RequestIDs, logger: Logger) {
        self.requestIDs = requestIDs
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }  // after a refusal, what the client still sends is read and dropped
        switch unwrapInboundIn(data) {
        case .head(let request):
            if request.headerFields[.upgrade] != nil { closeAfterResponse = true }
            responsesOwed += 1
            readingRequest = true
            deadline?.cancel()
            let loop = context.eventLoop.assumeIsolated()
            deadline = loop.scheduleTask(in: requestTimeout) { [logger] in
                logger.info("request not received whole in time; closing the connection")
                context.close(promise: nil)
            }
        case .body:
            break
        case .end:
            readingRequest = false
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where closeAfterResponse:
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end:
            responsesOwed -= 1
            context.write(data, promise: promise)
            if responsesOwed == 0, let refusal = deferredRefusal {
                deferredRefusal = nil
                refuse(context: context, refusal)
            } else if responsesOwed == 0, closeAfterResponse {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.flush()
                context.eventLoop.assumeIsolated().execute { loopBound.value.close(promise: nil) }
            }
        default:
            context.write(data, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refused { return }  // the decoder's complaints about what follows a refused request
        // The body of the request being read: its handler gets the error and answers it (a 400).
        guard let parserError = error as? HTTPParserError, !readingRequest else {
            context.fireErrorCaught(error)
            return
        }
        refused = true
        if responsesOwed > 0 {
            deferredRefusal = parserError  // sent once the requests before it are answered
            return
        }
        refuse(context: context, parserError)
    }

    /// Answers the request the parser refused (a JSON error with a request id), then closes the connection.
    private func refuse(context: ChannelHandlerContext, _ parserError: HTTPParserError) {
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
        case .unexpectedContentLength, .invalidContentLength:
            "the Content-Length is invalid or conflicts with Transfer-Encoding"
        case .invalidChunkSize: "the chunked body is malformed"
        case .unknown: "the request's framing is invalid (Content-Length together with Transfer-Encoding, say)"
        default: "malformed HTTP (\(error))"
        }
    }
}
