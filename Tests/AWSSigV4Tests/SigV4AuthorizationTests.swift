import AWSSigV4
import Testing

@Suite struct SigV4AuthorizationTests {
    @Test func parsesEveryPart() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        let parsed = try SigV4Authorization.parse(header)
        #expect(parsed.accessKeyId == "AKIDEXAMPLE")
        #expect(parsed.scopeDate == "20150830")
        #expect(parsed.region == "us-east-1")
        #expect(parsed.service == "iam")
        #expect(parsed.signedHeaders == ["content-type", "host", "x-amz-date"])
        #expect(parsed.signature.hasPrefix("5d672d79"))
    }

    @Test func missingPartsUseAWSWording() {
        let error = #expect(throws: SigV4Authorization.ParseError.self) {
            try SigV4Authorization.parse("AWS4-HMAC-SHA256 Signature=x")
        }
        #expect(
            error?.message
                == "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Signature=x"
        )
        #expect(throws: SigV4Authorization.ParseError.self) { try SigV4Authorization.parse("Basic dXNlcjpwYXNz") }
        #expect(throws: SigV4Authorization.ParseError.self) {
            try SigV4Authorization.parse(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1, SignedHeaders=host, Signature=x")
        }
    }
}
