import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// What a profile's or space's own settings mean once the domain's defaults are applied (docs/aws-facts.md,
/// "Profiles, spaces, apps and deletes"). Resources store only what was sent; this is resolved where
/// the settings are used, with the domain's defaults in force at that moment.
enum Inheritance {
    /// The domain's default user settings overridden member by member by the profile's; security groups of both.
    static func userSettings(_ defaults: UserSettings?, _ own: UserSettings?) -> UserSettings? {
        guard var merged = mergeMember(defaults, own) else { return nil }
        let groups = (defaults?.securityGroups ?? []) + (own?.securityGroups ?? [])
        if !groups.isEmpty {
            var seen = Set<String>()
            merged.securityGroups = groups.filter { seen.insert($0).inserted }
        }
        return merged
    }

    /// IAM Identity Center users only in SSO domains, where they are required.
    static func checkSingleSignOn(_ input: CreateUserProfileRequest, domain: DescribeDomainResponse) throws(AWSError) {
        let given = input.singleSignOnUserIdentifier != nil || input.singleSignOnUserValue != nil
        if domain.authMode == AuthMode.sso {
            if input.singleSignOnUserIdentifier == nil || input.singleSignOnUserValue == nil {
                throw .validation(
                    "SingleSignOnUserIdentifier and SingleSignOnUserValue are required for a domain in SSO mode.")
            }
        } else if given {
            throw .validation(
                "SingleSignOnUserIdentifier and SingleSignOnUserValue can only be specified for a domain in SSO mode.")
        }
    }

    /// The tags of a new app: its domain's, then its user profile's or space's, then the request's, a later value
    /// of a key replacing an earlier one (model docs of CreateDomain.Tags and CreateUserProfile.Tags: they "are also
    /// added to all apps" launched afterwards; AddTags and DeleteTags later do not reach existing apps). Encoded as
    /// stored, nil when there are none.
    static func appTags(domain: Data?, owner: Data?, request: [Tag]?) throws -> Data? {
        var merged: [Tag] = []
        for tags in [
            try domain.map { try StoredDocument.decode([Tag].self, from: $0) },
            try owner.map {
                try StoredDocument.decode([Tag].self, from: $0)
            }, request,
        ] {
            for tag in tags ?? [] {
                if let index = merged.firstIndex(where: { $0.key == tag.key }) {
                    merged[index] = tag
                } else {
                    merged.append(tag)
                }
            }
        }
        return merged.isEmpty ? nil : try StoredDocument.encode(merged)
    }
}
