import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// A refusal of the control API: `{"error": "<Reason>", "message": "..."}`.
struct ControlError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let reason = status.reasonPhrase.replacing(" ", with: "")
        return ControlAPI<SQLiteResourceStore>.json(["error": reason, "message": message], status: status)
    }
}

/// Every refusal of the control API is `{"error", "message"}`: a body over the limit (413, refused from its
/// `Content-Length` before it is read) and an unknown path (404) too, not Hummingbird's empty answers.
struct ControlErrorMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let maxBodyBytes: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw ControlError(.contentTooLarge, "The body is \(length) bytes, over the limit of \(maxBodyBytes).")
        }
        do {
            return try await next(request, context)
        } catch let error as ControlError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ControlError(.contentTooLarge, "The body is over the limit of this call.")
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            throw ControlError(
                error.status,
                "There is no control API call \(request.method) \(request.uri.path) (docs/control-api.md).")
        }
    }
}
