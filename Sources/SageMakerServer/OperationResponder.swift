import AWSWire
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel

/// `POST /`: routes by `X-Amz-Target: SageMaker.<Operation>` through the generated operation table.
struct OperationResponder<Handler: SageMakerHandler>: Sendable {
    let handler: Handler
    let maxBodyBytes: Int

    func respond(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        var request = request
        let target = request.headers[.amzTarget] ?? ""
        context.record.operation = target.isEmpty ? "-" : target
        let operation = try Self.operation(target: target)
        let body = try await request.collectBody(limit: maxBodyBytes)
        guard let caller = context.caller else {
            throw AWSError.missingAuthenticationToken("Request is missing Authentication Token")
        }
        let output = try await SageMakerOperationTable.dispatch(
            operation, body: body.readableBytesView, handler: handler,
            context: OperationContext(account: caller.account, region: caller.region, requestId: context.record.requestId))
        var headers = HTTPFields()
        headers[.contentType] = WireCodec.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: output)))
    }

    /// The served operation named by a target; other SageMaker operations are `NotImplemented` (501).
    static func operation(target: String) throws(AWSError) -> SageMakerOperation {
        let prefix = SageMakerOperationTable.targetPrefix + "."
        guard target.hasPrefix(prefix) else { throw AWSError.unknownOperation(target: target) }
        let name = String(target.dropFirst(prefix.count))
        if let operation = SageMakerOperation(rawValue: name) { return operation }
        if SageMakerOperationTable.otherOperations.contains(name) {
            throw AWSError.notImplemented(operation: name)
        }
        throw AWSError.unknownOperation(target: target)
    }
}

extension Request {
    /// The body, read whole up to `limit` bytes (and kept, so a second call costs nothing); a larger one is
    /// `RequestEntityTooLargeException` (HTTP 413), refused from its Content-Length before it is read.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw AWSError.requestEntityTooLarge(limit: limit)
        }
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AWSError.requestEntityTooLarge(limit: limit)
        }
    }
}
