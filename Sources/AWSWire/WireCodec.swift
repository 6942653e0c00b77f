import Foundation

/// AWS JSON 1.1 bodies: typed decoding that reports `SerializationException`, and encoding with
/// timestamps as epoch seconds with a millisecond fraction.
public enum WireCodec {
    /// The body of an operation without output.
    public static let emptyObject: [UInt8] = Array("{}".utf8)

    /// The `Content-Type` of requests and responses.
    public static let contentType = "application/x-amz-json-1.1"

    /// One decoder for every request: its configuration never changes after this.
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    /// Decodes a request body; an empty body is the empty object.
    public static func decode<T: Decodable>(_ type: T.Type, from body: some Collection<UInt8>) throws(AWSError) -> T {
        let data = body.isEmpty ? Data("{}".utf8) : Data(body)
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw serializationError(error, data: data)
        } catch {
            throw AWSError.serialization("Could not parse the request body.")
        }
    }

    /// Encodes a response body.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(epochMilliseconds(date))
        }
        return Array(try encoder.encode(value))
    }

    /// The error body of an `AWSError`.
    public static func errorBody(_ error: AWSError) -> [UInt8] {
        (try? encode(error)) ?? Array(#"{"__type":"InternalFailure"}"#.utf8)
    }

    /// Epoch seconds rounded to milliseconds, as AWS JSON timestamps are sent.
    public static func epochMilliseconds(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    // MARK: - SerializationException messages, in the style of AWS's JSON services.

    static func serializationError(_ error: DecodingError, data: Data) -> AWSError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .serialization("Malformed JSON: the request body could not be parsed.")
        case .typeMismatch(let expected, let context), .valueNotFound(let expected, let context):
            let found = foundKind(in: data, at: context.codingPath)
            if context.codingPath.isEmpty {
                return .serialization("The request body must be a JSON object; found \(found.name).")
            }
            let path = context.codingPath.map { $0.intValue.map { String($0) } ?? $0.stringValue }
                .joined(separator: ".")
            return .serialization(found.message(expected: wireTypeName(expected)) + " (at '\(path)')")
        case .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .serialization("Invalid value at '\(path)'.")
        case .keyNotFound:
            return .serialization("Could not parse the request body.")
        @unknown default:
            return .serialization("Could not parse the request body.")
        }
    }

    enum FoundKind {
        case object, array, string, number, boolean, null

        var name: String {
            switch self {
            case .object: "an object"
            case .array: "a list"
            case .string: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .null: "null"
            }
        }

        func message(expected: String) -> String {
            switch self {
            case .object: "Start of structure or map found where not expected."
            case .array: "Start of list found where not expected."
            case .string: "STRING_VALUE can not be converted to \(expected)"
            case .number: "NUMBER_VALUE can not be converted to \(expected)"
            case .boolean: "BOOLEAN_VALUE can not be converted to \(expected)"
            case .null: "null can not be converted to \(expected)"
            }
        }
    }

    static func wireTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a String"
        case is Int.Type: "an Integer"
        case is Int64.Type: "a Long"
        case is Double.Type, is Date.Type: "a Double"
        case is Bool.Type: "a Boolean"
        case is [Any].Type: "a List"
        default: "a Structure"
        }
    }

    static func foundKind(in data: Data, at path: [any CodingKey]) -> FoundKind {
        var node: Any? = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        for key in path {
            if let index = key.intValue, let array = node as? [Any], index < array.count {
                node = array[index]
            } else if let object = node as? [String: Any] {
                node = object[key.stringValue]
            } else {
                node = nil
            }
        }
        switch node {
        case is [String: Any]: return .object
        case is [Any]: return .array
        case is String: return .string
        case let number as NSNumber:
            return String(cString: number.objCType) == "c" ? .boolean : .number
        default: return .null
        }
    }
}
