import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateSpace, DescribeSpace, UpdateSpace, DeleteSpace, ListSpaces.
extension SageMakerService {
    public func createSpace(
        _ input: CreateSpaceRequest, context: OperationContext
    ) async throws
        -> CreateSpaceResponse
    {
        let domainId = input.required.domainId
        let name = input.required.spaceName
        let id = ResourceNames.spaceId(domainId: domainId, name: name)
        let arn = ResourceKindDeclaration.space.arn(context.scope, id: id)
        try await createInDomain(
            .space, domainId: domainId, id: id, nameKey: name, tags: input.tags, context: context
        ) { domain, tx, status, now in
            try Self.checkOwnership(input, arn: arn, domainId: domainId, tx, context)
            try tx.checkReferences(input.spaceSettings, context)
            return DescribeSpaceResponse(
                creationTime: now, domainId: domainId, lastModifiedTime: now,
                ownershipSettings: input.ownershipSettings, spaceArn: arn, spaceDisplayName: input.spaceDisplayName,
                spaceName: name, spaceSettings: input.spaceSettings, spaceSharingSettings: input.spaceSharingSettings,
                status: SpaceStatus(rawValue: status),
                url: ResourceNames.spaceUrl(domainUrl: domain.url ?? "", spaceName: name))
        }
        return CreateSpaceResponse(spaceArn: arn)
    }

    /// A private space needs an owner that exists, and settings that say which app it runs.
    static func checkOwnership(
        _ input: CreateSpaceRequest, arn: String, domainId: String, _ tx: any ResourceTransaction,
        _ context: OperationContext
    ) throws {
        let sharing = input.spaceSharingSettings?.sharingType
        if (input.ownershipSettings == nil) != (sharing == nil) {
            throw AWSError.validation(
                "OwnershipSettings and SpaceSharingSettings must be specified together for space [\(arn)].")
        }
        if sharing == SharingType.`private`, input.spaceSettings?.appType == nil {
            throw AWSError.validation("SpaceSettings must be provided for creating private space [\(arn)]")
        }
        guard let owner = input.ownershipSettings?.ownerUserProfileName else { return }
        let ownerId = ResourceNames.userProfileId(domainId: domainId, name: owner)
        _ = try tx.parentForNewChild(.userProfile, id: ownerId, creating: "Space", arn, context)
    }

    public func describeSpace(
        _ input: DescribeSpaceRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeSpaceResponse>
    {
        let id = ResourceNames.spaceId(domainId: input.required.domainId, name: input.required.spaceName)
        return try await describeResource(.space, id: id, context: context)
    }

    /// The app type of a space cannot change; its settings merge member by member.
    public func updateSpace(
        _ input: UpdateSpaceRequest, context: OperationContext
    ) async throws
        -> UpdateSpaceResponse
    {
        let id = ResourceNames.spaceId(domainId: input.required.domainId, name: input.required.spaceName)
        let arn = try await updateResource(.space, id: id, as: DescribeSpaceResponse.self, context: context) {
            space, tx in
            if let type = input.spaceSettings?.appType, type != space.spaceSettings?.appType {
                throw AWSError.validation("Updating AppType for Space is not supported.")
            }
            try tx.checkReferences(input.spaceSettings, context)
            space.spaceSettings = mergeMember(space.spaceSettings, input.spaceSettings)
            if let value = input.spaceDisplayName { space.spaceDisplayName = value }
        }
        return UpdateSpaceResponse(spaceArn: arn)
    }

    /// Refused while the space has apps that are not Deleted or Failed.
    public func deleteSpace(_ input: DeleteSpaceRequest, context: OperationContext) async throws {
        let domainId = input.required.domainId
        let name = input.required.spaceName
        let id = ResourceNames.spaceId(domainId: domainId, name: name)
        try await deleteResource(.space, id: id, as: DescribeSpaceResponse.self, context: context) { space, _, tx in
            let apps = try tx.list(
                .app, scope: context.scope, parentId: AppOwner.space(name).parentId(domainId: domainId))
            if apps.contains(where: { !AppStatus.isGone($0.status) }) {
                throw ResourceErrors.inUse(deleting: "Space", space.arn ?? "", by: "App")
            }
        }
    }

    public func listSpaces(_ input: ListSpacesRequest, context: OperationContext) async throws -> ListSpacesResponse {
        let sortBy = input.sortBy ?? SpaceSortKey.creationTime
        let page = try await listSorted(
            .space, parent: ParentFilter(input.domainIdEquals), as: DescribeSpaceResponse.self, listing: "ListSpaces",
            nextToken: input.nextToken, maxResults: input.maxResults,
            order: sortBy == SpaceSortKey.lastModifiedTime ? .modified : .created,
            descending: input.sortOrder == SortOrder.descending, context: context,
            include: { space, _ in input.spaceNameContains.map { (space.spaceName ?? "").contains($0) } ?? true })
        let spaces = page.items.map { space in
            SpaceDetails(
                creationTime: space.creationTime, domainId: space.domainId, lastModifiedTime: space.lastModifiedTime,
                ownershipSettingsSummary: space.ownershipSettings.map {
                    OwnershipSettingsSummary(ownerUserProfileName: $0.ownerUserProfileName)
                },
                spaceDisplayName: space.spaceDisplayName, spaceName: space.spaceName,
                spaceSettingsSummary: space.spaceSettings.map {
                    SpaceSettingsSummary(
                        appType: $0.appType, remoteAccess: $0.remoteAccess,
                        spaceStorageSettings: $0.spaceStorageSettings)
                },
                spaceSharingSettingsSummary: space.spaceSharingSettings.map {
                    SpaceSharingSettingsSummary(sharingType: $0.sharingType)
                },
                status: space.status)
        }
        return ListSpacesResponse(nextToken: page.nextToken, spaces: spaces)
    }
}
