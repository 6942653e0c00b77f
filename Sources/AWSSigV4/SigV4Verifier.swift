import Crypto
import Synchronization

/// Why a request's signature was refused; the kind picks the AWS error code, the message is AWS's wording.
public struct SigV4Failure: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Neither an `Authorization` header nor presigned query parameters (`MissingAuthenticationTokenException`).
        case missingAuthentication
        /// A header or query form with parts missing (`IncompleteSignatureException`).
        case incompleteSignature
        /// An access key the verifier has no secret for (`UnrecognizedClientException`).
        case unknownAccessKey
        /// Everything else: wrong signature, date out of range, bad scope (`InvalidSignatureException`).
        case invalidSignature
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static let missing = SigV4Failure(.missingAuthentication, "Request is missing Authentication Token")
    public static let unknownAccessKey = SigV4Failure(
        .unknownAccessKey, "The security token included in the request is invalid.")
    public static let signatureMismatch = SigV4Failure(
        .invalidSignature,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
            + "Key and signing method. Consult the service documentation for details.")

    static func invalidRegion(_ region: String) -> SigV4Failure {
        SigV4Failure(.invalidSignature, "Credential should be scoped to a valid region, not '\(region)'. ")
    }
}

/// Who signed a request that verified.
public struct SigV4Identity: Sendable, Equatable {
    public var accessKeyId: String
    public var region: String
    public var service: String
}

/// Checks SigV4 signatures, in the `Authorization` header or in presigned query parameters, against known secrets.
/// Signing keys are derived once per (secret, date, region, service) and kept.
public struct SigV4Verifier: Sendable {
    /// The secret of an access key id, or nil for a key nobody issued.
    public typealias SecretLookup = @Sendable (String) -> String?

    private let secret: SecretLookup
    /// The service every credential scope must name (nil: any).
    private let service: String?
    /// How far the request date may be from the server's clock, in seconds.
    private let maxClockSkew: Int64
    private let normalizePath: Bool
    /// False for S3, whose canonical URI is the path as the client encoded it (once), never normalized.
    private let encodePath: Bool
    let signers = Signers()

    public init(
        service: String?, maxClockSkew: Int64 = 300, normalizePath: Bool = true, encodePath: Bool = true,
        secret: @escaping SecretLookup
    ) {
        self.service = service
        self.maxClockSkew = maxClockSkew
        self.normalizePath = normalizePath && encodePath
        self.encodePath = encodePath
        self.secret = secret
    }

    /// Verifies `request` at `now` (seconds since 1970); returns who signed it.
    public func verify(_ request: SigV4Request, now: Int64) throws(SigV4Failure) -> SigV4Identity {
        let form: SignedForm
        if let header = request.firstValue(of: "authorization") {
            form = SignedForm(authorization: header, date: request.firstValue(of: "x-amz-date")?.trimmingWhitespace)
        } else if !request.query.isEmpty, let presigned = try SignedForm(query: request) {
            form = presigned
        } else {
            throw .missing
        }
        // The authorization's bytes in place (no copy for a native string), read without allocating.
        var authorization = form.authorization
        var outcome: Result<SigV4Identity, SigV4Failure> = .failure(.missing)
        authorization.withUTF8 { bytes in
            do throws(SigV4Failure) {
                outcome = .success(try verify(request, form, bytes, now: now))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    private func verify(
        _ request: SigV4Request, _ form: SignedForm, _ bytes: UnsafeBufferPointer<UInt8>, now: Int64
    ) throws(SigV4Failure) -> SigV4Identity {
        let layout: AuthorizationLayout
        do {
            layout = try AuthorizationLayout.read(bytes)
        } catch {
            throw SigV4Failure(.incompleteSignature, error.message)
        }
        guard let dateText = form.date else {
            throw SigV4Failure(
                .incompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                    + "Authorization=\(form.authorization)")
        }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        // A scope seen before was checked then; its signer is kept.
        let credential = UnsafeBufferPointer(rebasing: bytes[layout.credential])
        let known = signers.signer(for: credential)
        if known == nil {
            let region = text(layout.region)
            guard SigV4Authorization.isValidRegion(region) else { throw .invalidRegion(region) }
            if let service, !bytes[layout.service].elementsEqual(service.utf8) {
                throw SigV4Failure(.invalidSignature, "Credential should be scoped to correct service: '\(service)'. ")
            }
        }
        guard let date = AmzDate(dateText) else {
            throw SigV4Failure(
                .incompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '\(dateText)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        guard dateText.utf8.prefix(8).elementsEqual(bytes[layout.scopeDate]) else {
            throw SigV4Failure(
                .invalidSignature,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'\(text(layout.scopeDate))' != '\(dateText.prefix(8))', from '\(dateText)'.")
        }
        try checkTime(date, expires: form.expires, now: now)
        let signer: Signer
        if let known {
            signer = known
        } else {
            let identity = SigV4Identity(
                accessKeyId: text(layout.accessKeyId), region: text(layout.region), service: text(layout.service))
            guard let secret = secret(identity.accessKeyId) else { throw .unknownAccessKey }
            signer = Signer(identity: identity, scopeDate: text(layout.scopeDate), secret: secret)
            signers.keep(signer, for: Array(credential))
        }
        let signedHeaders = UnsafeBufferPointer(rebasing: bytes[layout.signedHeaders])
        let signature = UnsafeBufferPointer(rebasing: bytes[layout.signature])
        var excluded = form.expires == nil ? [] : ["X-Amz-Signature"]
        while true {
            let canonical = try CanonicalRequest.bytes(
                of: request, signedHeaders: signedHeaders, normalizePath: normalizePath, encodePath: encodePath,
                excludedQueryNames: excluded)
            if signer.signs(canonicalRequest: canonical, date: dateText, as: signature) { break }
            // Some clients add a presigned request's session token after signing it (AWS's suite has such a case).
            guard form.expires != nil, !excluded.contains(Self.securityToken),
                request.queryParameters.contains(where: { $0.name == Self.securityToken })
            else { throw .signatureMismatch }
            excluded.append(Self.securityToken)
        }
        return signer.identity
    }

    private func checkTime(_ date: AmzDate, expires: Int64?, now: Int64) throws(SigV4Failure) {
        let skew = maxClockSkew
        var minutes: String { "\(skew / 60) min." }
        if date.seconds > now + skew {
            throw SigV4Failure(
                .invalidSignature,
                "Signature not yet current: \(date.text) is still later than \(AmzDate.format(now + skew)) "
                    + "(\(AmzDate.format(now)) + \(minutes))")
        }
        if let expires {
            if now > date.seconds + expires {
                throw SigV4Failure(
                    .invalidSignature,
                    "Signature expired: \(AmzDate.format(date.seconds + expires)) is now earlier than "
                        + "\(AmzDate.format(now)) (\(date.text) + \(expires) sec.)")
            }
        } else if date.seconds < now - skew {
            throw SigV4Failure(
                .invalidSignature,
                "Signature expired: \(date.text) is now earlier than \(AmzDate.format(now - skew)) "
                    + "(\(AmzDate.format(now)) - \(minutes))")
        }
    }

    private static let securityToken = "X-Amz-Security-Token"
}

/// A signature in either form, as an `Authorization` header text (the query form is rewritten as one), its request
/// date and, for a presigned request, how long it stays valid.
private struct SignedForm {
    var authorization: String
    /// `X-Amz-Date`; nil when the request has none.
    var date: String?
    /// `X-Amz-Expires` of a presigned request; nil for the header form.
    var expires: Int64?

    init(authorization: String, date: String?) {
        self.authorization = authorization
        self.date = date
        expires = nil
    }

    /// nil when the query carries no presigned signature at all.
    init?(query request: SigV4Request) throws(SigV4Failure) {
        var values: [String: String] = [:]
        for (name, value) in request.queryParameters where name.hasPrefix("X-Amz-") { values[name] = value }
        guard values["X-Amz-Algorithm"] != nil || values["X-Amz-Signature"] != nil else { return nil }
        let required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"]
        let missing = required.filter { values[$0] == nil }
        guard missing.isEmpty, let algorithm = values["X-Amz-Algorithm"], let credential = values["X-Amz-Credential"],
            let signature = values["X-Amz-Signature"], let headers = values["X-Amz-SignedHeaders"],
            let date = values["X-Amz-Date"]
        else {
            throw SigV4Failure(
                .incompleteSignature,
                missing.map { "AWS query-string parameters must include '\($0)'." }.joined(separator: " ")
                    + " Re-examine the query-string parameters.")
        }
        guard algorithm == SigV4Authorization.algorithm else {
            throw SigV4Failure(.incompleteSignature, "X-Amz-Algorithm only supports \(SigV4Authorization.algorithm)")
        }
        authorization = "\(algorithm) Credential=\(credential), SignedHeaders=\(headers), Signature=\(signature)"
        self.date = date
        let expiresText = values["X-Amz-Expires"] ?? "604800"
        guard let expires = Int64(expiresText), expires >= 0, expires <= 604_800 else {
            throw SigV4Failure(
                .incompleteSignature,
                "X-Amz-Expires must be a number of seconds from 0 to 604800, not '\(expiresText)'.")
        }
        self.expires = expires
    }
}

/// A signing key made ready to sign: HMAC-SHA256 (RFC 2104) kept as the hash states after the key's inner and outer
/// pad blocks, so a request costs two hash copies and no key set-up. Made once per (access key, date, region,
/// service): the four HMACs of the key derivation are not repeated.
struct Signer: Sendable {
    let identity: SigV4Identity
    /// `<date>/<region>/<service>/aws4_request`.
    private let scope: [UInt8]
    private let inner: SHA256
    private let outer: SHA256

    init(identity: SigV4Identity, scopeDate: String, secret: String) {
        self.identity = identity
        let parts = [scopeDate, identity.region, identity.service, "aws4_request"]
        scope = Array(parts.joined(separator: "/").utf8)
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in parts {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        // The 32-byte key zero-padded to SHA-256's 64-byte block, XORed with 0x36 (inner) and 0x5c (outer).
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { key in
            for (index, byte) in key.enumerated() { block[index] = byte }
        }
        var inner = SHA256()
        var outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// Whether `signature` (lowercase hex) is this key's signature of the string to sign of `canonicalRequest`,
    /// compared in time that does not depend on where they differ.
    func signs(canonicalRequest: [UInt8], date: String, as signature: UnsafeBufferPointer<UInt8>) -> Bool {
        var hash = inner
        func add(_ bytes: UnsafeBufferPointer<UInt8>) { hash.update(bufferPointer: UnsafeRawBufferPointer(bytes)) }
        Self.algorithmLine.withUnsafeBufferPointer(add)
        var date = date
        date.withUTF8(add)
        Self.newline.withUnsafeBufferPointer(add)
        scope.withUnsafeBufferPointer(add)
        Self.newline.withUnsafeBufferPointer(add)
        var canonicalHash: [UInt8] = []
        canonicalHash.reserveCapacity(64)
        CanonicalRequest.appendHex(CanonicalRequest.sha256(canonicalRequest), to: &canonicalHash)
        canonicalHash.withUnsafeBufferPointer(add)
        var outer = outer
        hash.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { mac in
            guard signature.count == 2 * mac.count else { return false }
            var difference: UInt8 = 0
            for (index, byte) in mac.enumerated() {
                difference |= signature[2 * index] ^ CanonicalRequest.hexDigits[Int(byte >> 4)]
                difference |= signature[2 * index + 1] ^ CanonicalRequest.hexDigits[Int(byte & 0x0F)]
            }
            return difference == 0
        }
    }

    private static let algorithmLine = Array("AWS4-HMAC-SHA256\n".utf8)
    private static let newline: [UInt8] = [UInt8(ascii: "\n")]
}

/// Signers by credential (`<key>/<date>/<region>/<service>/aws4_request`), for keys that have a secret; found by
/// the credential's bytes without making a String of them. At most `capacity`, all dropped when full (a day's
/// scopes are few; a flood of made-up scopes cannot grow it).
final class Signers: Sendable {
    private struct Entry {
        let credential: [UInt8]
        let signer: Signer
    }

    private let signers = Mutex<[Int: [Entry]]>([:])
    let capacity = 1024

    /// Signers kept, for tests.
    var count: Int { signers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    func signer(for credential: UnsafeBufferPointer<UInt8>) -> Signer? {
        let hash = Self.hash(credential)
        return signers.withLock { signers in
            signers[hash]?.first { $0.credential.elementsEqual(credential) }?.signer
        }
    }

    func keep(_ signer: Signer, for credential: [UInt8]) {
        let hash = credential.withUnsafeBufferPointer(Self.hash)
        signers.withLock { signers in
            if signers.count >= capacity { signers.removeAll(keepingCapacity: true) }
            signers[hash, default: []].append(Entry(credential: credential, signer: signer))
        }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }
}

/// An `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`, UTC).
struct AmzDate {
    let text: String
    let seconds: Int64

    init?(_ text: String) {
        let seconds =
            text.utf8.withContiguousStorageIfAvailable(Self.seconds)
            ?? Array(text.utf8).withUnsafeBufferPointer(Self.seconds)
        guard let seconds else { return nil }
        self.text = text
        self.seconds = seconds
    }

    /// Seconds since 1970 of `YYYYMMDD'T'HHMMSS'Z'`.
    private static func seconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `seconds` since 1970 as `YYYYMMDD'T'HHMMSS'Z'`.
    static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(rest / 3600, 2) + pad(rest % 3600 / 60, 2)
            + pad(rest % 60, 2) + "Z"
    }
}

extension String {
    var trimmingWhitespace: String {
        let bytes = utf8
        if let first = bytes.first, let last = bytes.last, first != UInt8(ascii: " "), first != UInt8(ascii: "\t"),
            last != UInt8(ascii: " "), last != UInt8(ascii: "\t")
        {
            return self  // the common case: nothing to trim, no copy
        }
        guard let first = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }),
            let last = bytes.lastIndex(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") })
        else { return "" }
        return String(self[first...last])
    }
}
