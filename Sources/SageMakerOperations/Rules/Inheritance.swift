import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// What a profile's or space's own settings mean once the domain's defaults are applied (shared/reference/
/// aws-behavior.md, "Profiles, spaces, apps and deletes"). Resources store only what was sent; this is resolved where
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
}
