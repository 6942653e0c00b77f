import AWSWire
import Foundation
import Testing

/// A shape of the test's own, so that the wire codec is tested without the generated model.
private struct Sample: WireDecodable, WireEncodable, Equatable {
    var name: String?
    var count: Int?

    init(name: String? = nil, count: Int? = nil) {
        self.name = name
        self.count = count
    }

    init(wire value: JSONValue) throws(WireDecodingError) {
        for (key, member) in try value.members() {
            switch key {
            case "Name": name = try member.string()
            case "Count": count = try member.int()
            default: continue
            }
        }
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        if let name {
            writer.key("Name")
            writer.string(name)
        }
        if let count {
            writer.key("Count")
            writer.number(count)
        }
        writer.endObject()
    }
}

@Suite struct WireTests {
    @Test func writtenStringsReadBackExactly() throws {
        for name in ["plain", "quote \" backslash \\ slash /", "line\nbreak\ttab\u{0}nul", "é 漢字 🙂", ""] {
            let bytes = WireCodec.encode(shape: Sample(name: name, count: -3))
            let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            #expect(object?["Name"] as? String == name)
            #expect(try WireCodec.decodeShape(Sample.self, from: bytes) == Sample(name: name, count: -3))
        }
    }

    /// Numbers are written digit by digit; what they say must not change: integers as `String(value)` says them,
    /// doubles (timestamps above all) as `description` does.
    @Test func numbersAreWrittenAsSwiftDescribesThem() {
        func written(_ write: (inout JSONWriter) -> Void) -> String {
            var writer = JSONWriter()
            write(&writer)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        var generator = SystemRandomNumberGenerator()
        let integers: [Int64] =
            [0, 1, -1, 9, 10, 99, 100, Int64.max, Int64.min, 1_764_201_234, -42]
            + (0..<1000).map { _ in Int64.random(in: .min ... .max, using: &generator) }
        for value in integers {
            #expect(written { $0.number(value) } == String(value))
        }
        #expect(written { $0.number(UInt64.max) } == String(UInt64.max))
        #expect(written { $0.number(Int32.min) } == String(Int32.min))
        var doubles: [Double] = [
            0, -0.0, 0.5, -0.5, 0.001, 0.01, 0.1, 0.05, 0.007, 1.25, 1e15, 1e16, 123.456, 3.14159,
            .infinity, -.infinity, 1e-7, 4e12 + 0.5, 1e13 + 0.125, 4503599627370.495,
        ]
        for _ in 0..<20_000 {
            // Timestamps as WireCodec writes them: a millisecond instant in the years 1970-2100, and any thousandth.
            let milliseconds = Double(Int64.random(in: 0...4_102_444_800_000, using: &generator))
            doubles.append(WireCodec.epochMilliseconds(Date(timeIntervalSince1970: milliseconds / 1000)))
            doubles.append(Double(Int64.random(in: -9_999_999...9_999_999, using: &generator)) / 1000)
            doubles.append(Double.random(in: -1e6...1e6, using: &generator))
        }
        for value in doubles {
            let expected = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : value.description
            #expect(written { $0.number(value) } == expected, "\(value)")
        }
        #expect(written { $0.number(Double.nan) } == "nan")
    }

    @Test func malformedBodiesAreSerializationErrorsNotCrashes() {
        let bodies = [
            "{", "[1]", "{\"Name\":5}", "{\"Count\":\"x\"}", "{\"Name\":\"\\x\"}", "{\"a\":1,}",
            String(repeating: "[", count: 100_000), "\u{FF}",
        ]
        for body in bodies {
            #expect(throws: AWSError.self) { _ = try WireCodec.decodeShape(Sample.self, from: Array(body.utf8)) }
            do {
                _ = try WireCodec.decodeShape(Sample.self, from: Array(body.utf8))
            } catch {
                #expect(error.code == .serialization)
            }
        }
    }

    @Test func stringsOfMalformedUTF8AreRefusedAndValidOnesKept() throws {
        func body(_ inner: [UInt8]) -> [UInt8] { Array(#"{"Name":""#.utf8) + inner + Array("\"}".utf8) }
        // A stray continuation byte, a truncated sequence, an overlong encoding, an encoded surrogate, 0xFF; each
        // alone, after ASCII, and after an escape (the parser's second path).
        let malformed: [[UInt8]] = [
            [0x80], [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80],
        ]
        for bytes in malformed {
            for prefix in [[], Array("ab".utf8), Array(#"\n"#.utf8)] {
                #expect(throws: AWSError.self) {
                    _ = try WireCodec.decodeShape(Sample.self, from: body(prefix + bytes))
                }
            }
        }
        for text in ["é", "漢字", "🙂", "a\u{10FFFF}z"] {
            for (source, prefix) in [("", ""), ("ab", "ab"), (#"\n"#, "\n")] {
                let decoded = try WireCodec.decodeShape(Sample.self, from: body(Array((source + text).utf8)))
                #expect(decoded.name == prefix + text)
            }
        }
    }

    @Test func errorBodiesUseAWSsMemberNames() throws {
        let modelled =
            try JSONSerialization.jsonObject(
                with: Data(WireCodec.errorBody(AWSError(AWSError.Code(modelled: "ResourceNotFound"), "gone"))))
            as? [String: String]
        #expect(modelled == ["__type": "ResourceNotFound", "Message": "gone"])
        let signature =
            try JSONSerialization.jsonObject(with: Data(WireCodec.errorBody(.invalidSignature("bad"))))
            as? [String: String]
        #expect(signature == ["__type": "InvalidSignatureException", "message": "bad"])
        #expect(AWSError.unrecognizedClient("x").httpStatus == 400)
        #expect(AWSError.missingAuthenticationToken("x").httpStatus == 403)
    }
}
