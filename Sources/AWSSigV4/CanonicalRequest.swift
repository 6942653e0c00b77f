import Crypto
import Foundation

/// The canonical request and string to sign of SigV4, built as bytes (this runs on every verified request).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
enum CanonicalRequest {
    /// The canonical request of `request` over `signedHeaders`, the `SignedHeaders` field as sent (lowercase names,
    /// sorted, joined by `;`). `excludedQueryNames` are left out of the query (the signature itself, for presigned
    /// requests).
    static func bytes(
        of request: SigV4Request, signedHeaders: UnsafeBufferPointer<UInt8>, normalizePath: Bool,
        encodePath: Bool = true, excludedQueryNames: [String] = []
    ) throws(SigV4Failure) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256 + request.body.count / 8)
        output.append(contentsOf: request.method.utf8)
        output.append(newline)
        if encodePath {
            PercentEncoding.encode(
                (normalizePath ? normalized(request.path) : request.path).utf8, keepSlash: true, into: &output)
        } else {
            output.append(contentsOf: request.path.utf8)
        }
        output.append(newline)
        appendQuery(request, excluding: excludedQueryNames, to: &output)
        output.append(newline)
        try request.headers.withUnsafeBufferPointer { headers throws(SigV4Failure) in
            for name in SignedHeaderNames(field: signedHeaders) {
                output.append(contentsOf: name)
                output.append(UInt8(ascii: ":"))
                var found = false
                for index in headers.indices where SigV4Request.sameName(headers[index].name, lowercased: name) {
                    if found { output.append(UInt8(ascii: ",")) }
                    found = true
                    appendTrimmed(headers[index].value, to: &output)
                }
                guard found else { throw .signatureMismatch }
                output.append(newline)
            }
        }
        output.append(newline)
        for (index, name) in SignedHeaderNames(field: signedHeaders).enumerated() {
            if index > 0 { output.append(semicolon) }
            output.append(contentsOf: name)
        }
        output.append(newline)
        if let declared = request.payloadHash {
            output.append(contentsOf: declared.utf8)
        } else {
            appendHex(sha256(request.body), to: &output)
        }
        return output
    }

    /// SHA-256 through the non-generic buffer entry point (the generic one costs metadata look-ups on every call).
    static func sha256(_ bytes: [UInt8]) -> SHA256.Digest {
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return hash.finalize()
    }

    private static let newline = UInt8(ascii: "\n")
    private static let semicolon = UInt8(ascii: ";")
    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends the lowercase hex of a digest, read through its bytes (iterating a digest as a Sequence copies it).
    static func appendHex(_ digest: some ContiguousBytes, to output: inout [UInt8]) {
        digest.withUnsafeBytes { bytes in
            for byte in bytes {
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }

    /// The path with `.` and `..` segments resolved and empty segments dropped (RFC 3986 section 5.2.4; what AWS
    /// does for every service but S3).
    static func normalized(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: ".")) || path.utf8.count > 1 else { return path.isEmpty ? "/" : path }
        var segments: [Substring] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for part in parts {
            switch part {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(part)
            }
        }
        let trailing = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
        if segments.isEmpty { return "/" }
        return "/" + segments.joined(separator: "/") + (trailing ? "/" : "")
    }

    /// Parameters encoded, sorted by name then value, joined by `&`.
    private static func appendQuery(_ request: SigV4Request, excluding excluded: [String], to output: inout [UInt8]) {
        guard !request.query.isEmpty else { return }
        var pairs: [([UInt8], [UInt8])] = []
        for (name, value) in request.queryParameters where !excluded.contains(name) {
            var encodedName: [UInt8] = []
            var encodedValue: [UInt8] = []
            PercentEncoding.encode(name.utf8, into: &encodedName)
            PercentEncoding.encode(value.utf8, into: &encodedValue)
            pairs.append((encodedName, encodedValue))
        }
        pairs.sort { left, right in
            left.0 == right.0 ? left.1.lexicographicallyPrecedes(right.1) : left.0.lexicographicallyPrecedes(right.0)
        }
        for (index, pair) in pairs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            output.append(contentsOf: pair.0)
            output.append(UInt8(ascii: "="))
            output.append(contentsOf: pair.1)
        }
    }

    /// The value without leading and trailing white space, inner runs of white space (folded lines too) as one space.
    private static func appendTrimmed(_ value: String, to output: inout [UInt8]) {
        if value.utf8.withContiguousStorageIfAvailable({ appendTrimmed($0, to: &output) }) == nil {
            appendTrimmed(Array(value.utf8), to: &output)
        }
    }

    private static func appendTrimmed(_ bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        var pendingSpace = false
        var started = false
        for byte in bytes {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
            {
                pendingSpace = started
            } else {
                if pendingSpace { output.append(UInt8(ascii: " ")) }
                pendingSpace = false
                started = true
                output.append(byte)
            }
        }
    }
}

/// The names of a `SignedHeaders` field (`a;b;c`), as slices of its bytes; empty names are skipped.
struct SignedHeaderNames: Sequence, IteratorProtocol {
    private let field: UnsafeBufferPointer<UInt8>
    private var start = 0

    init(field: UnsafeBufferPointer<UInt8>) { self.field = field }

    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        while start < field.count {
            var end = start
            while end < field.count, field[end] != UInt8(ascii: ";") { end += 1 }
            defer { start = end + 1 }
            if end > start { return UnsafeBufferPointer(rebasing: field[start..<end]) }
        }
        return nil
    }
}
