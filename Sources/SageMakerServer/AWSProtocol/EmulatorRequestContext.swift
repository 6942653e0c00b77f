import Hummingbird
import Logging
import NIOCore

/// What one request learned on its way through the middleware, for its log line.
public final class RequestRecord: @unchecked Sendable {
    // Written only by the task that serves the request, read by it after `next` returns.
    public let requestId: String
    public var operation: String = "-"
    public var account: String = "-"
    public var region: String = "-"
    /// The AWS error code answered, if any.
    public var errorCode: String?
    /// The fault rule that acted on the request, if any.
    public var fault: String?

    init(requestId: String) {
        self.requestId = requestId
    }
}

/// The request context: Hummingbird's core storage plus the caller and the request's record.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AWSProtocolMiddleware`.
    public var record: RequestRecord
    /// Set by `CallerMiddleware`.
    public var caller: Caller?
    /// The connection the request came on (the control API checks its peer).
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        record = RequestRecord(requestId: "")
        channel = source.channel
    }
}

/// The account and region a request acts in.
public struct Caller: Sendable, Equatable {
    public var account: String
    public var region: String
    /// The access key id the request was signed with; nil when it is unsigned.
    public var accessKeyId: String? = nil
}
