/// A parsed JSON document, for the generated request decoders (`WireDecodable`): one pass over the bytes, then
/// typed reads that report mistakes exactly as Foundation's JSONDecoder reports them (WireCodec's messages).
public enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's text, as sent.
    case number(String)
    case bool(Bool)
    case null

    var kind: WireCodec.FoundKind {
        switch self {
        case .object: .object
        case .array: .array
        case .string: .string
        case .number: .number
        case .bool: .boolean
        case .null: .null
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    // MARK: - Typed reads

    /// The members of an object.
    @inline(__always)
    public func members() throws(WireDecodingError) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = self else { throw .mismatch(expected: "a Structure", found: kind) }
        return members
    }

    public func string() throws(WireDecodingError) -> String {
        guard case .string(let value) = self else { throw .mismatch(expected: "a String", found: kind) }
        return value
    }

    public func bool() throws(WireDecodingError) -> Bool {
        guard case .bool(let value) = self else { throw .mismatch(expected: "a Boolean", found: kind) }
        return value
    }

    public func int() throws(WireDecodingError) -> Int {
        guard case .number(let text) = self else { throw .mismatch(expected: "an Integer", found: kind) }
        if let value = Int(text) { return value }
        // As Foundation: a number with a fraction or exponent is accepted when it is exactly an integer.
        guard let double = Double(text), let value = Int(exactly: double) else { throw .invalidValue() }
        return value
    }

    public func int64() throws(WireDecodingError) -> Int64 {
        guard case .number(let text) = self else { throw .mismatch(expected: "a Long", found: kind) }
        if let value = Int64(text) { return value }
        guard let double = Double(text), let value = Int64(exactly: double) else { throw .invalidValue() }
        return value
    }

    public func double() throws(WireDecodingError) -> Double {
        guard case .number(let text) = self else { throw .mismatch(expected: "a Double", found: kind) }
        guard let value = Double(text), value.isFinite else { throw .invalidValue() }
        return value
    }

    /// A timestamp: epoch seconds.
    public func date() throws(WireDecodingError) -> Double {
        try double()
    }

    /// A list, each element read by `element`; a mistake names the element's index.
    public func list<T>(_ element: (JSONValue) throws(WireDecodingError) -> T) throws(WireDecodingError) -> [T] {
        guard case .array(let values) = self else { throw .mismatch(expected: "a List", found: kind) }
        var result: [T] = []
        result.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            do {
                result.append(try element(value))
            } catch {
                throw error.under(.index(index))
            }
        }
        return result
    }

    /// A map with string keys, each value read by `element`.
    public func map<T>(
        _ element: (JSONValue) throws(WireDecodingError) -> T
    ) throws(WireDecodingError)
        -> [String: T]
    {
        guard case .object(let members) = self else { throw .mismatch(expected: "a Structure", found: kind) }
        var result: [String: T] = [:]
        for (key, value) in members {
            do {
                result[key] = try element(value)
            } catch {
                throw error.under(.key(key))
            }
        }
        return result
    }
}

/// A shape that reads itself from a parsed request body (generated from the model).
public protocol WireDecodable {
    init(wire value: JSONValue) throws(WireDecodingError)
}

/// Why a request body does not fit its shape, and where.
public struct WireDecodingError: Error, Sendable {
    public enum PathComponent: Sendable {
        case key(String)
        case index(Int)
    }

    enum Problem: Sendable {
        case malformed
        case mismatch(expected: String, found: WireCodec.FoundKind)
        case invalidValue
    }

    let problem: Problem
    /// From the root down.
    var path: [PathComponent] = []

    static let malformed = WireDecodingError(problem: .malformed)

    static func mismatch(expected: String, found: WireCodec.FoundKind) -> WireDecodingError {
        WireDecodingError(problem: .mismatch(expected: expected, found: found))
    }

    static func invalidValue() -> WireDecodingError { WireDecodingError(problem: .invalidValue) }

    /// The same error one level further from the root.
    public func under(_ component: PathComponent) -> WireDecodingError {
        var error = self
        error.path.insert(component, at: 0)
        return error
    }

    /// The error under member `name`.
    public static func member(_ name: String, _ error: WireDecodingError) -> WireDecodingError {
        error.under(.key(name))
    }

    /// The `SerializationException` Foundation's decoder would have led to (WireCodec.serializationError).
    var awsError: AWSError {
        switch problem {
        case .malformed:
            return .serialization("Malformed JSON: the request body could not be parsed.")
        case .mismatch(let expected, let found):
            if path.isEmpty { return .serialization("The request body must be a JSON object; found \(found.name).") }
            let where_ = path.map { component in
                switch component {
                case .key(let key): key
                case .index(let index): String(index)
                }
            }.joined(separator: ".")
            return .serialization(found.message(expected: expected) + " (at '\(where_)')")
        case .invalidValue:
            // Foundation reports a number that does not fit its member as unparseable JSON.
            return .serialization("Malformed JSON: the request body could not be parsed.")
        }
    }
}

/// A strict RFC 8259 parser over the bytes of one request body. Stricter than Foundation's JSONDecoder, which
/// accepts some malformed JSON (trailing commas, bad escapes or numbers) inside members it does not read; AWS
/// refuses malformed JSON wherever it is.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    static let maxDepth = 512

    static func parse(_ body: [UInt8]) throws(WireDecodingError) -> JSONValue {
        do {
            return try body.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer)
                parser.skipWhitespace()
                let value = try parser.value()
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw WireDecodingError.malformed }
                return value
            }
        } catch let error as WireDecodingError {
            throw error
        } catch {
            throw .malformed
        }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func value() throws(WireDecodingError) -> JSONValue {
        guard position < bytes.count else { throw .malformed }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString) throws(WireDecodingError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw .malformed }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { throw .malformed }
        position += count
    }

    mutating func object() throws(WireDecodingError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw .malformed }
        defer { depth -= 1 }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw .malformed }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw .malformed }
            position += 1
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
            guard position < bytes.count else { throw .malformed }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            } else {
                throw .malformed
            }
        }
    }

    mutating func array() throws(WireDecodingError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw .malformed }
        defer { depth -= 1 }
        position += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            values.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw .malformed }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            } else {
                throw .malformed
            }
        }
    }

    /// A string starting at its opening quote.
    mutating func string() throws(WireDecodingError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes.
        var ascii = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return try Self.text(raw, ascii: ascii)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw .malformed }
            ascii = ascii && byte < 0x80
            position += 1
        }
        var scalars = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return try scalars.withUnsafeBufferPointer { raw throws(WireDecodingError) in
                    try Self.text(raw, ascii: false)
                }
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw .malformed }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw .malformed }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw .malformed }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw .malformed
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw .malformed }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw .malformed
                }
            default:
                if byte < 0x20 { throw .malformed }
                scalars.append(byte)
                position += 1
            }
        }
        throw .malformed
    }

    /// The text of a string's UTF-8 bytes; malformed UTF-8 is refused. `String(validating:as:)` is generic and not
    /// specialised in the standard library: its metadata look-ups cost more than the parse of a short string. ASCII
    /// needs no check; otherwise decoding repairs an invalid sequence into U+FFFD, so the bytes come back unchanged
    /// exactly when they were valid.
    static func text(_ raw: UnsafeBufferPointer<UInt8>, ascii: Bool) throws(WireDecodingError) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        if ascii { return text }
        guard text.utf8.elementsEqual(raw) else { throw .malformed }
        return text
    }

    mutating func hex4() throws(WireDecodingError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw .malformed }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .malformed
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    mutating func number() throws(WireDecodingError) -> String {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.position
            while parser.position < parser.bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position])
            {
                parser.position += 1
            }
            return parser.position - first
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw .malformed }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { throw .malformed }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw .malformed }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits(&self) > 0 else { throw .malformed }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }
}

extension WireCodec {
    /// Decodes a request body with the shape's generated reader; an empty body is the empty object. Mistakes are
    /// `SerializationException`s worded as `decode(_:from:)` words them.
    public static func decodeShape<T: WireDecodable>(
        _ type: T.Type, from body: some Collection<UInt8>
    )
        throws(AWSError) -> T
    {
        if body.isEmpty { return try decodeShape(T.self, from: Array("{}".utf8)) }
        do {
            let value = try JSONParser.parse(Array(body))
            return try T(wire: value)
        } catch {
            throw error.awsError
        }
    }
}
