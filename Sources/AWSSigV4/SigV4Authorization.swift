/// The parts of a SigV4 `Authorization` header:
/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=..., Signature=...`.
public struct SigV4Authorization: Sendable, Equatable {
    public var accessKeyId: String
    /// `YYYYMMDD` of the credential scope.
    public var scopeDate: String
    public var region: String
    public var service: String
    /// The `SignedHeaders` parameter as sent: lowercase names joined by `;`.
    public var signedHeadersField: String
    public var signature: String

    /// The signed header names.
    public var signedHeaders: [String] { signedHeadersField.split(separator: ";").map(String.init) }

    public static let algorithm = "AWS4-HMAC-SHA256"

    /// Why a header could not be read, in the words AWS uses for `IncompleteSignatureException`.
    public struct ParseError: Error, Sendable, Equatable {
        public let message: String
    }

    /// Parses the header; a header of another scheme or with missing parts is a `ParseError`.
    public static func parse(_ header: String) throws(ParseError) -> SigV4Authorization {
        try AuthorizationLayout.withBytes(of: header) { bytes, layout throws(ParseError) in
            func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
            return SigV4Authorization(
                accessKeyId: text(layout.accessKeyId), scopeDate: text(layout.scopeDate), region: text(layout.region),
                service: text(layout.service), signedHeadersField: text(layout.signedHeaders),
                signature: text(layout.signature))
        }
    }

    /// An AWS region name: 1 to 32 lowercase letters, digits and hyphens. Anything else is refused where the
    /// credential scope is read, so that no request-made region reaches a URL, a log line or the store.
    public static func isValidRegion(_ region: String) -> Bool {
        let bytes = region.utf8
        return (1...32).contains(bytes.count)
            && bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            }
    }
}

/// Where the parts of an `Authorization` header lie in its UTF-8 bytes. It is read on every request, so it scans the
/// bytes once and allocates nothing (String and Substring operations cost microseconds here).
struct AuthorizationLayout {
    /// `<key>/<date>/<region>/<service>/aws4_request`.
    var credential: Range<Int>
    var accessKeyId: Range<Int>
    var scopeDate: Range<Int>
    var region: Range<Int>
    var service: Range<Int>
    /// The credential scope: the credential after `<key>/`.
    var scope: Range<Int> { scopeDate.lowerBound..<credential.upperBound }
    var signedHeaders: Range<Int>
    var signature: Range<Int>

    /// Runs `body` on the header's bytes (in place for a native string) and where its parts lie.
    static func withBytes<Result>(
        of header: String,
        _ body: (UnsafeBufferPointer<UInt8>, AuthorizationLayout) throws(SigV4Authorization.ParseError) -> Result
    ) throws(SigV4Authorization.ParseError) -> Result {
        var header = header
        var outcome: Swift.Result<Result, SigV4Authorization.ParseError> = .failure(.init(message: ""))
        header.withUTF8 { bytes in
            do throws(SigV4Authorization.ParseError) {
                outcome = .success(try body(bytes, try read(bytes)))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(SigV4Authorization.ParseError) -> AuthorizationLayout {
        func header() -> String { String(decoding: bytes, as: UTF8.self) }
        var index = 0
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        let prefix = algorithmPrefix
        guard bytes.count - index >= prefix.count, bytes[index..<index + prefix.count].elementsEqual(prefix) else {
            throw .init(
                message:
                    "Authorization header requires the \(SigV4Authorization.algorithm) algorithm. Authorization=\(header())"
            )
        }
        index += prefix.count
        var credential: Range<Int>?
        var signedHeaders: Range<Int>?
        var signature: Range<Int>?
        while index < bytes.count {
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ",") {
                index += 1
            }
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
            if let value = valueRange(bytes, index..<end, named: credentialName) {
                credential = value
            } else if let value = valueRange(bytes, index..<end, named: signedHeadersName) {
                signedHeaders = value
            } else if let value = valueRange(bytes, index..<end, named: signatureName) {
                signature = value
            }
            index = end
        }
        guard let credential, let signedHeaders, let signature else {
            var missing: [String] = []
            if credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
            if signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
            if signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
            throw .init(message: (missing + ["Authorization=\(header())"]).joined(separator: " "))
        }
        // <key>/<date>/<region>/<service>/aws4_request
        var parts = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var count = 0
        var start = credential.lowerBound
        func add(_ range: Range<Int>) {
            switch count {
            case 0: parts.0 = range
            case 1: parts.1 = range
            case 2: parts.2 = range
            case 3: parts.3 = range
            case 4: parts.4 = range
            default: break
            }
            count += 1
        }
        for position in credential where bytes[position] == UInt8(ascii: "/") {
            add(start..<position)
            start = position + 1
        }
        add(start..<credential.upperBound)
        guard count == 5, bytes[parts.4].elementsEqual("aws4_request".utf8), !parts.0.isEmpty else {
            throw .init(
                message:
                    "Credential should be scoped to a valid region, not '\(String(decoding: bytes[credential], as: UTF8.self))'. "
                    + "Credential should be scoped correctly: <key>/<date>/<region>/<service>/aws4_request.")
        }
        return AuthorizationLayout(
            credential: credential, accessKeyId: parts.0, scopeDate: parts.1, region: parts.2, service: parts.3,
            signedHeaders: signedHeaders, signature: signature)
    }

    private static let algorithmPrefix = Array((SigV4Authorization.algorithm + " ").utf8)
    private static let credentialName = Array("Credential=".utf8)
    private static let signedHeadersName = Array("SignedHeaders=".utf8)
    private static let signatureName = Array("Signature=".utf8)

    /// The value of `name=value` when the parameter in `range` is `name`.
    private static func valueRange(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, named name: [UInt8]
    ) -> Range<Int>? {
        guard range.count >= name.count else { return nil }
        for offset in 0..<name.count where bytes[range.lowerBound + offset] != name[offset] { return nil }
        return range.lowerBound + name.count..<range.upperBound
    }
}
