import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateUserProfile, DescribeUserProfile, UpdateUserProfile, DeleteUserProfile, ListUserProfiles.
extension SageMakerService {
    public func createUserProfile(
        _ input: CreateUserProfileRequest, context: OperationContext
    ) async throws -> CreateUserProfileResponse {
        let domainId = input.required.domainId
        let name = input.required.userProfileName
        let id = ResourceNames.userProfileId(domainId: domainId, name: name)
        let arn = ResourceKindDeclaration.userProfile.arn(context.scope, id: id)
        try await createInDomain(
            .userProfile, domainId: domainId, id: id, nameKey: name.lowercased(), tags: input.tags, context: context
        ) { domain, tx, status, now in
            try Inheritance.checkSingleSignOn(input, domain: domain)
            try DomainRules.checkProfileSecurityGroups(input.userSettings, domain: domain)
            try DomainRules.checkRStudioAccess(input.userSettings, verb: "create", "UserProfile", arn)
            try tx.checkReferences(input.userSettings, context)
            // Stored as sent: DescribeUserProfile shows what the caller gave; the domain's defaults are resolved
            // where they are used (CreateApp), so a later UpdateDomain reaches existing profiles as on AWS.
            try DomainRules.checkLandingUri(Inheritance.userSettings(domain.defaultUserSettings, input.userSettings))
            return DescribeUserProfileResponse(
                creationTime: now, domainId: domainId, lastModifiedTime: now,
                singleSignOnUserIdentifier: input.singleSignOnUserIdentifier,
                singleSignOnUserValue: input.singleSignOnUserValue, status: UserProfileStatus(rawValue: status),
                userProfileArn: arn,
                userProfileName: name, userSettings: input.userSettings)
        }
        return CreateUserProfileResponse(userProfileArn: arn)
    }

    public func describeUserProfile(
        _ input: DescribeUserProfileRequest, context: OperationContext
    ) async throws -> DescribeOutput<DescribeUserProfileResponse> {
        let id = ResourceNames.userProfileId(domainId: input.required.domainId, name: input.required.userProfileName)
        return try await describeResource(.userProfile, id: id, context: context)
    }

    /// Settings that are sent merge member by member onto the stored ones, as UpdateDomain's do.
    public func updateUserProfile(
        _ input: UpdateUserProfileRequest, context: OperationContext
    ) async throws -> UpdateUserProfileResponse {
        let id = ResourceNames.userProfileId(domainId: input.required.domainId, name: input.required.userProfileName)
        let arn = try await updateResource(
            .userProfile, id: id, as: DescribeUserProfileResponse.self, context: context
        ) { profile, tx in
            try tx.checkReferences(input.userSettings, context)
            profile.userSettings = mergeMember(profile.userSettings, input.userSettings)
            if input.userSettings?.rStudioServerProAppSettings != nil {
                try DomainRules.checkRStudioAccess(
                    profile.userSettings, verb: "update", "UserProfile", profile.arn ?? "")
            }
            let defaults = try tx.fetch(.domain, scope: context.scope, id: profile.domainId ?? "").map {
                try StoredDocument.decode(DescribeDomainResponse.self, from: $0.document).defaultUserSettings
            }
            try DomainRules.checkLandingUri(Inheritance.userSettings(defaults ?? nil, profile.userSettings))
        }
        return UpdateUserProfileResponse(userProfileArn: arn)
    }

    /// Refused while the profile has apps that are not Deleted or Failed, or owns private spaces.
    public func deleteUserProfile(_ input: DeleteUserProfileRequest, context: OperationContext) async throws {
        let domainId = input.required.domainId
        let id = ResourceNames.userProfileId(domainId: domainId, name: input.required.userProfileName)
        try await deleteResource(
            .userProfile, id: id, as: DescribeUserProfileResponse.self, context: context
        ) { profile, record, tx in
            let arn = profile.arn ?? ""
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
        }
    }

    public func listUserProfiles(
        _ input: ListUserProfilesRequest, context: OperationContext
    ) async throws -> ListUserProfilesResponse {
        let sortBy = input.sortBy ?? UserProfileSortKey.creationTime
        let part = input.userProfileNameContains?.lowercased()
        let page = try await listSorted(
            .userProfile, parent: ParentFilter(input.domainIdEquals), as: UserProfileDetails.self,
            listing: "ListUserProfiles", nextToken: input.nextToken, maxResults: input.maxResults,
            order: sortBy == UserProfileSortKey.lastModifiedTime ? .modified : .created,
            descending: input.sortOrder == SortOrder.descending, context: context,
            include: { profile, _ in part.map { (profile.userProfileName ?? "").lowercased().contains($0) } ?? true })
        return ListUserProfilesResponse(nextToken: page.nextToken, userProfiles: page.items)
    }
}
