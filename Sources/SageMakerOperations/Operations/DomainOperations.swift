import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateDomain, DescribeDomain, UpdateDomain, DeleteDomain, ListDomains.
extension SageMakerService {
    public func createDomain(
        _ input: CreateDomainRequest, context: OperationContext
    ) async throws
        -> CreateDomainResponse
    {
        let scope = context.scope
        let now = now()
        let domainId = ResourceNames.newDomainId()
        let arn = ResourceNames.arn(.domain, scope, id: domainId)
        let url = ResourceNames.domainUrl(region: scope.region, domainId: domainId)
        let networkAccess = input.appNetworkAccessType ?? AppNetworkAccessType.publicInternetOnly
        let homeFileSystem = input.homeEfsFileSystemCreation ?? HomeEfsFileSystemCreation.enabled
        var domain = DescribeDomainResponse(
            appNetworkAccessType: networkAccess,
            appSecurityGroupManagement: input.appSecurityGroupManagement,
            authMode: input.authMode,
            creationTime: now,
            defaultSpaceSettings: input.defaultSpaceSettings,
            defaultUserSettings: DomainRules.withServiceDefaults(input.defaultUserSettings ?? UserSettings()),
            domainArn: arn,
            domainId: domainId,
            domainName: input.domainName,
            domainSettings: input.domainSettings,
            homeEfsFileSystemCreation: homeFileSystem,
            // A domain created without its home file system has none (aws-facts.md, added 2026-11-25).
            homeEfsFileSystemId: homeFileSystem == HomeEfsFileSystemCreation.disabled
                ? nil : ResourceNames.newFileSystemId(),
            homeEfsFileSystemKmsKeyId: input.homeEfsFileSystemKmsKeyId ?? input.kmsKeyId,
            kmsKeyId: input.kmsKeyId ?? input.homeEfsFileSystemKmsKeyId,
            lastModifiedTime: now,
            status: DomainStatus.pending,
            subnetIds: input.subnetIds,
            tagPropagation: input.tagPropagation ?? TagPropagation.disabled,
            url: url,
            vpcId: input.vpcId
        )
        if input.authMode == AuthMode.sso {
            domain.singleSignOnManagedApplicationInstanceId = ResourceNames.newSingleSignOnInstanceId()
            domain.singleSignOnApplicationArn = ResourceNames.singleSignOnApplicationArn(account: scope.account)
        }
        DomainRules.assignBoundaryGroup(&domain)
        try DomainRules.checkCreate(domain)
        try DomainRules.checkAttachmentQuotas(domain, previous: nil, quotas: configuration.quotas)

        let transition = StatusDelays.transition(
            to: DomainStatus.inService, after: controls.delays.domainCreate, from: now)
        if transition == nil { domain.status = DomainStatus.inService }
        let document = try StoredDocument.encode(domain)
        let record = StoredResource(
            kind: .domain, scope: scope, id: domainId, nameKey: input.required.domainName,
            status: (domain.status ?? .pending).rawValue, transition: transition,
            document: document, tags: try input.tags.map(StoredDocument.encode))
        let limit = configuration.quotas.domainsPerRegion
        var references = ShapeReferences()
        input.collectReferences(into: &references)
        let stored: StoredResource
        do {
            if references.isEmpty {
                stored = try await store.insert(record, limit: limit)
            } else {
                // The configurations the settings name must exist, and cannot be deleted before the domain is stored.
                stored = try await store.transaction { tx in
                    try tx.checkReferences(input, context)
                    return try tx.insert(record, limit: limit)
                }
            }
        } catch StoreConflict.nameTaken {
            throw AWSError.resourceInUse(
                "Unable to create Domain [\(arn)] because a Domain with name [\(input.required.domainName)] already exists."
            )
        } catch StoreConflict.limitReached(let current) {
            throw ResourceKindDeclaration.domain.limitExceeded(limit: limit, current: current)
        }
        try await SharedRStudioApp.ensure(for: stored, in: store)
        // Stored: its first revision's decoded form is known, so the first UpdateDomain need not decode it.
        domains.remember(domain, sequence: stored.sequence, revision: stored.revision, bytes: document.count)
        return CreateDomainResponse(domainArn: arn, domainId: domainId, url: url)
    }

    public func describeDomain(
        _ input: DescribeDomainRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeDomainResponse>
    {
        let domainId = input.required.domainId
        guard let record = try await store.fetch(.domain, scope: context.scope, id: domainId) else {
            throw ResourceKindDeclaration.domain.notFound(domainId, context)
        }
        // The document is kept in step with the status column by every write.
        return .encoded(Array(record.document))
    }

    public func updateDomain(
        _ input: UpdateDomainRequest, context: OperationContext
    ) async throws
        -> UpdateDomainResponse
    {
        let domainId = input.required.domainId
        let step = DomainUpdate(
            input: input, now: now(), delay: controls.delays.domainUpdate, quotas: configuration.quotas,
            documents: domains)
        let notFound = ResourceKindDeclaration.domain.notFound(domainId, context)
        guard step.dependsOnOtherResources else {
            // The common case touches the domain alone: an optimistic read-modify-write of its row.
            let outcome = try await store.mutate(.domain, scope: context.scope, id: domainId) { resource in
                guard var record = resource else { throw notFound }
                let outcome = try step.apply(to: &record)
                resource = record
                return outcome
            }
            step.remember(outcome)
            return UpdateDomainResponse(domainArn: outcome.arn)
        }
        // Changes that depend on the domain's apps, or that name other resources, are checked and written in one
        // transaction, so that no app or configuration can appear or vanish in between.
        let outcome = try await store.transaction { tx in
            guard var record = try tx.fetch(.domain, scope: context.scope, id: domainId) else { throw notFound }
            let current = try step.documents.decode(record)
            if DomainRules.isUpdatable(record.status) {
                let apps = try tx.list(.app, scope: context.scope, parent: .prefix(domainId + "/")).map(\.status)
                try DomainRules.checkAppsAllowUpdate(input, current: current, appStatuses: apps)
                try tx.checkReferences(input.defaultUserSettings, context)
                try tx.checkReferences(input.defaultSpaceSettings, context)
            }
            let outcome = try step.apply(to: &record)
            try tx.update(record)
            return outcome
        }
        step.remember(outcome)
        // RStudio added with no update delay: the domain is InService again at once, and runs its shared app.
        if input.domainSettingsForUpdate?.rStudioServerProDomainSettingsForUpdate != nil,
            let record = try await store.fetch(.domain, scope: context.scope, id: domainId)
        {
            try await SharedRStudioApp.ensure(for: record, in: store)
        }
        return UpdateDomainResponse(domainArn: outcome.arn)
    }

    public func deleteDomain(_ input: DeleteDomainRequest, context: OperationContext) async throws {
        let domainId = input.required.domainId
        let now = now()
        let delay = controls.delays.domainDelete
        let notFound = ResourceKindDeclaration.domain.notFound(domainId, context)
        try await store.transaction { tx in
            guard var record = try tx.fetch(.domain, scope: context.scope, id: domainId) else { throw notFound }
            var domain = try StoredDocument.decode(DescribeDomainResponse.self, from: record.document)
            let arn = domain.domainArn ?? ""
            switch record.status(as: DomainStatus.self) {
            case .pending, .updating, .deleting:
                throw ResourceKindDeclaration.domain.refused("delete", arn, status: record.status)
            default:
                break
            }
            if try !tx.list(.userProfile, scope: context.scope, parentId: domainId).isEmpty {
                throw ResourceErrors.inUse(deleting: "Domain", arn, by: "UserProfile")
            }
            if try !tx.list(.space, scope: context.scope, parentId: domainId).isEmpty {
                throw ResourceErrors.inUse(deleting: "Domain", arn, by: "Space")
            }
            if let shared = try tx.fetch(.app, scope: context.scope, id: SharedRStudioApp.id(domainId: domainId)),
                !AppStatus.isGone(shared.status)
            {
                throw ResourceErrors.inUse(deleting: "Domain", arn, by: "App")
            }
            try record.beginDeletion(&domain, after: delay, at: now) ? tx.update(record) : tx.remove(record)
        }
    }

    public func listDomains(
        _ input: ListDomainsRequest, context: OperationContext
    ) async throws
        -> ListDomainsResponse
    {
        let scope = context.scope
        let pageSize = input.maxResults ?? 10
        let after =
            try input.nextToken.map {
                try pageTokens.sequence(from: $0, listing: "ListDomains", scope: scope)
            } ?? 0
        let rows = try await store.list(.domain, scope: scope, parentId: "", after: after, limit: pageSize + 1)
        let page = rows.prefix(pageSize)
        let memo = listed.memo(DomainDetails.self)
        let domains = try page.map { record in
            // DomainDetails' members are a subset of the stored DescribeDomain document's, under the same names.
            var details = try memo.decode(record)
            details.status = record.status(as: DomainStatus.self)
            return details
        }
        let next =
            rows.count > pageSize
            ? page.last.map { pageTokens.token(listing: "ListDomains", scope: scope, after: $0.sequence) } : nil
        return ListDomainsResponse(domains: domains, nextToken: next)
    }
}
