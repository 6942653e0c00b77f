import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateUserProfile, DescribeUserProfile, UpdateUserProfile, DeleteUserProfile, ListUserProfiles.
extension SageMakerService {
    public func createUserProfile(
        _ input: CreateUserProfileRequest, context: OperationContext
    ) async throws -> CreateUserProfileResponse {
        let domainId = input.domainId ?? ""
        let name = input.userProfileName ?? ""
        let id = ResourceNames.userProfileId(domainId: domainId, name: name)
        let arn = ResourceNames.arn(.userProfile, context.scope, id: id)
        let now = now()
        let transition = StatusDelays.transition(
            to: DomainStatus.inService, after: configuration.delays.userProfile, from: now)
        let limit = configuration.quotas.userProfilesPerDomain
        let documents = domains
        try await store.transaction { tx in
            let domain = try tx.domainForNewChild(domainId, creating: "UserProfile", arn, context, documents: documents)
            try Inheritance.checkSingleSignOn(input, domain: domain)
            try tx.checkReferences(input.userSettings, context)
            var profile = DescribeUserProfileResponse(
                creationTime: now, domainId: domainId, lastModifiedTime: now,
                singleSignOnUserIdentifier: input.singleSignOnUserIdentifier,
                singleSignOnUserValue: input.singleSignOnUserValue,
                status: transition == nil ? DomainStatus.inService : DomainStatus.pending, userProfileArn: arn,
                userProfileName: name,
                // Stored as sent: DescribeUserProfile shows what the caller gave; the domain's defaults are resolved
                // where they are used (CreateApp), so a later UpdateDomain reaches existing profiles as on AWS.
                userSettings: input.userSettings)
            try DomainRules.checkLandingUri(Inheritance.userSettings(domain.defaultUserSettings, input.userSettings))
            let uid = try tx.nextCounterValue(
                "home-efs-uid/" + domainId, scope: context.scope, start: ResourceNames.firstFileSystemUid)
            profile.homeEfsFileSystemUid = String(uid)
            let record = StoredResource(
                kind: .userProfile, scope: context.scope, parentId: domainId, id: id, nameKey: name.lowercased(),
                status: profile.status ?? DomainStatus.pending, transition: transition, document: try StoredDocument.encode(profile),
                tags: try input.tags.map(StoredDocument.encode))
            do {
                try tx.insert(record, limit: limit)
            } catch StoreConflict.nameTaken {
                throw AWSError.resourceInUse("UserProfile [\(arn)] already exists.")
            } catch StoreConflict.limitReached(let current) {
                throw AWSError.resourceLimitExceeded(
                    QuotaMessage.text(
                        name: "User profiles per domain", limit: limit, current: current, delta: 1,
                        unit: "User profiles"))
            }
        }
        return CreateUserProfileResponse(userProfileArn: arn)
    }

    public func describeUserProfile(
        _ input: DescribeUserProfileRequest, context: OperationContext
    ) async throws -> DescribeOutput<DescribeUserProfileResponse> {
        let id = ResourceNames.userProfileId(domainId: input.domainId ?? "", name: input.userProfileName ?? "")
        return try await describeStored(
            .userProfile, id: id, context: context, notFound: Self.userProfileNotFound(id, context))
    }

    /// Settings that are sent merge member by member onto the stored ones, as UpdateDomain's do.
    public func updateUserProfile(
        _ input: UpdateUserProfileRequest, context: OperationContext
    ) async throws -> UpdateUserProfileResponse {
        let id = ResourceNames.userProfileId(domainId: input.domainId ?? "", name: input.userProfileName ?? "")
        let now = now()
        let transition = StatusDelays.transition(
            to: DomainStatus.inService, after: configuration.delays.userProfile, from: now)
        let arn = try await store.transaction { tx in
            guard var record = try tx.fetch(.userProfile, scope: context.scope, id: id) else {
                throw Self.userProfileNotFound(id, context)
            }
            var profile = try StoredDocument.decode(DescribeUserProfileResponse.self, from: record.document)
            let arn = profile.userProfileArn ?? ""
            guard record.status == DomainStatus.inService || record.status == DomainStatus.updateFailed else {
                throw ResourceErrors.notInService("update", "UserProfile", arn, status: record.status)
            }
            try tx.checkReferences(input.userSettings, context)
            profile.userSettings = mergeMember(profile.userSettings, input.userSettings)
            let defaults = try tx.fetch(.domain, scope: context.scope, id: profile.domainId ?? "").map {
                try StoredDocument.decode(DescribeDomainResponse.self, from: $0.document).defaultUserSettings
            }
            try DomainRules.checkLandingUri(Inheritance.userSettings(defaults ?? nil, profile.userSettings))
            try record.beginUpdate(&profile, transition: transition, at: now)
            try tx.update(record)
            return arn
        }
        return UpdateUserProfileResponse(userProfileArn: arn)
    }

    public func deleteUserProfile(_ input: DeleteUserProfileRequest, context: OperationContext) async throws {
        let domainId = input.domainId ?? ""
        let id = ResourceNames.userProfileId(domainId: domainId, name: input.userProfileName ?? "")
        let now = now()
        let delay = configuration.delays.userProfile
        try await store.transaction { tx in
            guard var record = try tx.fetch(.userProfile, scope: context.scope, id: id) else {
                throw Self.userProfileNotFound(id, context)
            }
            var profile = try StoredDocument.decode(DescribeUserProfileResponse.self, from: record.document)
            let arn = profile.userProfileArn ?? ""
            if [DomainStatus.pending, DomainStatus.updating, DomainStatus.deleting].contains(record.status) {
                throw ResourceErrors.notInService("delete", "UserProfile", arn, status: record.status)
            }
            let owner = AppOwner.userProfile(profile.userProfileName ?? "")
            let apps = try tx.list(.app, scope: context.scope, parentId: owner.parentId(domainId: domainId))
            if apps.contains(where: { !AppStatus.isGone($0.status) }) {
                throw ResourceErrors.inUse(deleting: "UserProfile", arn, by: "App")
            }
            let ownedSpaces = try tx.list(.space, scope: context.scope, parentId: domainId).filter { row in
                let space = try StoredDocument.decode(DescribeSpaceResponse.self, from: row.document)
                return space.ownershipSettings?.ownerUserProfileName?.lowercased() == record.nameKey
            }
            if !ownedSpaces.isEmpty { throw ResourceErrors.inUse(deleting: "UserProfile", arn, by: "Space") }
            try record.beginDeletion(&profile, after: delay, at: now) ? tx.update(record) : tx.remove(record)
        }
    }

    public func listUserProfiles(
        _ input: ListUserProfilesRequest, context: OperationContext
    ) async throws -> ListUserProfilesResponse {
        let sortBy = input.sortBy ?? UserProfileSortKey.creationTime
        let part = input.userProfileNameContains?.lowercased()
        let page = try await listSorted(
            .userProfile, parentId: input.domainIdEquals, as: UserProfileDetails.self, listing: "ListUserProfiles",
            nextToken: input.nextToken, maxResults: input.maxResults,
            descending: input.sortOrder == SortOrder.descending, context: context,
            sortKey: { profile in
                SortedListing.key(sortBy == UserProfileSortKey.lastModifiedTime ? profile.lastModifiedTime : profile.creationTime)
            },
            include: { profile, _ in part.map { (profile.userProfileName ?? "").lowercased().contains($0) } ?? true })
        return ListUserProfilesResponse(nextToken: page.nextToken, userProfiles: page.items)
    }

    static func userProfileNotFound(_ id: String, _ context: OperationContext) -> AWSError {
        .resourceNotFound("UserProfile [\(ResourceNames.arn(.userProfile, context.scope, id: id))] does not exist.")
    }
}

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
