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
        let name = input.required.studioLifecycleConfigName
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
        let name = input.required.studioLifecycleConfigName
        return try await describeResource(.studioLifecycleConfig, id: name, context: context)
    }

    public func deleteStudioLifecycleConfig(
        _ input: DeleteStudioLifecycleConfigRequest, context: OperationContext
    ) async throws {
        let name = input.required.studioLifecycleConfigName
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
    static func firstUser(
        of arn: String, _ tx: any ResourceTransaction, _ context: OperationContext
    ) throws
        -> String?
    {
        // The store indexes what each document refers to (`ResourceIndexing`): the users are one index lookup.
        let users = try tx.referrers(to: arn, scope: context.scope)
        for row in users where row.kind == .app && !AppStatus.isGone(row.status) {
            let app = try StoredDocument.decode(DescribeAppResponse.self, from: row.document)
            return "App [\(app.appArn ?? "")]"
        }
        for row in users where row.kind == .domain {
            let domain = try StoredDocument.decode(DescribeDomainResponse.self, from: row.document)
            return "Domain [\(domain.domainArn ?? "")]"
        }
        for row in users where row.kind == .userProfile {
            let profile = try StoredDocument.decode(DescribeUserProfileResponse.self, from: row.document)
            return "UserProfile [\(profile.userProfileArn ?? "")]"
        }
        for row in users where row.kind == .space {
            let space = try StoredDocument.decode(DescribeSpaceResponse.self, from: row.document)
            return "Space [\(space.spaceArn ?? "")]"
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
        let order: ResourceOrder =
            switch sortBy {
            case StudioLifecycleConfigSortKey.name: .name
            case StudioLifecycleConfigSortKey.lastModifiedTime: .modified
            default: .created
            }
        let page = try await listSorted(
            .studioLifecycleConfig, parent: .exactly(""), as: StudioLifecycleConfigDetails.self,
            listing: "ListStudioLifecycleConfigs", nextToken: input.nextToken, maxResults: input.maxResults,
            order: order,
            descending: (input.sortOrder ?? SortOrder.descending) == SortOrder.descending, context: context,
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
