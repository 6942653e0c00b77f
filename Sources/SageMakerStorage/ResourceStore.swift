import Foundation

/// The kinds of resource the store holds.
public enum ResourceKind: String, Sendable, CaseIterable {
    case domain
    case userProfile = "user-profile"
    case space
    case app
    case studioLifecycleConfig = "studio-lifecycle-config"
    case appImageConfig = "app-image-config"
    case image
    case imageVersion = "image-version"
    case mlflowTrackingServer = "mlflow-tracking-server"
}

/// The account and region every resource is scoped to.
public struct ResourceScope: Sendable, Hashable {
    public var account: String
    public var region: String
    public init(account: String, region: String) {
        self.account = account
        self.region = region
    }
}

/// A status change that the scheduler applies once it is due.
public struct PendingTransition: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The resource takes this status.
        case status(String)
        /// The resource is removed.
        case removal
    }
    public var outcome: Outcome
    public var dueAt: Date
    public init(_ outcome: Outcome, dueAt: Date) {
        self.outcome = outcome
        self.dueAt = dueAt
    }
}

/// One stored resource: indexed columns plus the document the operations layer reads and writes.
public struct StoredResource: Sendable, Equatable {
    public var kind: ResourceKind
    public var scope: ResourceScope
    /// The parent resource's id (the domain of a user profile), empty for top-level resources.
    public var parentId: String
    public var id: String
    /// The key that must be unique among siblings (a name, lowercased where names are case-insensitive).
    public var nameKey: String {
        didSet { hasChanges = true }
    }
    public var status: String {
        didSet { hasChanges = true }
    }
    public var transition: PendingTransition? {
        didSet { hasChanges = true }
    }
    /// The resource exactly as its Describe operation returns it on the wire (JSON).
    public var document: Data {
        didSet { hasChanges = true }
    }
    /// The resource's tags, JSON-encoded, when it has any.
    public var tags: Data? {
        didSet { hasChanges = true }
    }
    /// Insertion order, assigned by the store; the basis of pagination.
    public internal(set) var sequence: Int64
    /// Assigned by the store: 1 when inserted, one more at every write. A write conditional on the revision it read
    /// replaces comparing whole documents, and (scope, id, sequence, revision) names one state of a resource for good
    /// (a reset restarts revisions; sequence numbers are never reused).
    public internal(set) var revision: Int64
    /// Whether a mutation set any of the changeable fields since the store handed the resource out.
    public internal(set) var hasChanges = false

    public init(
        kind: ResourceKind, scope: ResourceScope, parentId: String = "", id: String, nameKey: String,
        status: String, transition: PendingTransition? = nil, document: Data, tags: Data? = nil
    ) {
        self.kind = kind
        self.scope = scope
        self.parentId = parentId
        self.id = id
        self.nameKey = nameKey
        self.status = status
        self.transition = transition
        self.document = document
        self.tags = tags
        self.sequence = 0
        self.revision = 0
    }

    /// The same state of the same resource: equal fields, whether or not they were set again.
    public static func == (left: StoredResource, right: StoredResource) -> Bool {
        left.kind == right.kind && left.scope == right.scope && left.parentId == right.parentId && left.id == right.id
            && left.nameKey == right.nameKey && left.status == right.status && left.transition == right.transition
            && left.document == right.document && left.tags == right.tags && left.sequence == right.sequence
            && left.revision == right.revision
    }

    /// The state a write of this one leaves: one revision later, nothing pending.
    func written() -> StoredResource {
        var next = self
        next.revision = revision + 1
        next.hasChanges = false
        return next
    }
}

/// Reasons an insert is refused.
public enum StoreConflict: Error, Sendable, Equatable {
    /// A sibling already has this name key.
    case nameTaken
    /// The scope (or parent) already holds `current` resources of the kind, at or over the limit.
    case limitReached(current: Int)
    /// A transaction wrote back a resource it had not read, or that is gone.
    case missing
    /// The resource's document and tags together are `bytes`, over the store's `limit`.
    case documentTooLarge(bytes: Int, limit: Int)
    /// The named counter is at `StoredCounter.maximumValue`.
    case counterExhausted(String)
}

extension StoreConflict {
    /// Refuses a resource whose document and tags exceed `limit` bytes.
    static func checkSize(_ resource: StoredResource?, limit: Int) throws {
        guard let resource else { return }
        let bytes = resource.document.count + (resource.tags?.count ?? 0)
        if bytes > limit { throw StoreConflict.documentTooLarge(bytes: bytes, limit: limit) }
    }
}

/// The body of a `ResourceStore.transaction`. Its name is its contract: a store may run it more than once
/// (PostgreSQL runs it again after each read it asked for, and when another write got in first), and only the last
/// run's writes are applied. So it reads and writes through the transaction it is given and does nothing else: no
/// clock, no random values, no writes elsewhere (compute those before and capture them). The operations tests run
/// every body twice on SQLite and compare the writes (`RerunningStore`), so a body that breaks this fails there.
public typealias RerunnableTransaction<T> = @Sendable (any ResourceTransaction) throws -> T

/// The body of a `ResourceStore.mutate`, under the same contract as `RerunnableTransaction`.
public typealias RerunnableMutation<T> = @Sendable (inout StoredResource?) throws -> T

/// Durable storage of resources. Every call is atomic; a change is durable before the call returns.
public protocol ResourceStore: Sendable {
    /// Inserts a resource unless its name is taken or `limit` resources of its kind already exist in its
    /// scope (under the same parent); returns it with its sequence number.
    func insert(_ resource: StoredResource, limit: Int?) async throws -> StoredResource

    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) async throws -> StoredResource?

    /// Reads, changes and writes back one resource atomically: concurrent calls on the same resource apply one
    /// after the other, each to the state the previous one left. Setting the resource to nil removes it; throwing
    /// changes nothing; a body that sets no field writes nothing. A write raises the revision by one, so the state a
    /// body leaves is stored as revision `resource.revision + 1` when the call returns. The body may run more than
    /// once (when another write got in first): it is a `RerunnableMutation`.
    func mutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T

    /// One page of resources in the query's order, after its position (a keyset page: an index walk, never a sort
    /// of the whole scope).
    func page(_ query: ResourcePageQuery) async throws -> [ListedResource]

    /// Resources whose pending transition is due at `date`, oldest first.
    func dueTransitions(at date: Date, limit: Int) async throws -> [StoredResource]

    /// Runs `body` as one atomic unit over several resources, after every earlier write and before every later one;
    /// its writes apply together, or not at all when it throws. Durable before it returns. For the rules that span
    /// resources (a child needs an InService parent; a parent with children cannot be deleted). As with `mutate`,
    /// the body may run more than once (PostgreSQL runs it again after each read it asked for), so it must not have
    /// side effects beyond its result; only its last run's writes are applied.
    func transaction<T: Sendable>(_ body: @escaping RerunnableTransaction<T>) async throws -> T

    /// A random secret, created once and kept for the life of the data (signs pagination tokens).
    func secret(named name: String) async throws -> [UInt8]

    /// Removes every resource and counter, or only those of one account (and, when given, one region), in one
    /// atomic, durable write; returns how many resources went.
    func removeAll(account: String?, region: String?) async throws -> Int

    /// How many resources each account and region holds (scopes with none are left out), from the maintained counts.
    func countsByScope() async throws -> [ResourceScope: Int]

    /// How many resources of each kind the store holds (kinds with none are left out); cheap at any scale.
    func countsByKind() async throws -> [ResourceKind: Int]

    /// How many resources of each kind are in each status (a scan of an index of the two: for metrics, not requests).
    func countsByStatus() async throws -> [ResourceStatusCount]

    /// Every resource (in insertion order) and every counter, read as one consistent state.
    func contents() async throws -> StoreContents

    /// Replaces everything the store holds with `contents`, atomically and durably. The resources keep their order
    /// (new sequence numbers, in the order given) and start again at revision 1.
    func replaceAll(with contents: StoreContents) async throws
}

/// How many resources of a kind are in a status.
public struct ResourceStatusCount: Sendable, Equatable {
    public var kind: ResourceKind
    public var status: String
    public var count: Int
    public init(kind: ResourceKind, status: String, count: Int) {
        self.kind = kind
        self.status = status
        self.count = count
    }
}

/// A named counter of a scope (`ResourceTransaction.nextCounterValue`) and the value it last handed out.
public struct StoredCounter: Sendable, Equatable {
    /// The largest value a counter reaches (the model's Integer, which numbers image versions); the next draw is a
    /// `StoreConflict.counterExhausted`, never an overflow.
    public static let maximumValue = Int(Int32.max)
    public var scope: ResourceScope
    public var name: String
    public var value: Int
    public init(scope: ResourceScope, name: String, value: Int) {
        self.scope = scope
        self.name = name
        self.value = value
    }
}

/// All a store holds: what `ResourceStore.contents` reads and `replaceAll` writes.
public struct StoreContents: Sendable, Equatable {
    public var resources: [StoredResource]
    public var counters: [StoredCounter]
    public init(resources: [StoredResource], counters: [StoredCounter]) {
        self.resources = resources
        self.counters = counters
    }
}

/// The reads and writes of one `ResourceStore.transaction`.
public protocol ResourceTransaction {
    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) throws -> StoredResource?

    /// Every resource of a kind in a scope whose parent passes `parent`, in insertion order.
    func list(_ kind: ResourceKind, scope: ResourceScope, parent: ParentFilter) throws -> [StoredResource]

    /// The resources whose indexed references include `target` (`IndexedFields.references`), in insertion order.
    func referrers(to target: String, scope: ResourceScope) throws -> [StoredResource]

    /// As `ResourceStore.insert`, throwing `StoreConflict` when refused.
    @discardableResult
    func insert(_ resource: StoredResource, limit: Int?) throws -> StoredResource

    /// Writes a resource read in this transaction back with its changes.
    func update(_ resource: StoredResource) throws

    /// Removes a resource read in this transaction.
    func remove(_ resource: StoredResource) throws

    /// The next value of a named counter in a scope: `start` the first time, then one more each call; never reused.
    func nextCounterValue(_ name: String, scope: ResourceScope, start: Int) throws -> Int
}

// MARK: - Indexed fields: sorted pages and references in the database

/// What the store keeps, beside a resource's document, for the lists and lookups that must not decode every row:
/// sort keys (compared as bytes) and the resources the document refers to. The layer that knows the documents
/// computes them (`ResourceIndexer`); the store calls it on every write, so the fields never disagree with the
/// document.
public struct IndexedFields: Sendable, Equatable {
    public var created: String
    public var modified: String
    public var name: String
    /// What the resource refers to, each as one opaque string (a lifecycle configuration's ARN, `image:<name>`).
    public var references: [String]

    public init(created: String = "", modified: String = "", name: String = "", references: [String] = []) {
        self.created = created
        self.modified = modified
        self.name = name
        self.references = references
    }

    public static let none = IndexedFields()
}

/// Computes the indexed fields of a document of a kind. Must be a pure function of its arguments.
public typealias ResourceIndexer = @Sendable (ResourceKind, Data) -> IndexedFields

/// The order of a page of resources: insertion, or one of the indexed sort keys (then insertion among equal keys).
public enum ResourceOrder: Sendable, Hashable, CaseIterable {
    case insertion, created, modified, name
}

/// Which parents' resources a list reads.
public enum ParentFilter: Sendable, Hashable {
    /// Every resource of the kind in the scope.
    case any
    /// The children of one parent (top-level resources have the parent "").
    case exactly(String)
    /// The children of every parent whose id starts with this (an app's parent is `<domain>/<owner kind>/<name>`).
    case prefix(String)

    public init(_ parentId: String?) {
        self = parentId.map(ParentFilter.exactly) ?? .any
    }

    public func matches(_ parentId: String) -> Bool {
        switch self {
        case .any: true
        case .exactly(let parent): parentId == parent
        case .prefix(let prefix): parentId.hasPrefix(prefix)
        }
    }
}

/// Where a page ends: the sort key and sequence of its last resource. The next page starts strictly after it.
public struct ResourcePosition: Sendable, Hashable {
    public var key: String
    public var sequence: Int64
    public init(key: String, sequence: Int64) {
        self.key = key
        self.sequence = sequence
    }
}

/// One page of a kind's resources in a scope, sorted and resumed in the database.
public struct ResourcePageQuery: Sendable, Hashable {
    public var kind: ResourceKind
    public var scope: ResourceScope
    public var parent: ParentFilter
    public var order: ResourceOrder
    public var descending: Bool
    public var after: ResourcePosition?
    public var limit: Int

    public init(
        _ kind: ResourceKind, scope: ResourceScope, parent: ParentFilter = .any, order: ResourceOrder = .insertion,
        descending: Bool = false, after: ResourcePosition? = nil, limit: Int
    ) {
        self.kind = kind
        self.scope = scope
        self.parent = parent
        self.order = order
        self.descending = descending
        self.after = after
        self.limit = limit
    }
}

/// A resource of a page, with its position in the page's order.
public struct ListedResource: Sendable, Equatable {
    public var resource: StoredResource
    public var position: ResourcePosition
}

extension ResourceStore {
    /// Resources of a kind in a scope (and parent, when given), in insertion order, after a sequence number.
    public func list(
        _ kind: ResourceKind, scope: ResourceScope, parentId: String?, after sequence: Int64, limit: Int
    ) async throws -> [StoredResource] {
        let after = sequence > 0 ? ResourcePosition(key: "", sequence: sequence) : nil
        return try await page(
            ResourcePageQuery(kind, scope: scope, parent: ParentFilter(parentId), after: after, limit: limit)
        ).map(\.resource)
    }
}

extension ResourceTransaction {
    /// Every resource of a kind in a scope (and parent, when given), in insertion order.
    public func list(_ kind: ResourceKind, scope: ResourceScope, parentId: String?) throws -> [StoredResource] {
        try list(kind, scope: scope, parent: ParentFilter(parentId))
    }
}

/// The byte-order bound just above every string that starts with `prefix` (its last scalar raised by one).
func upperBound(ofPrefix prefix: String) -> String {
    var scalars = Array(prefix.unicodeScalars)
    while let last = scalars.popLast() {
        if let next = Unicode.Scalar(last.value + 1) { return String(String.UnicodeScalarView(scalars + [next])) }
    }
    return "\u{10FFFF}"
}
