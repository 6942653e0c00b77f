import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// Sends `/_emulator/...` and `/metrics` to the control API and everything else to the AWS API: the AWS path never runs
/// the control API's routing or middleware, and no AWS request (always `POST /`) reaches the control API.
struct EmulatorResponder<AWS: HTTPResponder, Control: HTTPResponder>: HTTPResponder
where AWS.Context == EmulatorRequestContext, Control.Context == EmulatorRequestContext {
    let aws: AWS
    let control: Control
    /// Requests for other services: forwarded to the upstream, or refused in their own protocol.
    let upstream: UpstreamRoom

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        if let path = request.head.path, path.utf8.starts(with: "/_emulator".utf8) || path == "/metrics" {
            return try await control.respond(to: request, context: context)
        }
        if let answer = Self.browserAnswer(request) { return answer }
        if let answer = try await upstream.answer(request) { return answer }
        return try await aws.respond(to: request, context: context)
    }

    /// What a browser asks of the server's root, answered off the AWS path (no journal entry, no metric, no log
    /// line): `GET /` from a page goes to the console; `GET /favicon.ico` is a plain 404. No AWS SDK sends either.
    static func browserAnswer(_ request: Request) -> Response? {
        guard request.method == .get, let path = request.head.path else { return nil }
        if path == "/favicon.ico" { return Response(status: .notFound) }
        if path == "/", request.headers[.accept]?.contains("text/html") == true {
            var headers = HTTPFields()
            headers[.location] = "/_emulator/console"
            return Response(status: .found, headers: headers)
        }
        return nil
    }
}
