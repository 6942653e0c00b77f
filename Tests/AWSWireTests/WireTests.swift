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
