import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateSpace, DescribeSpace, UpdateSpace, DeleteSpace, ListSpaces.
extension SageMakerService {
    public func createSpace(_ input: CreateSpaceRequest, context: OperationContext) async throws
        -> CreateSpaceResponse
    {
        let domainId = input.domainId ?? ""
        let name = input.spaceName ?? ""
        let id = ResourceNames.spaceId(domainId: domainId, name: name)
        let arn = ResourceNames.arn(.space, context.scope, id: id)
        let now = now()
        let transition = StatusDelays.transition(to: DomainStatus.inService, after: configuration.delays.space, from: now)
        let limit = configuration.quotas.spacesPerDomain
        let documents = domains
        try await store.transaction { tx in
            _ = try tx.domainForNewChild(domainId, creating: "Space", arn, context, documents: documents)
            try Self.checkOwnership(input, arn: arn, domainId: domainId, tx, context)
            try tx.checkReferences(input.spaceSettings, context)
            var space = DescribeSpaceResponse(
                creationTime: now, domainId: domainId, lastModifiedTime: now,
                ownershipSettings: input.ownershipSettings, spaceArn: arn, spaceDisplayName: input.spaceDisplayName,
                spaceName: name, spaceSettings: input.spaceSettings,
                spaceSharingSettings: input.spaceSharingSettings,
                status: transition == nil ? DomainStatus.inService : DomainStatus.pending)
            let uid = try tx.nextCounterValue(
                "home-efs-uid/" + domainId, scope: context.scope, start: ResourceNames.firstFileSystemUid)
            space.homeEfsFileSystemUid = String(uid)
            let record = StoredResource(
                kind: .space, scope: context.scope, parentId: domainId, id: id, nameKey: name,
                status: space.status ?? DomainStatus.pending, transition: transition, document: try StoredDocument.encode(space),
                tags: try input.tags.map(StoredDocument.encode))
            do {
                try tx.insert(record, limit: limit)
            } catch StoreConflict.nameTaken {
                throw AWSError.resourceInUse("Space [\(arn)] already exists.")
            } catch StoreConflict.limitReached(let current) {
                throw AWSError.resourceLimitExceeded(
                    QuotaMessage.text(name: "Spaces per domain", limit: limit, current: current, delta: 1, unit: "Spaces"))
            }
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
        _ = try tx.parentForNewChild(
            .userProfile, id: ownerId, creating: "Space", arn, context, notFound: userProfileNotFound(ownerId, context))
    }

    public func describeSpace(_ input: DescribeSpaceRequest, context: OperationContext) async throws
        -> DescribeOutput<DescribeSpaceResponse>
    {
        let id = ResourceNames.spaceId(domainId: input.domainId ?? "", name: input.spaceName ?? "")
        return try await describeStored(.space, id: id, context: context, notFound: Self.spaceNotFound(id, context))
    }

    public func updateSpace(_ input: UpdateSpaceRequest, context: OperationContext) async throws
        -> UpdateSpaceResponse
    {
        let id = ResourceNames.spaceId(domainId: input.domainId ?? "", name: input.spaceName ?? "")
        let now = now()
        let transition = StatusDelays.transition(to: DomainStatus.inService, after: configuration.delays.space, from: now)
        let arn = try await store.transaction { tx in
            guard var record = try tx.fetch(.space, scope: context.scope, id: id) else {
                throw Self.spaceNotFound(id, context)
            }
            var space = try StoredDocument.decode(DescribeSpaceResponse.self, from: record.document)
            let arn = space.spaceArn ?? ""
            guard record.status == DomainStatus.inService || record.status == DomainStatus.updateFailed else {
                throw ResourceErrors.notInService("update", "Space", arn, status: record.status)
            }
            if let type = input.spaceSettings?.appType, type != space.spaceSettings?.appType {
                throw AWSError.validation("Updating AppType for Space is not supported.")
            }
            try tx.checkReferences(input.spaceSettings, context)
            space.spaceSettings = mergeMember(space.spaceSettings, input.spaceSettings)
            if let value = input.spaceDisplayName { space.spaceDisplayName = value }
            try record.beginUpdate(&space, transition: transition, at: now)
            try tx.update(record)
            return arn
        }
        return UpdateSpaceResponse(spaceArn: arn)
    }

    public func deleteSpace(_ input: DeleteSpaceRequest, context: OperationContext) async throws {
        let domainId = input.domainId ?? ""
        let name = input.spaceName ?? ""
        let id = ResourceNames.spaceId(domainId: domainId, name: name)
        let now = now()
        let delay = configuration.delays.space
        try await store.transaction { tx in
            guard var record = try tx.fetch(.space, scope: context.scope, id: id) else {
                throw Self.spaceNotFound(id, context)
            }
            var space = try StoredDocument.decode(DescribeSpaceResponse.self, from: record.document)
            let arn = space.spaceArn ?? ""
            if [DomainStatus.pending, DomainStatus.updating, DomainStatus.deleting].contains(record.status) {
                throw ResourceErrors.notInService("delete", "Space", arn, status: record.status)
            }
            let apps = try tx.list(
                .app, scope: context.scope, parentId: AppOwner.space(name).parentId(domainId: domainId))
            if apps.contains(where: { !AppStatus.isGone($0.status) }) {
                throw ResourceErrors.inUse(deleting: "Space", arn, by: "App")
            }
            try record.beginDeletion(&space, after: delay, at: now) ? tx.update(record) : tx.remove(record)
        }
    }

    public func listSpaces(_ input: ListSpacesRequest, context: OperationContext) async throws -> ListSpacesResponse {
        let sortBy = input.sortBy ?? SpaceSortKey.creationTime
        let page = try await listSorted(
            .space, parentId: input.domainIdEquals, as: DescribeSpaceResponse.self, listing: "ListSpaces",
            nextToken: input.nextToken, maxResults: input.maxResults, descending: input.sortOrder == SortOrder.descending,
            context: context,
            sortKey: { space in
                SortedListing.key(sortBy == SpaceSortKey.lastModifiedTime ? space.lastModifiedTime : space.creationTime)
            },
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
                        appType: $0.appType, remoteAccess: $0.remoteAccess, spaceStorageSettings: $0.spaceStorageSettings)
                },
                spaceSharingSettingsSummary: space.spaceSharingSettings.map {
                    SpaceSharingSettingsSummary(sharingType: $0.sharingType)
                },
                status: space.status)
        }
        return ListSpacesResponse(nextToken: page.nextToken, spaces: spaces)
    }

    static func spaceNotFound(_ id: String, _ context: OperationContext) -> AWSError {
        .resourceNotFound("Space [\(ResourceNames.arn(.space, context.scope, id: id))] does not exist.")
    }
}
