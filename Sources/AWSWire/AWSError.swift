/// An error as AWS puts it on the wire: a code, an HTTP status and a message.
///
/// Encoded as `{"__type": "<Code>", "message": "..."}`; the SageMaker-modelled errors
/// (`ResourceNotFound`, `ResourceInUse`, `ResourceLimitExceeded`) declare the member `Message`.
public struct AWSError: Error, Sendable, Equatable, Encodable {
    private enum Code: String, Sendable {
        case validation = "ValidationException"
        case serialization = "SerializationException"
        case unknownOperation = "UnknownOperationException"
        case notImplemented = "NotImplemented"
        case requestEntityTooLarge = "RequestEntityTooLargeException"
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        case incompleteSignature = "IncompleteSignatureException"
        case invalidSignature = "InvalidSignatureException"
        case unrecognizedClient = "UnrecognizedClientException"
        case internalFailure = "InternalFailure"
        // Modelled by the SageMaker service model (exception shapes).
        case resourceNotFound = "ResourceNotFound"
        case resourceInUse = "ResourceInUse"
        case resourceLimitExceeded = "ResourceLimitExceeded"

        var status: Int {
            switch self {
            case .notImplemented: 501
            case .requestEntityTooLarge: 413
            case .missingAuthenticationToken: 403
            case .internalFailure: 500
            default: 400
            }
        }

        var isModelled: Bool {
            self == .resourceNotFound || self == .resourceInUse || self == .resourceLimitExceeded
        }
    }

    private let code: Code
    /// The human-readable message.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The AWS error code, as sent in `__type`.
    public var errorCode: String { code.rawValue }
    /// The HTTP status code of the response.
    public var httpStatus: Int { code.status }

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
    public static func internalFailure() -> AWSError {
        AWSError(.internalFailure, "The request processing has failed because of an unknown error, exception or failure.")
    }
    public static func resourceNotFound(_ message: String) -> AWSError { AWSError(.resourceNotFound, message) }
    public static func resourceInUse(_ message: String) -> AWSError { AWSError(.resourceInUse, message) }
    public static func resourceLimitExceeded(_ message: String) -> AWSError {
        AWSError(.resourceLimitExceeded, message)
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
