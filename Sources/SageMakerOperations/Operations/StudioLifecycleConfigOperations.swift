import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateStudioLifecycleConfig, DescribeStudioLifecycleConfig, DeleteStudioLifecycleConfig,
/// ListStudioLifecycleConfigs. Lifecycle configurations are immutable; one cannot be deleted while an app uses it or
/// a domain's, profile's or space's settings name it.
extension SageMakerService {
    public func createStudioLifecycleConfig(
        _ input: CreateStudioLifecycleConfigRequest, context: OperationContext
    ) async throws -> CreateStudioLifecycleConfigResponse {
        let name = input.studioLifecycleConfigName ?? ""
        let arn = ResourceNames.arn(.studioLifecycleConfig, context.scope, id: name)
        let now = now()
        let config = DescribeStudioLifecycleConfigResponse(
            creationTime: now, lastModifiedTime: now, studioLifecycleConfigAppType: input.studioLifecycleConfigAppType,
            studioLifecycleConfigArn: arn, studioLifecycleConfigContent: input.studioLifecycleConfigContent,
            studioLifecycleConfigName: name)
        _ = try await insertConfiguration(
            .studioLifecycleConfig, name: name, document: config, tags: input.tags, context: context)
        return CreateStudioLifecycleConfigResponse(studioLifecycleConfigArn: arn)
    }

    public func describeStudioLifecycleConfig(
        _ input: DescribeStudioLifecycleConfigRequest, context: OperationContext
    ) async throws -> DescribeOutput<DescribeStudioLifecycleConfigResponse> {
        let name = input.studioLifecycleConfigName ?? ""
        return try await describeResource(.studioLifecycleConfig, id: name, context: context)
    }

    public func deleteStudioLifecycleConfig(
        _ input: DeleteStudioLifecycleConfigRequest, context: OperationContext
    ) async throws {
        let name = input.studioLifecycleConfigName ?? ""
        try await store.transaction { tx in
            guard let record = try tx.fetch(.studioLifecycleConfig, scope: context.scope, id: name) else {
                throw ResourceKindDeclaration.studioLifecycleConfig.notFound(name, context)
            }
            let arn = ResourceNames.arn(.studioLifecycleConfig, context.scope, id: name)
            if let user = try Self.firstUser(of: arn, tx, context) {
                throw AWSError.resourceInUse(
                    "Unable to delete Studio Lifecycle Config [\(arn)] because it is in use by \(user).")
            }
            try tx.remove(record)
        }
    }

    /// The first app, domain, user profile or space that uses a lifecycle configuration, as `<Kind> [<arn>]`.
    static func firstUser(of arn: String, _ tx: any ResourceTransaction, _ context: OperationContext) throws
        -> String?
    {
        func names(_ shape: (some ReferenceCollecting)?) -> Bool {
            var references = ShapeReferences()
            shape?.collectReferences(into: &references)
            return references.lifecycleConfigArns.contains(arn)
        }
        for row in try tx.list(.app, scope: context.scope, parentId: nil) where !AppStatus.isGone(row.status) {
            let app = try StoredDocument.decode(DescribeAppResponse.self, from: row.document)
            if app.resourceSpec?.lifecycleConfigArn == arn { return "App [\(app.appArn ?? "")]" }
        }
        for row in try tx.list(.domain, scope: context.scope, parentId: nil) {
            let domain = try StoredDocument.decode(DescribeDomainResponse.self, from: row.document)
            if names(domain.defaultUserSettings) || names(domain.defaultSpaceSettings) {
                return "Domain [\(domain.domainArn ?? "")]"
            }
        }
        for row in try tx.list(.userProfile, scope: context.scope, parentId: nil) {
            let profile = try StoredDocument.decode(DescribeUserProfileResponse.self, from: row.document)
            if names(profile.userSettings) { return "UserProfile [\(profile.userProfileArn ?? "")]" }
        }
        for row in try tx.list(.space, scope: context.scope, parentId: nil) {
            let space = try StoredDocument.decode(DescribeSpaceResponse.self, from: row.document)
            if names(space.spaceSettings) { return "Space [\(space.spaceArn ?? "")]" }
        }
        return nil
    }

    public func listStudioLifecycleConfigs(
        _ input: ListStudioLifecycleConfigsRequest, context: OperationContext
    ) async throws -> ListStudioLifecycleConfigsResponse {
        let window = TimeWindow(
            createdAfter: input.creationTimeAfter, createdBefore: input.creationTimeBefore,
            modifiedAfter: input.modifiedTimeAfter, modifiedBefore: input.modifiedTimeBefore)
        let sortBy = input.sortBy ?? StudioLifecycleConfigSortKey.creationTime
        let page = try await listSorted(
            .studioLifecycleConfig, parentId: nil, as: StudioLifecycleConfigDetails.self,
            listing: "ListStudioLifecycleConfigs", nextToken: input.nextToken, maxResults: input.maxResults,
            descending: (input.sortOrder ?? SortOrder.descending) == SortOrder.descending, context: context,
            sortKey: { config in
                switch sortBy {
                case StudioLifecycleConfigSortKey.name: config.studioLifecycleConfigName ?? ""
                case StudioLifecycleConfigSortKey.lastModifiedTime: SortedListing.key(config.lastModifiedTime)
                default: SortedListing.key(config.creationTime)
                }
            },
            include: { config, _ in
                if let type = input.appTypeEquals, config.studioLifecycleConfigAppType != type { return false }
                if let part = input.nameContains, !(config.studioLifecycleConfigName ?? "").contains(part) {
                    return false
                }
                return window.contains(created: config.creationTime, modified: config.lastModifiedTime)
            })
        return ListStudioLifecycleConfigsResponse(nextToken: page.nextToken, studioLifecycleConfigs: page.items)
    }

}
