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

    @Test func malformedBodiesAreSerializationErrorsNotCrashes() {
        let bodies = ["{", "[1]", "{\"Name\":5}", "{\"Count\":\"x\"}", "{\"Name\":\"\\x\"}", "{\"a\":1,}",
                      String(repeating: "[", count: 100_000), "\u{FF}"]
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
        let malformed: [[UInt8]] = [[0x80], [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]]
        for bytes in malformed {
            for prefix in [[], Array("ab".utf8), Array(#"\n"#.utf8)] {
                #expect(throws: AWSError.self) { _ = try WireCodec.decodeShape(Sample.self, from: body(prefix + bytes)) }
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
        let modelled = try JSONSerialization.jsonObject(with: Data(WireCodec.errorBody(AWSError(AWSError.Code(modelled: "ResourceNotFound"), "gone"))))
            as? [String: String]
        #expect(modelled == ["__type": "ResourceNotFound", "Message": "gone"])
        let signature = try JSONSerialization.jsonObject(with: Data(WireCodec.errorBody(.invalidSignature("bad"))))
            as? [String: String]
        #expect(signature == ["__type": "InvalidSignatureException", "message": "bad"])
        #expect(AWSError.unrecognizedClient("x").httpStatus == 400)
        #expect(AWSError.missingAuthenticationToken("x").httpStatus == 403)
    }
}
