import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The answer to a request for another service when no upstream is set: an error in the caller's own protocol, so
/// that `aws iam list-roles` prints it instead of failing to parse a JSON answer to a Query call.
enum ServiceErrors {
    static let code = "UnknownOperationException"

    static func message(service: String?) -> String {
        let named = service.map { "the service \($0)" } ?? "another service"
        return "sagemaker-emulator serves SageMaker; this request is for \(named). Start it with --upstream moto "
            + "(pip install \"moto[server]\") or --upstream <URL of an AWS-compatible endpoint> to have every other "
            + "service answered there."
    }

    /// The error response for `route`, with `requestId`.
    static func noUpstream(_ route: AWSRequestRoute, requestId: String) -> Response {
        response(route, code: code, message: message(service: route.service), status: 400, requestId: requestId)
    }

    /// An AWS error in the protocol `route` speaks: JSON (`__type`), Query XML (`ErrorResponse`), EC2's XML
    /// (`Response/Errors`), or REST-XML (`Error`).
    static func response(
        _ route: AWSRequestRoute, code: String, message: String, status: Int, requestId: String
    ) -> Response {
        var headers = HTTPFields()
        headers[.amznRequestId] = requestId
        headers[.amznErrorType] = code
        let body: String
        switch route.wireProtocol {
        case .json:
            headers[.contentType] = WireCodec.contentType
            let error = AWSError(AWSError.Code(injected: code, httpStatus: status, isModelled: false), message)
            return Response(
                status: HTTPResponse.Status(code: status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireCodec.errorBody(error))))
        case .query:
            body =
                "<ErrorResponse><Error><Type>Sender</Type><Code>\(escaped(code))</Code><Message>\(escaped(message))"
                + "</Message></Error><RequestId>\(requestId)</RequestId></ErrorResponse>"
        case .ec2:
            body =
                "<Response><Errors><Error><Code>\(escaped(code))</Code><Message>\(escaped(message))</Message>"
                + "</Error></Errors><RequestID>\(requestId)</RequestID></Response>"
        case .rest:
            body =
                "<Error><Code>\(escaped(code))</Code><Message>\(escaped(message))</Message><RequestId>\(requestId)"
                + "</RequestId></Error>"
        }
        headers[.contentType] = "text/xml"
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func escaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
            .replacing("\"", with: "&quot;")
    }
}
