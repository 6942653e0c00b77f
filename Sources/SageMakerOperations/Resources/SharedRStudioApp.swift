import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// A domain with RStudio domain settings runs the app `domain-shared/RStudioServerPro/default` (aws-facts.md,
/// added 2026-11-25: terraform-provider-aws PR 39774 and issue 31912). It appears once the domain is InService
/// (inferred there), is listed by ListApps, counts for the rules on InService apps, and must be deleted
/// (DeleteApp with UserProfileName `domain-shared`) before the domain can be.
enum SharedRStudioApp {
    static let owner = AppOwner.userProfile("domain-shared")
    static let appName = "default"

    static func id(domainId: String) -> String {
        ResourceNames.appId(domainId: domainId, owner: owner, appType: AppType.rStudioServerPro, appName: appName)
    }

    private static let roleMember = Data("\"DomainExecutionRoleArn\"".utf8)

    /// Whether a stored domain document can be an RStudio domain's: a byte search, so that the scheduler decodes
    /// only those documents when a domain becomes InService (every UpdateDomain ends in such a transition).
    static func mayRun(_ document: Data) -> Bool { document.containsBytes(roleMember) }

    /// Starts the app of an InService RStudio domain that has none yet (one the user deleted stays Deleted). Touches
    /// the store only for such a domain.
    static func ensure(for domainRecord: StoredResource, in store: some ResourceStore) async throws {
        guard let app = try app(of: domainRecord) else { return }
        try await store.transaction { tx in try start(app, in: tx) }
    }

    /// As `ensure(for:in:)`, inside a transaction (the scheduler's, which makes the domain InService in the same
    /// write).
    static func ensure(for domainRecord: StoredResource, in tx: any ResourceTransaction) throws {
        if let app = try app(of: domainRecord) { try start(app, in: tx) }
    }

    /// The app an InService RStudio domain runs, or nil for any other domain.
    private static func app(of domainRecord: StoredResource) throws -> StoredResource? {
        guard domainRecord.kind == .domain, domainRecord.status(as: DomainStatus.self) == .inService,
            mayRun(domainRecord.document)
        else { return nil }
        let domain = try StoredDocument.decode(DescribeDomainResponse.self, from: domainRecord.document)
        guard let rstudio = domain.domainSettings?.rStudioServerProDomainSettings,
            rstudio.domainExecutionRoleArn != nil, let domainId = domain.domainId
        else { return nil }
        let id = id(domainId: domainId)
        let app = DescribeAppResponse(
            appArn: ResourceNames.arn(.app, domainRecord.scope, id: id), appName: appName,
            appType: AppType.rStudioServerPro, creationTime: domain.lastModifiedTime ?? domain.creationTime,
            domainId: domainId, resourceSpec: rstudio.defaultResourceSpec ?? ResourceSpec(instanceType: "system"),
            status: AppStatus.inService, userProfileName: "domain-shared")
        return StoredResource(
            kind: .app, scope: domainRecord.scope, parentId: owner.parentId(domainId: domainId), id: id, nameKey: id,
            status: AppStatus.inService.rawValue, document: try StoredDocument.encode(app),
            tags: try Inheritance.appTags(domain: domainRecord.tags, owner: nil, request: nil))
    }

    /// Inserts the app unless it is there already (running, or deleted by its user: left as it is).
    private static func start(_ app: StoredResource, in tx: any ResourceTransaction) throws {
        guard try tx.fetch(.app, scope: app.scope, id: app.id) == nil else { return }
        try tx.insert(app, limit: nil)
    }
}
