import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateApp, DescribeApp, DeleteApp, ListApps. Apps go Pending -> InService -> Deleting -> Deleted, and stay
/// listed as Deleted for `StatusDelays.deletedAppRetention` before they are purged.
extension SageMakerService {
    public func createApp(_ input: CreateAppRequest, context: OperationContext) async throws -> CreateAppResponse {
        let domainId = input.required.domainId
        let appType = input.required.appType
        let owner = try Self.owner(userProfileName: input.userProfileName, spaceName: input.spaceName)
        let id = ResourceNames.appId(
            domainId: domainId, owner: owner, appType: appType, appName: input.required.appName)
        let arn = ResourceNames.arn(.app, context.scope, id: id)
        let now = now()
        let transition = StatusDelays.transition(to: AppStatus.inService, after: controls.delays.appCreate, from: now)
        let limit = configuration.quotas.appsPerOwner
        let documents = domains
        try await store.transaction { tx in
            let (domainRecord, domain) = try tx.domainForNewChild(
                domainId, creating: "App", arn, context, documents: documents)
            let ownerSettings = try Self.ownerSettings(owner, domainId: domainId, creating: arn, tx, context)
            if let spaceType = ownerSettings.space?.appType, spaceType != appType {
                throw AWSError.validation(
                    "App type [\(appType)] does not match the app type [\(spaceType)] of the space [\(input.spaceName ?? "")]."
                )
            }
            try tx.checkReferences(input, context)
            let spec = try AppDefaults.resourceSpec(
                input.resourceSpec, appType: appType, profile: ownerSettings.profile, space: ownerSettings.space,
                domain: domain, forSpace: input.spaceName != nil)
            let siblings = try tx.list(.app, scope: context.scope, parentId: owner.parentId(domainId: domainId))
            if let existing = siblings.first(where: { $0.id == id }) {
                guard AppStatus.isGone(existing.status) else {
                    throw ResourceKindDeclaration.app.alreadyExists(arn)
                }
                // A Deleted or Failed app gives its name up to the new one.
                try tx.remove(existing)
            }
            let running = siblings.filter { $0.id != id && !AppStatus.isGone($0.status) }.count
            if running >= limit {
                throw ResourceKindDeclaration.app.limitExceeded(limit: limit, current: running)
            }
            let app = DescribeAppResponse(
                appArn: arn, appName: input.appName, appType: appType, creationTime: now, domainId: domainId,
                recoveryMode: input.recoveryMode, resourceSpec: spec, spaceName: input.spaceName,
                status: transition == nil ? AppStatus.inService : AppStatus.pending,
                userProfileName: input.userProfileName)
            let record = StoredResource(
                kind: .app, scope: context.scope, parentId: owner.parentId(domainId: domainId), id: id,
                nameKey: id, status: (app.status ?? .pending).rawValue, transition: transition,
                document: try StoredDocument.encode(app),
                tags: try Inheritance.appTags(
                    domain: domainRecord.tags, owner: ownerSettings.tags,
                    request: input.tags))
            try tx.insert(record, limit: nil)
        }
        return CreateAppResponse(appArn: arn)
    }

    /// Exactly one of UserProfileName and SpaceName names the app's owner.
    static func owner(userProfileName: String?, spaceName: String?) throws(AWSError) -> AppOwner {
        switch (userProfileName, spaceName) {
        case (let profile?, nil): return .userProfile(profile)
        case (nil, let space?): return .space(space)
        default: throw .validation("Exactly one of UserProfileName and SpaceName must be specified.")
        }
    }

    /// The settings of an app's owner, which must exist and be InService.
    static func ownerSettings(
        _ owner: AppOwner, domainId: String, creating arn: String, _ tx: any ResourceTransaction,
        _ context: OperationContext
    ) throws -> (profile: UserSettings?, space: SpaceSettings?, tags: Data?) {
        switch owner {
        case .userProfile(let name):
            let id = ResourceNames.userProfileId(domainId: domainId, name: name)
            let record = try tx.parentForNewChild(
                .userProfile, id: id, creating: "App", arn, context)
            let profile = try StoredDocument.decode(DescribeUserProfileResponse.self, from: record.document)
            return (profile.userSettings, nil, record.tags)
        case .space(let name):
            let id = ResourceNames.spaceId(domainId: domainId, name: name)
            let record = try tx.parentForNewChild(
                .space, id: id, creating: "App", arn, context)
            let space = try StoredDocument.decode(DescribeSpaceResponse.self, from: record.document)
            return (nil, space.spaceSettings, record.tags)
        }
    }

    public func describeApp(
        _ input: DescribeAppRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeAppResponse>
    {
        if input.userProfileName == nil, input.spaceName == nil {
            return try await describeAppOfAnyOwner(input, context: context)
        }
        let owner = try Self.owner(userProfileName: input.userProfileName, spaceName: input.spaceName)
        let id = ResourceNames.appId(
            domainId: input.required.domainId, owner: owner, appType: input.required.appType,
            appName: input.required.appName)
        return try await describeResource(.app, id: id, context: context)
    }

    /// DescribeApp naming neither a user profile nor a space, as sagemaker-core's `App.create` reads an app back: the
    /// domain's app of that type and name created last (docs/behaviour.md, "DescribeApp without an owner").
    func describeAppOfAnyOwner(
        _ input: DescribeAppRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeAppResponse>
    {
        let domainId = input.required.domainId
        let prefix = domainId + "/"
        let suffix = "/" + input.required.appType.rawValue.lowercased() + "/" + input.required.appName
        // The domain's apps, newest first, until one has that type and name.
        var newest: StoredResource?
        var after: ResourcePosition?
        while newest == nil {
            let page = try await store.page(
                ResourcePageQuery(
                    .app, scope: context.scope, parent: .prefix(prefix), descending: true, after: after, limit: 100))
            newest = page.first { $0.resource.id.hasSuffix(suffix) }?.resource
            guard let last = page.last, page.count == 100 else { break }
            after = last.position
        }
        guard let newest else {
            throw ResourceKindDeclaration.app.notFound(domainId + "/*" + suffix, context)
        }
        return .encoded(Array(newest.document))
    }

    public func deleteApp(_ input: DeleteAppRequest, context: OperationContext) async throws {
        let owner = try Self.owner(userProfileName: input.userProfileName, spaceName: input.spaceName)
        let id = ResourceNames.appId(
            domainId: input.required.domainId, owner: owner, appType: input.required.appType,
            appName: input.required.appName)
        let now = now()
        let delays = controls.delays
        let notFound = ResourceKindDeclaration.app.notFound(id, context)
        try await store.mutate(.app, scope: context.scope, id: id) { resource in
            guard var record = resource else { throw notFound }
            var app = try StoredDocument.decode(DescribeAppResponse.self, from: record.document)
            // Terraform's provider treats exactly these two refusals as "already gone" (aws-facts.md, added
            // 2026-11-25); the wording around the quoted words is ours.
            if record.status(as: AppStatus.self) == .deleted {
                throw AWSError.validation("App [\(app.appArn ?? "")] has already been deleted.")
            }
            if record.status(as: AppStatus.self) == .failed {
                throw AWSError.validation(
                    "App [\(app.appArn ?? "")] previously failed and was automatically deleted.")
            }
            if [.pending, .deleting].contains(record.status(as: AppStatus.self)) {
                throw ResourceKindDeclaration.app.refused("delete", app.appArn ?? "", status: record.status)
            }
            if delays.appDelete > 0 {
                record.status = AppStatus.deleting.rawValue
                record.transition = PendingTransition(
                    .status(AppStatus.deleted.rawValue), dueAt: now.addingTimeInterval(delays.appDelete))
            } else {
                record.status = AppStatus.deleted.rawValue
                record.transition = PendingTransition(
                    .removal, dueAt: now.addingTimeInterval(delays.deletedAppRetention))
            }
            app.statusText = record.status
            record.document = try StoredDocument.encode(app)
            resource = record
        }
    }

    public func listApps(_ input: ListAppsRequest, context: OperationContext) async throws -> ListAppsResponse {
        if input.userProfileNameEquals != nil, input.spaceNameEquals != nil {
            throw AWSError.validation("Only one of UserProfileNameEquals and SpaceNameEquals can be specified.")
        }
        let owner: AppOwner? =
            input.userProfileNameEquals.map(AppOwner.userProfile)
            ?? input.spaceNameEquals.map(AppOwner.space)
        // A domain's apps are the children of its profiles and spaces, whose ids start with the domain's.
        let parent: ParentFilter =
            switch (input.domainIdEquals, owner) {
            case (let domainId?, let owner?): .exactly(owner.parentId(domainId: domainId))
            case (let domainId?, nil): .prefix(domainId + "/")
            case (nil, _): .any
            }
        let page = try await listSorted(
            .app, parent: parent, as: AppDetails.self, listing: "ListApps", nextToken: input.nextToken,
            maxResults: input.maxResults, order: .created, descending: input.sortOrder == SortOrder.descending,
            context: context,
            include: { app, _ in
                if let domainId = input.domainIdEquals, app.domainId != domainId { return false }
                switch owner {
                case .userProfile(let name): return app.userProfileName?.lowercased() == name.lowercased()
                case .space(let name): return app.spaceName == name
                case nil: return true
                }
            })
        return ListAppsResponse(apps: page.items, nextToken: page.nextToken)
    }

}
