import Foundation

/// Identifier and ARN formats of the real service (shared/reference/aws-behavior.md, "Identifiers and values").
public enum ResourceNames {
    static let lowerAlphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    static let hexDigits = Array("0123456789abcdef")

    static func random(_ alphabet: [Character], count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
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
