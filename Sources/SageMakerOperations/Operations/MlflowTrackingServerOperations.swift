import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// The MLflow tracking servers: create, describe, update, start, stop, delete, list and the presigned URL, through
/// the declared lifecycle of `ResourceKindDeclaration.mlflowTrackingServer`.
extension SageMakerService {
    public func createMlflowTrackingServer(
        _ input: CreateMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> CreateMlflowTrackingServerResponse {
        let name = input.required.trackingServerName
        let url = MlflowTrackingServerStatuses.url(region: context.scope.region)
        let arn = try await createResource(
            .mlflowTrackingServer, id: name, tags: try input.tags.map(StoredDocument.encode), context: context
        ) { _, arn, status, now in
            var server = DescribeMlflowTrackingServerResponse(
                artifactStoreUri: input.artifactStoreUri,
                automaticModelRegistration: input.automaticModelRegistration ?? false, creationTime: now,
                lastModifiedTime: now, mlflowVersion: input.mlflowVersion ?? MlflowTrackingServerStatuses.version,
                roleArn: input.roleArn, s3BucketOwnerAccountId: input.s3BucketOwnerAccountId,
                s3BucketOwnerVerification: input.s3BucketOwnerVerification, trackingServerArn: arn,
                trackingServerName: name, trackingServerSize: input.trackingServerSize ?? TrackingServerSize.small,
                trackingServerUrl: url, weeklyMaintenanceWindowStart: input.weeklyMaintenanceWindowStart)
            server.statusText = status
            return server
        }
        return CreateMlflowTrackingServerResponse(trackingServerArn: arn)
    }

    public func describeMlflowTrackingServer(
        _ input: DescribeMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> DescribeOutput<DescribeMlflowTrackingServerResponse> {
        try await describeResource(.mlflowTrackingServer, id: input.required.trackingServerName, context: context)
    }

    /// Members sent replace the stored ones; the server is Updating, then Updated.
    public func updateMlflowTrackingServer(
        _ input: UpdateMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> UpdateMlflowTrackingServerResponse {
        let arn = try await updateResource(
            .mlflowTrackingServer, id: input.required.trackingServerName, as: DescribeMlflowTrackingServerResponse.self,
            context: context
        ) { server, _ in
            if let value = input.artifactStoreUri { server.artifactStoreUri = value }
            if let value = input.automaticModelRegistration { server.automaticModelRegistration = value }
            if let value = input.s3BucketOwnerAccountId { server.s3BucketOwnerAccountId = value }
            if let value = input.s3BucketOwnerVerification { server.s3BucketOwnerVerification = value }
            if let value = input.trackingServerSize { server.trackingServerSize = value }
            if let value = input.weeklyMaintenanceWindowStart { server.weeklyMaintenanceWindowStart = value }
        }
        return UpdateMlflowTrackingServerResponse(trackingServerArn: arn)
    }

    /// A stopped server (or one whose start failed) is Starting, then Started.
    public func startMlflowTrackingServer(
        _ input: StartMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> StartMlflowTrackingServerResponse {
        let arn = try await moveTrackingServer(
            input.required.trackingServerName, verb: "start", from: MlflowTrackingServerStatuses.startable,
            through: .starting, to: .started, context: context)
        return StartMlflowTrackingServerResponse(trackingServerArn: arn)
    }

    /// A running server is Stopping, then Stopped.
    public func stopMlflowTrackingServer(
        _ input: StopMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> StopMlflowTrackingServerResponse {
        let arn = try await moveTrackingServer(
            input.required.trackingServerName, verb: "stop", from: MlflowTrackingServerStatuses.running,
            through: .stopping, to: .stopped, context: context)
        return StopMlflowTrackingServerResponse(trackingServerArn: arn)
    }

    private func moveTrackingServer(
        _ name: String, verb: String, from: Set<TrackingServerStatus>, through: TrackingServerStatus,
        to end: TrackingServerStatus, context: OperationContext
    ) async throws -> String {
        try await transitionResource(
            .mlflowTrackingServer, id: name, as: DescribeMlflowTrackingServerResponse.self, verb: verb,
            from: Set(from.map(\.rawValue)), through: through.rawValue, to: end.rawValue,
            delay: ResourceKindDeclaration.mlflowTrackingServer.delays(controls.delays).update, context: context)
    }

    public func deleteMlflowTrackingServer(
        _ input: DeleteMlflowTrackingServerRequest, context: OperationContext
    ) async throws -> DeleteMlflowTrackingServerResponse {
        let name = input.required.trackingServerName
        try await deleteResource(
            .mlflowTrackingServer, id: name, as: DescribeMlflowTrackingServerResponse.self, context: context
        ) { _, _, _ in }
        return DeleteMlflowTrackingServerResponse(
            trackingServerArn: ResourceKindDeclaration.mlflowTrackingServer.arn(context.scope, id: name))
    }

    public func listMlflowTrackingServers(
        _ input: ListMlflowTrackingServersRequest, context: OperationContext
    ) async throws -> ListMlflowTrackingServersResponse {
        let window = TimeWindow(createdAfter: input.createdAfter, createdBefore: input.createdBefore)
        let order: ResourceOrder =
            switch input.sortBy ?? SortTrackingServerBy.creationTime {
            case SortTrackingServerBy.name: .name
            case SortTrackingServerBy.status: .modified
            default: .created
            }
        let page = try await listSorted(
            .mlflowTrackingServer, parent: .exactly(""), as: TrackingServerSummary.self,
            listing: "ListMlflowTrackingServers", nextToken: input.nextToken, maxResults: input.maxResults,
            order: order, descending: (input.sortOrder ?? SortOrder.descending) == SortOrder.descending,
            context: context,
            include: { server, _ in
                if let status = input.trackingServerStatus, server.trackingServerStatus != status { return false }
                if let version = input.mlflowVersion, server.mlflowVersion != version { return false }
                return window.contains(created: server.creationTime, modified: nil)
            })
        return ListMlflowTrackingServersResponse(nextToken: page.nextToken, trackingServerSummaries: page.items)
    }

    /// `https://<key>.<region>.experiments.sagemaker.aws.a2z.com/auth?authToken=<token>`, the form of the developer
    /// guide's example; the token carries the expiry and the session's length (as a domain's presigned URL does).
    public func createPresignedMlflowTrackingServerUrl(
        _ input: CreatePresignedMlflowTrackingServerUrlRequest, context: OperationContext
    ) async throws -> CreatePresignedMlflowTrackingServerUrlResponse {
        let name = input.required.trackingServerName
        guard try await store.fetch(.mlflowTrackingServer, scope: context.scope, id: name) != nil else {
            throw ResourceKindDeclaration.mlflowTrackingServer.notFound(name, context)
        }
        let expires = WireCodec.epochMilliseconds(clock.now()) + Double(input.expiresInSeconds ?? 300)
        let token = MlflowTrackingServerStatuses.token(
            name: name, session: input.sessionExpirationDurationInSeconds, expires: Int64(expires))
        let host = ResourceNames.random(ResourceNames.lowerAlphanumerics, count: 12)
        return CreatePresignedMlflowTrackingServerUrlResponse(
            authorizedUrl: "https://\(host).\(context.scope.region).experiments.sagemaker.aws.a2z.com/auth?authToken="
                + token)
    }
}
