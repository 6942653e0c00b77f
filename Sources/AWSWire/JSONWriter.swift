import Foundation

/// A shape that writes its own AWS JSON 1.1 form (generated from the model): no Foundation encoder on hot paths.
public protocol WireEncodable {
    func writeJSON(to writer: inout JSONWriter)
}

/// Appends JSON to a byte buffer. Commas are placed by looking at the previous byte, so generated code only says
/// what comes next.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func separate() {
        if let last = bytes.last, last != UInt8(ascii: "{"), last != UInt8(ascii: "["), last != UInt8(ascii: ":") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
    }

    public mutating func endArray() { bytes.append(UInt8(ascii: "]")) }

    /// A member name (model member names need no escaping).
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A map key.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    static let hex = Array("0123456789abcdef".utf8)

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The bytes of a string's content: runs that need no escape are appended whole (most strings are one run).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                bytes.append(contentsOf: "u00".utf8)
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            }
            start = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }

    public mutating func number(_ value: some BinaryInteger) {
        separate()
        if let value = Int64(exactly: value) {
            appendInteger(value)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Integral values as integers; thousandths (every timestamp, see `WireCodec.epochMilliseconds`) written
    /// digit by digit, exactly as `description` would write them; anything else by `description`.
    public mutating func number(_ value: Double) {
        separate()
        if value.rounded() == value, abs(value) < 1e15 {
            appendInteger(Int64(value))
            return
        }
        let thousandths = (value * 1000).rounded()
        // Below 2^52 thousandths apart from zero, adjacent doubles are closer than 0.001, so the decimal with at
        // most three places that rounds to `value` is also the shortest one that does: `description`'s digits.
        if abs(thousandths) < 4e15, thousandths / 1000 == value {
            let magnitude = Int64(abs(thousandths))
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            appendDigits(UInt64(magnitude / 1000))
            var fraction = magnitude % 1000
            var places = 3
            while fraction != 0, fraction % 10 == 0 {
                fraction /= 10
                places -= 1
            }
            bytes.append(UInt8(ascii: "."))
            var divisor: Int64 = places == 3 ? 100 : places == 2 ? 10 : 1
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
    }

    /// The decimal digits of `value`, without a String in between.
    private mutating func appendDigits(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64.max's 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            var rest = value
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Timestamps are epoch seconds with a millisecond fraction.
    public mutating func timestamp(_ value: Date) { number(WireCodec.epochMilliseconds(value)) }

    public mutating func value(_ shape: some WireEncodable) { shape.writeJSON(to: &self) }
}

extension WireCodec {
    /// Encodes a shape with its generated writer.
    public static func encode(shape: some WireEncodable) -> [UInt8] {
        var writer = JSONWriter()
        shape.writeJSON(to: &writer)
        return writer.bytes
    }
}

extension Array: WireEncodable where Element: WireEncodable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.writeJSON(to: &writer) }
        writer.endArray()
    }
}
