import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// ARNs of the resources inside a domain (shared/reference/aws-behavior.md, "Identifiers and values").
/// The store keys every resource by the part of its ARN after `<kind>/`, so that an ARN names its row.
extension ResourceNames {
    static func arn(_ kind: ResourceKind, _ scope: ResourceScope, id: String) -> String {
        "arn:aws:sagemaker:\(scope.region):\(scope.account):\(kind.rawValue)/\(id)"
    }

    /// User profile names are case-insensitive: the key (and the ARN) carry the lowercased name.
    static func userProfileId(domainId: String, name: String) -> String { domainId + "/" + name.lowercased() }

    static func spaceId(domainId: String, name: String) -> String { domainId + "/" + name }

    /// `<DomainId>/<profile or space>/<apptype, lowercased>/<AppName>`.
    static func appId(domainId: String, owner: AppOwner, appType: String, appName: String) -> String {
        domainId + "/" + owner.arnName + "/" + appType.lowercased() + "/" + appName
    }

    /// The first HomeEfsFileSystemUid of a domain's profiles and spaces.
    static let firstFileSystemUid = 200_001
}

/// Who an app belongs to: a user profile or a space.
enum AppOwner: Equatable {
    case userProfile(String)
    case space(String)

    var arnName: String {
        switch self {
        case .userProfile(let name): name.lowercased()
        case .space(let name): name
        }
    }

    /// The parent key of the owner's apps in the store.
    func parentId(domainId: String) -> String {
        switch self {
        case .userProfile(let name): domainId + "/user-profile/" + name.lowercased()
        case .space(let name): domainId + "/space/" + name
        }
    }
}

/// An ARN of this service, split into the kind, scope and store key of the resource it names.
struct ResourceArn {
    var kind: ResourceKind
    var scope: ResourceScope
    var id: String

    init?(_ arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "sagemaker",
              let slash = parts[5].firstIndex(of: "/"),
              let kind = ResourceKind(rawValue: String(parts[5][..<slash]))
        else { return nil }
        self.kind = kind
        scope = ResourceScope(account: String(parts[4]), region: String(parts[3]))
        id = String(parts[5][parts[5].index(after: slash)...])
        if id.isEmpty { return nil }
    }
}

/// Sorted, paged listings whose pages neither skip nor repeat a resource: each page resumes strictly after the
/// (sort key, insertion sequence) of the last one sent, which the NextToken carries.
enum SortedListing {
    struct Entry<Item> {
        let item: Item
        let key: String
        let sequence: Int64
    }

    /// A sort key for a time: fixed width, so that keys compare as the times do.
    static func key(_ date: Date?) -> String {
        String(format: "%020.3f", date?.timeIntervalSince1970 ?? 0)
    }

    static func page<Item>(
        _ entries: [Entry<Item>], descending: Bool, after cursor: String?, size: Int
    ) -> (items: [Item], cursor: String?) {
        func precedes(_ a: (String, Int64), _ b: (String, Int64)) -> Bool { a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
        var sorted = entries.sorted { precedes(($0.key, $0.sequence), ($1.key, $1.sequence)) }
        if descending { sorted.reverse() }
        if let cursor, let colon = cursor.firstIndex(of: ":"), let sequence = Int64(cursor[..<colon]) {
            let last = (String(cursor[cursor.index(after: colon)...]), sequence)
            sorted.removeAll { entry in
                let position = (entry.key, entry.sequence)
                return descending ? !precedes(position, last) : !precedes(last, position)
            }
        }
        let page = sorted.prefix(size)
        let next = sorted.count > size ? page.last.map { "\($0.sequence):\($0.key)" } : nil
        return (page.map(\.item), next)
    }
}

extension SageMakerService {
    /// A Describe answered with the stored document as it is.
    func describeStored<Shape>(_ kind: ResourceKind, id: String, context: OperationContext, notFound: AWSError)
        async throws -> DescribeOutput<Shape>
    {
        guard let record = try await store.fetch(kind, scope: context.scope, id: id) else { throw notFound }
        return .encoded(Array(record.document))
    }

    /// Stores a new lifecycle or image configuration, whose name is unique in the account and region.
    func insertConfiguration(
        _ kind: ResourceKind, name: String, document: some WireEncodable, tags: [Tag]?, label: String,
        context: OperationContext
    ) async throws -> String {
        let arn = ResourceNames.arn(kind, context.scope, id: name)
        let record = StoredResource(
            kind: kind, scope: context.scope, id: name, nameKey: name, status: "Available",
            document: try StoredDocument.encode(document), tags: try tags.map(StoredDocument.encode))
        do {
            _ = try await store.insert(record, limit: nil)
        } catch StoreConflict.nameTaken {
            throw AWSError.resourceInUse("\(label) [\(arn)] already exists.")
        }
        return arn
    }

    /// The page size of a List request: MaxResults, else the default of 10.
    static func pageSize(_ maxResults: Int?) -> Int { maxResults ?? 10 }

    /// The cursor of a NextToken of `listing`, or nil on a first page.
    func cursor(_ token: String?, listing: String, context: OperationContext) throws -> String? {
        try token.map { try pageTokens.cursor(from: $0, listing: listing, scope: context.scope) }
    }

    func token(_ cursor: String?, listing: String, context: OperationContext) -> String? {
        cursor.map { pageTokens.token(listing: listing, scope: context.scope, cursor: $0) }
    }
}

/// Reads a stored document inside a transaction.
extension ResourceTransaction {
    /// The domain, which must exist; decoded through the memo of decoded domain documents.
    func domain(_ domainId: String, _ context: OperationContext, documents: DecodedDocuments<DescribeDomainResponse>)
        throws -> (StoredResource, DescribeDomainResponse)
    {
        guard let record = try fetch(.domain, scope: context.scope, id: domainId) else {
            throw ResourceErrors.domainNotFound(domainId, context)
        }
        let key = DecodedDocuments<DescribeDomainResponse>.key(context.scope, domainId)
        return (record, try documents.decode(record.document, key: key))
    }

    /// The domain a new user profile, space or app goes into, which must exist and be InService.
    func domainForNewChild(
        _ domainId: String, creating kind: String, _ arn: String, _ context: OperationContext,
        documents: DecodedDocuments<DescribeDomainResponse>
    ) throws -> DescribeDomainResponse {
        let (record, domain) = try self.domain(domainId, context, documents: documents)
        guard record.status == DomainStatus.inService else {
            throw ResourceErrors.parentNotInService(
                creating: kind, arn, parentKind: "Domain", parentArn: domain.domainArn ?? "", status: record.status)
        }
        return domain
    }

    /// The user profile or space a new resource goes into, which must exist and be InService.
    func parentForNewChild(
        _ kind: ResourceKind, id: String, creating childKind: String, _ arn: String, _ context: OperationContext,
        notFound: AWSError
    ) throws -> StoredResource {
        guard let record = try fetch(kind, scope: context.scope, id: id) else { throw notFound }
        guard record.status == DomainStatus.inService else {
            throw ResourceErrors.parentNotInService(
                creating: childKind, arn, parentKind: kind == .space ? "Space" : "UserProfile",
                parentArn: ResourceNames.arn(kind, context.scope, id: id), status: record.status)
        }
        return record
    }

    /// Checks that every lifecycle configuration and custom image a settings shape names exists.
    func checkReferences(_ settings: (some ReferenceCollecting)?, _ context: OperationContext) throws {
        guard let settings else { return }
        var references = ShapeReferences()
        settings.collectReferences(into: &references)
        for arn in references.lifecycleConfigArns.sorted() {
            let parsed = ResourceArn(arn)
            let found = try parsed.flatMap { parsed in
                parsed.kind == .studioLifecycleConfig && parsed.scope == context.scope
                    ? try fetch(.studioLifecycleConfig, scope: context.scope, id: parsed.id) : nil
            }
            if found == nil {
                throw AWSError.resourceNotFound("Studio Lifecycle Config [\(arn)] does not exist.")
            }
        }
        for name in references.appImageConfigNames.sorted() {
            if try fetch(.appImageConfig, scope: context.scope, id: name) == nil {
                let arn = ResourceNames.arn(.appImageConfig, context.scope, id: name)
                throw AWSError.resourceNotFound("AppImageConfig [\(arn)] does not exist.")
            }
        }
    }
}

/// Errors shared by the operations of several resources.
enum ResourceErrors {
    static func domainNotFound(_ domainId: String, _ context: OperationContext) -> AWSError {
        .resourceNotFound("Domain [\(ResourceNames.arn(.domain, context.scope, id: domainId))] does not exist.")
    }

    /// A child resource can only be created in, or changed under, a parent that is InService.
    static func parentNotInService(
        creating kind: String, _ arn: String, parentKind: String, parentArn: String, status: String
    ) -> AWSError {
        .resourceInUse("Unable to create \(kind) [\(arn)] because \(parentKind) [\(parentArn)] is in \(status) status.")
    }

    static func notInService(_ verb: String, _ kind: String, _ arn: String, status: String) -> AWSError {
        .resourceInUse("Unable to \(verb) \(kind) [\(arn)] because it is in \(status) status.")
    }

    static func inUse(deleting kind: String, _ arn: String, by children: String) -> AWSError {
        .resourceInUse("Unable to delete \(kind) [\(arn)] because \(children)(s) are associated with it.")
    }
}

extension AppStatus {
    static func isGone(_ status: String) -> Bool { status == deleted || status == failed }
}

extension SageMakerService {
    /// One page of a listing of `kind` (under `parentId`, when given): each stored document decoded as `Details`
    /// (a subset of its Describe shape, under the same names), filtered, sorted by `sortKey`, resumed after the
    /// NextToken's position.
    func listSorted<Details: Decodable & WireDecodable>(
        _ kind: ResourceKind, parentId: String?, as type: Details.Type, listing: String, nextToken: String?,
        maxResults: Int?, descending: Bool, context: OperationContext,
        sortKey: (Details) -> String, include: (Details, StoredResource) -> Bool = { _, _ in true }
    ) async throws -> (items: [Details], nextToken: String?) {
        let after = try cursor(nextToken, listing: listing, context: context)
        let rows = try await store.list(kind, scope: context.scope, parentId: parentId, after: 0, limit: Int.max)
        var entries: [SortedListing.Entry<Details>] = []
        for row in rows {
            let details = try StoredDocument.decode(Details.self, from: row.document)
            if include(details, row) {
                entries.append(SortedListing.Entry(item: details, key: sortKey(details), sequence: row.sequence))
            }
        }
        let page = SortedListing.page(
            entries, descending: descending, after: after, size: Self.pageSize(maxResults))
        return (page.items, token(page.cursor, listing: listing, context: context))
    }
}

/// The time filters of ListStudioLifecycleConfigs and ListAppImageConfigs.
struct TimeWindow {
    var createdAfter: Date?
    var createdBefore: Date?
    var modifiedAfter: Date?
    var modifiedBefore: Date?

    func contains(created: Date?, modified: Date?) -> Bool {
        let created = created ?? .distantPast
        let modified = modified ?? created
        if let createdAfter, created <= createdAfter { return false }
        if let createdBefore, created >= createdBefore { return false }
        if let modifiedAfter, modified <= modifiedAfter { return false }
        if let modifiedBefore, modified >= modifiedBefore { return false }
        return true
    }
}
