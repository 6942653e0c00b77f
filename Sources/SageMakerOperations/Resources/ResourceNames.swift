import Foundation

/// Identifier and ARN formats of the real service (docs/aws-facts.md, "Identifiers and values").
public enum ResourceNames {
    static let lowerAlphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let hexDigits = Array("0123456789abcdef".utf8)

    /// `count` characters drawn uniformly from `alphabet` (ASCII). The system generator costs a system call per
    /// draw (29 of them per CreateDomain, 4.5% of its CPU in a profile), so it only seeds a SplitMix64 sequence,
    /// once per 12 characters: 64 bits of the system's randomness for each 12 characters, as many as a domain id
    /// can hold.
    static func random(_ alphabet: [UInt8], count: Int) -> String {
        var system = SystemRandomNumberGenerator()
        var generator = SplitMix64(seed: system.next())
        var characters = [UInt8]()
        characters.reserveCapacity(count)
        for index in 0..<count {
            if index > 0, index % 12 == 0 { generator = SplitMix64(seed: system.next()) }
            characters.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Steele, Lea and Flood's SplitMix64: a fast sequence of 64-bit values from a seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// `d-` + 12 of `[a-z0-9]`, e.g. `d-93ieiwizyjyp`.
    public static func newDomainId() -> String { "d-" + random(lowerAlphanumerics, count: 12) }

    /// `fs-` + 17 hex digits.
    public static func newFileSystemId() -> String { "fs-" + random(hexDigits, count: 17) }

    /// An IAM Identity Center instance id for SSO domains.
    public static func newSingleSignOnInstanceId() -> String { "ins-" + random(hexDigits, count: 16) }

    public static func singleSignOnApplicationArn(account: String) -> String {
        "arn:aws:sso::\(account):application/ssoins-\(random(hexDigits, count: 16))/apl-\(random(hexDigits, count: 16))"
    }

    /// `https://<DomainId>.studio.<region>.sagemaker.aws`.
    public static func domainUrl(region: String, domainId: String) -> String {
        "https://\(domainId).studio.\(region).sagemaker.aws"
    }

    /// A space's Url: its domain's with the space named in the query, to which a user appends `&redirect=<app>`
    /// (model doc of `DescribeSpaceResponse.Url`; the shape beyond that is ours: docs/behaviour.md).
    static func spaceUrl(domainUrl: String, spaceName: String) -> String {
        domainUrl + "?spaceName=" + queryEncoded(spaceName)
    }
}
