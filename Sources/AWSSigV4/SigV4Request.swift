/// A request as it arrived, in the raw form SigV4 signs: no HTTP framework types, so that any server (or a test
/// reading AWS's test suite) can hand one over.
public struct SigV4Request: Sendable {
    public var method: String
    /// The path as sent in the request line, without the query (still percent-encoded, if the client encoded it).
    public var path: String
    /// The query string as sent, without `?` (empty when there is none).
    public var query: String
    /// Every header as sent, in order; names in any case, repeated names allowed.
    public var headers: [Header]
    /// The body; its SHA-256 is the payload hash of the canonical request, unless `payloadHash` is set.
    public var body: [UInt8]
    /// The payload hash as the client declared it (S3's `x-amz-content-sha256`: a hex digest, `UNSIGNED-PAYLOAD` or
    /// a streaming marker), used in the canonical request instead of hashing `body`, which then need not be read.
    public var payloadHash: String?

    /// One header field as sent.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        method: String, path: String, query: String, headers: [Header], body: [UInt8], payloadHash: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.payloadHash = payloadHash
    }

    /// The first value of the header called `name` (lowercase).
    func firstValue(of name: String) -> String? {
        for header in headers where Self.sameName(header.name, lowercased: name.utf8) { return header.value }
        return nil
    }

    /// `name` equals `lowercased` but for ASCII case, compared without allocating.
    static func sameName(_ name: String, lowercased: some Collection<UInt8>) -> Bool {
        guard name.utf8.count == lowercased.count else { return false }
        return name.utf8.withContiguousStorageIfAvailable { sameBytes($0, lowercased) }
            ?? sameBytes(name.utf8, lowercased)
    }

    private static func sameBytes(_ name: some Collection<UInt8>, _ lowercased: some Collection<UInt8>) -> Bool {
        for (byte, other) in zip(name, lowercased) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if folded != other { return false }
        }
        return true
    }

    /// The decoded query parameters, in order (`a` without `=` has the value "").
    var queryParameters: [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decode(parts[0])
            let value = parts.count > 1 ? PercentEncoding.decode(parts[1]) : ""
            return (name, value)
        }
    }
}

/// SigV4's URI encoding: every byte but the unreserved characters `A-Z a-z 0-9 - . _ ~` becomes `%XX` (uppercase).
enum PercentEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Appends `bytes` encoded; `/` stays as it is when `keepSlash`.
    static func encode(_ bytes: some Sequence<UInt8>, keepSlash: Bool = false, into output: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes `%XX` escapes (a malformed escape stays as it is); `+` is not a space in SigV4.
    static func decode(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
