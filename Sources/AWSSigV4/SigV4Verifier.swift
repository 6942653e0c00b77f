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
    private let keys = SigningKeyCache()

    public init(service: String?, maxClockSkew: Int64 = 300, normalizePath: Bool = true, secret: @escaping SecretLookup) {
        self.service = service
        self.maxClockSkew = maxClockSkew
        self.normalizePath = normalizePath
        self.secret = secret
    }

    /// Verifies `request` at `now` (seconds since 1970); returns who signed it.
    public func verify(_ request: SigV4Request, now: Int64) throws(SigV4Failure) -> SigV4Identity {
        let parts: SignatureParts
        if let header = request.firstValue(of: "authorization") {
            parts = try SignatureParts(header: header, request: request)
        } else if request.query.utf8.count > 0, let presigned = try SignatureParts(query: request) {
            parts = presigned
        } else {
            throw .missing
        }
        let scope = parts.authorization
        guard SigV4Authorization.isValidRegion(scope.region) else { throw .invalidRegion(scope.region) }
        if let service, scope.service != service {
            throw SigV4Failure(.invalidSignature, "Credential should be scoped to correct service: '\(service)'. ")
        }
        guard let date = AmzDate(parts.date) else {
            throw SigV4Failure(
                .incompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '\(parts.date)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        guard parts.date.utf8.prefix(8).elementsEqual(scope.scopeDate.utf8) else {
            throw SigV4Failure(
                .invalidSignature,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'\(scope.scopeDate)' != '\(parts.date.prefix(8))', from '\(parts.date)'.")
        }
        try checkTime(date, expires: parts.expires, now: now)
        guard let secret = secret(scope.accessKeyId) else { throw .unknownAccessKey }
        let scopeText = "\(scope.scopeDate)/\(scope.region)/\(scope.service)/aws4_request"
        let mac = keys.mac(secret: secret, date: scope.scopeDate, region: scope.region, service: scope.service)
        var excluded = parts.expires == nil ? [] : ["X-Amz-Signature"]
        while true {
            let canonical = try CanonicalRequest.bytes(
                of: request, signedHeaders: parts.signedHeaders, normalizePath: normalizePath,
                excludedQueryNames: excluded)
            let stringToSign = CanonicalRequest.stringToSign(
                canonicalRequest: canonical, date: parts.date, scope: scopeText)
            let expected = Self.signature(of: stringToSign, using: mac)
            if Self.constantTimeEqual(expected, scope.signature.utf8) { break }
            // Some clients add a presigned request's session token after signing it (AWS's suite has such a case).
            guard parts.expires != nil, !excluded.contains(Self.securityToken),
                request.queryParameters.contains(where: { $0.name == Self.securityToken })
            else { throw .signatureMismatch }
            excluded.append(Self.securityToken)
        }
        return SigV4Identity(accessKeyId: scope.accessKeyId, region: scope.region, service: scope.service)
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

    /// The hex signature of a string to sign, from a keyed HMAC (copied, so the cached one stays unused).
    static func signature(of stringToSign: [UInt8], using mac: HMAC<SHA256>) -> [UInt8] {
        var keyed = mac
        stringToSign.withUnsafeBytes { keyed.update(data: $0) }
        return CanonicalRequest.hex(keyed.finalize())
    }

    private static let securityToken = "X-Amz-Security-Token"

    /// Equal length and bytes, in time that does not depend on where they differ.
    static func constantTimeEqual(_ left: [UInt8], _ right: String.UTF8View) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for (index, byte) in right.enumerated() { difference |= left[index] ^ byte }
        return difference == 0
    }
}

/// The signature, its scope, the signed headers and the date, from either form.
private struct SignatureParts {
    var authorization: SigV4Authorization
    var signedHeaders: [Substring]
    var date: String
    /// `X-Amz-Expires` of a presigned request; nil for the header form.
    var expires: Int64?

    init(header: String, request: SigV4Request) throws(SigV4Failure) {
        do {
            authorization = try SigV4Authorization.parse(header)
        } catch {
            throw SigV4Failure(.incompleteSignature, error.message)
        }
        guard let date = request.firstValue(of: "x-amz-date") else {
            throw SigV4Failure(
                .incompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                    + "Authorization=\(header)")
        }
        self.date = date.trimmingWhitespace
        signedHeaders = authorization.signedHeadersField.split(separator: ";")
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
        do {
            authorization = try SigV4Authorization.parse(
                "\(algorithm) Credential=\(credential), SignedHeaders=\(headers), Signature=\(signature)")
        } catch {
            throw SigV4Failure(.incompleteSignature, error.message)
        }
        signedHeaders = headers.split(separator: ";")
        self.date = date
        let expiresText = values["X-Amz-Expires"] ?? "604800"
        guard let expires = Int64(expiresText), expires >= 0, expires <= 604_800 else {
            throw SigV4Failure(
                .incompleteSignature, "X-Amz-Expires must be a number of seconds from 0 to 604800, not '\(expiresText)'.")
        }
        self.expires = expires
    }
}

/// Signing keys by (secret, date, region, service), kept as a keyed HMAC ready to take a string to sign: the four
/// HMACs of the key derivation and the key set-up of the last one are saved on every request of the same day.
private final class SigningKeyCache: Sendable {
    private struct Scope: Hashable {
        let secret: String
        let date: String
        let region: String
        let service: String
    }

    private let macs = Mutex<[Scope: HMAC<SHA256>]>([:])
    private let capacity = 1024

    func mac(secret: String, date: String, region: String, service: String) -> HMAC<SHA256> {
        let scope = Scope(secret: secret, date: date, region: region, service: service)
        if let mac = macs.withLock({ $0[scope] }) { return mac }
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let mac = HMAC<SHA256>(key: key)
        macs.withLock { macs in
            if macs.count >= capacity { macs.removeAll(keepingCapacity: true) }
            macs[scope] = mac
        }
        return mac
    }
}

/// An `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`, UTC).
struct AmzDate {
    let text: String
    let seconds: Int64

    init?(_ text: String) {
        let bytes = Array(text.utf8)
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
        self.text = text
        seconds = Self.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
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
