import AWSSigV4
import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerOperations

/// With `--auth verify`, a request for another service is checked like SageMaker's before it is forwarded: its SigV4
/// signature against the same identities, for the service its credential scope names, and its account is the
/// identity's. S3 is checked the way S3 signs: its path as the client encoded it, and the payload hash the client
/// declared in `x-amz-content-sha256` (its body streams on unread; the hash of a streamed body is not recomputed).
struct ForwardedSignatures: Sendable {
    let credentials: SharedCredentials
    let clock: any EmulatorClock
    /// Bodies of other services (JSON and Query calls) are read to be hashed, up to this size.
    let maxBodyBytes: Int
    private let general: SigV4Verifier
    private let s3: SigV4Verifier

    init(credentials: SharedCredentials, clock: any EmulatorClock, maxBodyBytes: Int) {
        self.credentials = credentials
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        let secret: SigV4Verifier.SecretLookup = { key in credentials.identities[key]?.secretAccessKey }
        general = SigV4Verifier(service: nil, secret: secret)
        s3 = SigV4Verifier(service: nil, encodePath: false, secret: secret)
    }

    /// A refusal in the caller's protocol.
    struct Refusal: Error {
        let code: String
        let message: String
        let status: Int

        init(_ code: String, _ message: String, _ status: Int) {
            self.code = code
            self.message = message
            self.status = status
        }
    }

    /// The account and region of the identity that signed `request`; the body, when it was read, is handed on.
    func caller(of request: inout Request, route: AWSRequestRoute) async throws -> (account: String, region: String) {
        let isS3 = route.service == "s3"
        var signed = SigV4Request(request, body: [])
        if isS3 {
            // A presigned S3 URL signs no payload; a header-signed S3 request always declares its hash.
            signed.payloadHash = request.headers[Self.contentSHA256] ?? "UNSIGNED-PAYLOAD"
        } else if let declared = request.headers[Self.contentSHA256] {
            signed.payloadHash = declared
        } else {
            let body = try await request.collectBody(limit: maxBodyBytes)
            request.body = RequestBody(buffer: body)
            signed.body = Array(body.readableBytesView)
        }
        let identity: SigV4Identity
        do {
            identity = try (isS3 ? s3 : general).verify(
                signed, now: Int64(clock.now().timeIntervalSince1970.rounded(.down)))
        } catch {
            throw Self.refusal(error, wireProtocol: route.wireProtocol)
        }
        // The verifier only accepts keys that have an identity.
        let account = credentials.identities[identity.accessKeyId]?.accountId ?? ""
        return (account, identity.region)
    }

    static let contentSHA256 = HTTPField.Name("x-amz-content-sha256") ?? .contentType

    /// The error each protocol family's services give for a failed check (their error references): JSON services as
    /// SageMaker does, Query services (IAM, STS) their own codes, EC2 `AuthFailure`, S3 its REST-XML codes.
    static func refusal(_ failure: SigV4Failure, wireProtocol: AWSRequestRoute.WireProtocol) -> Refusal {
        let message = failure.message
        switch (wireProtocol, failure.kind) {
        case (.json, .missingAuthentication): return json(.missingAuthenticationToken, message)
        case (.json, .incompleteSignature): return json(.incompleteSignature, message)
        case (.json, .unknownAccessKey): return json(.unrecognizedClient, message)
        case (.json, .invalidSignature): return json(.invalidSignature, message)
        case (.query, .missingAuthentication): return Refusal("MissingAuthenticationToken", message, 403)
        case (.query, .incompleteSignature), (.ec2, .incompleteSignature):
            return Refusal("IncompleteSignature", message, 400)
        case (.query, .unknownAccessKey): return Refusal("InvalidClientTokenId", message, 403)
        case (.query, .invalidSignature), (.rest, .invalidSignature):
            return Refusal("SignatureDoesNotMatch", message, 403)
        case (.ec2, .missingAuthentication): return Refusal("MissingAuthenticationToken", message, 401)
        case (.ec2, _): return Refusal("AuthFailure", message, 401)
        case (.rest, .missingAuthentication): return Refusal("AccessDenied", "Access Denied", 403)
        case (.rest, .incompleteSignature): return Refusal("AuthorizationHeaderMalformed", message, 400)
        case (.rest, .unknownAccessKey):
            let text = "The AWS Access Key Id you provided does not exist in our records."
            return Refusal("InvalidAccessKeyId", text, 403)
        }
    }

    private static func json(_ code: AWSError.Code, _ message: String) -> Refusal {
        Refusal(code.rawValue, message, code.httpStatus)
    }
}
