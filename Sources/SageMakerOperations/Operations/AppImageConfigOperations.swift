import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateAppImageConfig, DescribeAppImageConfig, UpdateAppImageConfig, DeleteAppImageConfig, ListAppImageConfigs.
extension SageMakerService {
    public func createAppImageConfig(
        _ input: CreateAppImageConfigRequest, context: OperationContext
    ) async throws -> CreateAppImageConfigResponse {
        let name = input.required.appImageConfigName
        let arn = ResourceNames.arn(.appImageConfig, context.scope, id: name)
        let now = now()
        let config = DescribeAppImageConfigResponse(
            appImageConfigArn: arn, appImageConfigName: name, codeEditorAppImageConfig: input.codeEditorAppImageConfig,
            creationTime: now, jupyterLabAppImageConfig: input.jupyterLabAppImageConfig,
            kernelGatewayImageConfig: input.kernelGatewayImageConfig, lastModifiedTime: now)
        _ = try await insertConfiguration(
            .appImageConfig, name: name, document: config, tags: input.tags, context: context)
        return CreateAppImageConfigResponse(appImageConfigArn: arn)
    }

    public func describeAppImageConfig(
        _ input: DescribeAppImageConfigRequest, context: OperationContext
    ) async throws -> DescribeOutput<DescribeAppImageConfigResponse> {
        let name = input.required.appImageConfigName
        return try await describeResource(.appImageConfig, id: name, context: context)
    }

    /// Each image configuration that is sent replaces the stored one; those left out are kept.
    public func updateAppImageConfig(
        _ input: UpdateAppImageConfigRequest, context: OperationContext
    ) async throws -> UpdateAppImageConfigResponse {
        let name = input.required.appImageConfigName
        let now = now()
        let notFound = ResourceKindDeclaration.appImageConfig.notFound(name, context)
        let arn = try await store.mutate(.appImageConfig, scope: context.scope, id: name) { resource in
            guard var record = resource else { throw notFound }
            var config = try StoredDocument.decode(DescribeAppImageConfigResponse.self, from: record.document)
            if let value = input.kernelGatewayImageConfig { config.kernelGatewayImageConfig = value }
            if let value = input.jupyterLabAppImageConfig { config.jupyterLabAppImageConfig = value }
            if let value = input.codeEditorAppImageConfig { config.codeEditorAppImageConfig = value }
            config.lastModifiedTime = now
            record.document = try StoredDocument.encode(config)
            resource = record
            return config.appImageConfigArn ?? ""
        }
        return UpdateAppImageConfigResponse(appImageConfigArn: arn)
    }

    public func deleteAppImageConfig(_ input: DeleteAppImageConfigRequest, context: OperationContext) async throws {
        let name = input.required.appImageConfigName
        let notFound = ResourceKindDeclaration.appImageConfig.notFound(name, context)
        try await store.mutate(.appImageConfig, scope: context.scope, id: name) { resource in
            guard resource != nil else { throw notFound }
            resource = nil
        }
    }

    public func listAppImageConfigs(
        _ input: ListAppImageConfigsRequest, context: OperationContext
    ) async throws -> ListAppImageConfigsResponse {
        let window = TimeWindow(
            createdAfter: input.creationTimeAfter, createdBefore: input.creationTimeBefore,
            modifiedAfter: input.modifiedTimeAfter, modifiedBefore: input.modifiedTimeBefore)
        let sortBy = input.sortBy ?? AppImageConfigSortKey.creationTime
        let order: ResourceOrder =
            switch sortBy {
            case AppImageConfigSortKey.name: .name
            case AppImageConfigSortKey.lastModifiedTime: .modified
            default: .created
            }
        let page = try await listSorted(
            .appImageConfig, parent: .exactly(""), as: AppImageConfigDetails.self, listing: "ListAppImageConfigs",
            nextToken: input.nextToken, maxResults: input.maxResults,
            order: order,
            descending: (input.sortOrder ?? SortOrder.descending) == SortOrder.descending, context: context,
            include: { config, _ in
                if let part = input.nameContains, !(config.appImageConfigName ?? "").contains(part) { return false }
                return window.contains(created: config.creationTime, modified: config.lastModifiedTime)
            })
        return ListAppImageConfigsResponse(appImageConfigs: page.items, nextToken: page.nextToken)
    }

}
