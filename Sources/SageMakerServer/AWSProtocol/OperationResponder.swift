import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations

/// `POST /`: routes by `X-Amz-Target: SageMaker.<Operation>` through the generated operation table.
struct OperationResponder<Handler: SageMakerHandler>: Sendable {
    let handler: Handler
    let maxBodyBytes: Int
    /// Rules that fault requests on purpose (the control API); nil in tests of the router alone.
    var faults: FaultRules? = nil

    func respond(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        var request = request
        let target = request.headers.value(of: .amzTarget) ?? ""
        context.record.operation = target.isEmpty ? "-" : target
        let operation = try Self.operation(target: target)
        let body = try await request.collectBody(limit: maxBodyBytes)
        guard let caller = context.caller else {
            throw AWSError.missingAuthenticationToken("Request is missing Authentication Token")
        }
        if let faults,
            let fault = faults.requestFault(
                operation: operation.rawValue, account: caller.account, region: caller.region,
                names: { FaultTargets.names(in: body) })
        {
            context.record.fault = fault.id
            if let latency = fault.latency { try await Task.sleep(for: .milliseconds(Int64(latency * 1000))) }
            if let error = fault.error { throw Self.injected(error) }
        }
        let attribution = RequestAttribution(
            requestId: context.record.requestId, operation: operation.rawValue, accessKeyId: caller.accessKeyId)
        let output = try await RequestAttribution.$current.withValue(attribution) {
            try await SageMakerOperationTable.dispatch(
                operation, body: body.readableBytesView, handler: handler,
                context: OperationContext(
                    account: caller.account, region: caller.region, requestId: context.record.requestId))
        }
        var headers = HTTPFields()
        headers[.contentType] = WireCodec.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: output)))
    }

    /// The error a fault rule answers: the model's exceptions with their `Message` member, others with `message`.
    static func injected(_ error: FaultRule.InjectedError) -> AWSError {
        let isModelled = AWSError.Code.modelled.contains { $0.rawValue == error.code }
        return AWSError(
            AWSError.Code(injected: error.code, httpStatus: error.httpStatus ?? 400, isModelled: isModelled),
            error.message ?? "")
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
        if let length = headers.value(of: .contentLength).flatMap(Int.init), length > limit {
            throw AWSError.requestEntityTooLarge(limit: limit)
        }
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AWSError.requestEntityTooLarge(limit: limit)
        }
    }
}

/// What a fault rule's `resource` pattern is matched against: the string members of a request whose names end in
/// `Name`, `Id` or `Arn` (DomainId, UserProfileName, ResourceArn, ...).
enum FaultTargets {
    static func names(in body: ByteBuffer) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            return []
        }
        return object.compactMap { key, value in
            guard key.hasSuffix("Name") || key.hasSuffix("Id") || key.hasSuffix("Arn") else { return nil }
            return value as? String
        }
    }
}
