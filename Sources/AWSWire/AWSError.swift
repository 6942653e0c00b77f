/// An error as AWS puts it on the wire: a code, an HTTP status and a message.
///
/// Encoded as `{"__type": "<Code>", "message": "..."}`; the errors a service model declares (for SageMaker
/// `ResourceNotFound`, `ResourceInUse`, `ResourceLimitExceeded`) have the member `Message`.
public struct AWSError: Error, Sendable, Equatable, Encodable {
    /// An AWS error code (sent in `__type` and `x-amzn-ErrorType`) with the HTTP status it is answered with.
    /// The protocol's codes are here; the service model's exception shapes add theirs (`SageMakerModel`'s generated
    /// `Errors.swift`), so that tests and code compare codes, not strings.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public let httpStatus: Int
        /// Declared by the service model: its message member is `Message`, not `message`.
        public let isModelled: Bool

        private init(_ rawValue: String, status: Int = 400) {
            self.rawValue = rawValue
            httpStatus = status
            isModelled = false
        }

        /// A code of the service model's exception shapes; answered with HTTP 400.
        public init(modelled rawValue: String) {
            self.rawValue = rawValue
            httpStatus = 400
            isModelled = true
        }

        /// Any code, as a test asks for it (fault injection): AWS's protocol errors and the model's alike.
        public init(injected rawValue: String, httpStatus: Int, isModelled: Bool) {
            self.rawValue = rawValue
            self.httpStatus = httpStatus
            self.isModelled = isModelled
        }

        public var description: String { rawValue }

        public static let validation = Code("ValidationException")
        public static let serialization = Code("SerializationException")
        public static let unknownOperation = Code("UnknownOperationException")
        public static let notImplemented = Code("NotImplemented", status: 501)
        public static let requestEntityTooLarge = Code("RequestEntityTooLargeException", status: 413)
        public static let missingAuthenticationToken = Code("MissingAuthenticationTokenException", status: 403)
        public static let incompleteSignature = Code("IncompleteSignatureException")
        public static let invalidSignature = Code("InvalidSignatureException")
        public static let unrecognizedClient = Code("UnrecognizedClientException")
        public static let internalFailure = Code("InternalFailure", status: 500)
        public static let serviceUnavailable = Code("ServiceUnavailable", status: 503)
    }

    public let code: Code
    /// The human-readable message.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The AWS error code, as sent in `__type`.
    public var errorCode: String { code.rawValue }
    /// The HTTP status code of the response.
    public var httpStatus: Int { code.httpStatus }

    public static func validation(_ message: String) -> AWSError { AWSError(.validation, message) }
    public static func serialization(_ message: String) -> AWSError { AWSError(.serialization, message) }
    public static func unknownOperation(target: String) -> AWSError {
        AWSError(.unknownOperation, "The operation \(target) is not known to this service.")
    }
    public static func notImplemented(operation: String) -> AWSError {
        AWSError(.notImplemented, "The operation \(operation) is not implemented by sagemaker-emulator.")
    }
    public static func requestEntityTooLarge(limit: Int) -> AWSError {
        AWSError(.requestEntityTooLarge, "Request body is larger than the limit of \(limit) bytes.")
    }
    public static func missingAuthenticationToken(_ message: String) -> AWSError {
        AWSError(.missingAuthenticationToken, message)
    }
    public static func incompleteSignature(_ message: String) -> AWSError { AWSError(.incompleteSignature, message) }
    public static func invalidSignature(_ message: String) -> AWSError { AWSError(.invalidSignature, message) }
    public static func unrecognizedClient(_ message: String) -> AWSError { AWSError(.unrecognizedClient, message) }
    /// A failure of the moment (the database is away): every SDK sends the request again after a pause.
    public static func serviceUnavailable() -> AWSError {
        AWSError(.serviceUnavailable, "Service Unavailable")
    }
    public static func internalFailure() -> AWSError {
        AWSError(
            .internalFailure, "The request processing has failed because of an unknown error, exception or failure.")
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(code.rawValue, forKey: Key(stringValue: "__type"))
        try container.encode(message, forKey: Key(stringValue: code.isModelled ? "Message" : "message"))
    }
}
