import Hummingbird
import Logging

/// What one request learned on its way through the middleware, for its log line.
public final class RequestRecord: @unchecked Sendable {
    // Written only by the task that serves the request, read by it after `next` returns.
    public let requestId: String
    public var operation: String = "-"
    public var account: String = "-"
    public var region: String = "-"

    init(requestId: String) {
        self.requestId = requestId
    }
}

/// The request context: Hummingbird's core storage plus the caller and the request's record.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AWSProtocolMiddleware`.
    public var record: RequestRecord
    /// Set by `SigV4CallerMiddleware`.
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        record = RequestRecord(requestId: "")
    }
}

/// The account and region a request acts in.
public struct Caller: Sendable, Equatable {
    public var account: String
    public var region: String
}
