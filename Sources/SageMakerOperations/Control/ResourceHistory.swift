import Foundation
import SageMakerStorage
import Synchronization

/// Who made a change: set by the server around each operation, read by `HistoryRecordingStore`.
public struct RequestAttribution: Sendable {
    public var requestId: String
    public var operation: String
    /// The access key id the request was signed with (nil when unsigned).
    public var accessKeyId: String?

    public init(requestId: String, operation: String, accessKeyId: String?) {
        self.requestId = requestId
        self.operation = operation
        self.accessKeyId = accessKeyId
    }

    /// The request being served by the current task; nil in the scheduler.
    @TaskLocal public static var current: RequestAttribution?
}

/// The most recent changes to resources, newest last: bounded by count and by the bytes of the documents it keeps
/// (oldest dropped first). In memory: a restart starts it empty. Diffs are computed when history is read, so that
/// recording costs a request one append.
public final class ResourceHistory: Sendable {
    /// A resource as one change left it (or found it).
    struct Version: Sendable {
        let status: String
        let document: Data
        let tags: Data?

        init(_ resource: StoredResource) {
            status = resource.status
            document = resource.document
            tags = resource.tags
        }

        var bytes: Int { document.count + (tags?.count ?? 0) }
    }

    struct Entry: Sendable {
        let sequence: Int
        let time: Date
        let kind: ResourceKind
        let scope: ResourceScope
        let id: String
        let attribution: RequestAttribution?
        let before: Version?
        let after: Version?

        var bytes: Int { (before?.bytes ?? 0) + (after?.bytes ?? 0) + 256 }
    }

    /// A ring of at most `capacity` entries: `count` of them from `start` on, oldest first.
    private struct State {
        var slots: [Entry?]
        var start = 0
        var count = 0
        var bytes = 0
        var nextSequence = 1

        mutating func dropOldest() {
            bytes -= slots[start]?.bytes ?? 0
            slots[start] = nil
            start = (start + 1) % slots.count
            count -= 1
        }

        var ordered: [Entry] { (0..<count).compactMap { slots[(start + $0) % slots.count] } }

        mutating func replace(with entries: [Entry]) {
            slots = [Entry?](repeating: nil, count: slots.count)
            for (index, entry) in entries.enumerated() { slots[index] = entry }
            start = 0
            count = entries.count
            bytes = entries.reduce(0) { $0 + $1.bytes }
        }
    }

    private let state: Mutex<State>
    public let capacity: Int
    public let capacityBytes: Int

    public init(capacity: Int = 10_000, capacityBytes: Int = 64 << 20) {
        self.capacity = max(1, capacity)
        self.capacityBytes = capacityBytes
        state = Mutex(State(slots: [Entry?](repeating: nil, count: max(1, capacity))))
    }

    /// Records a change from `before` to `after` (nil: created or removed) at `time`; a write that changed neither
    /// status, document nor tags (a held transition moved on) is not a change. Dropping the oldest costs O(1).
    func record(before: StoredResource?, after: StoredResource?, at time: Date) {
        guard let resource = after ?? before else { return }
        if let before, let after, before.status == after.status, before.document == after.document,
            before.tags == after.tags
        {
            return
        }
        let attribution = RequestAttribution.current
        state.withLock { state in
            let entry = Entry(
                sequence: state.nextSequence, time: time, kind: resource.kind, scope: resource.scope, id: resource.id,
                attribution: attribution, before: before.map(Version.init), after: after.map(Version.init))
            state.nextSequence += 1
            if state.count == state.slots.count { state.dropOldest() }
            state.slots[(state.start + state.count) % state.slots.count] = entry
            state.count += 1
            state.bytes += entry.bytes
            while state.bytes > capacityBytes, state.count > 1 { state.dropOldest() }
        }
    }

    /// Entries oldest first.
    func entries(where include: (Entry) -> Bool) -> [Entry] {
        state.withLock { $0.ordered.filter(include) }
    }

    public func removeAll(account: String? = nil, region: String? = nil) {
        state.withLock { state in
            let kept = state.ordered.filter { entry in
                guard let account else { return false }
                return !(entry.scope.account == account && (region == nil || entry.scope.region == region))
            }
            state.replace(with: kept)
        }
    }

    /// The changes to one resource (named by its ARN), oldest first, as the control API answers them.
    public func events(arn: String) -> [HistoryEvent]? {
        guard let target = ResourceArn(arn) else { return nil }
        return entries { $0.kind == target.kind && $0.scope == target.scope && $0.id == target.id }.map(
            HistoryEvent.init)
    }

    /// The most recent changes (at most `limit`), oldest first, optionally of one account, region or kind.
    public func events(account: String?, region: String?, kind: ResourceKind?, limit: Int) -> [HistoryEvent] {
        let matching = entries { entry in
            (account.map { entry.scope.account == $0 } ?? true) && (region.map { entry.scope.region == $0 } ?? true)
                && (kind.map { entry.kind == $0 } ?? true)
        }
        return matching.suffix(max(0, limit)).map(HistoryEvent.init)
    }
}

/// One change to a resource, with what changed in its stored settings.
public struct HistoryEvent: Sendable {
    /// One setting that changed: its dotted path in the Describe document (`DefaultUserSettings.ExecutionRole`,
    /// `Tags.team`) and its JSON values before and after (nil: absent).
    public struct Change: Sendable {
        public let path: String
        public let before: JSONFragment?
        public let after: JSONFragment?
    }

    public let sequence: Int
    public let time: Date
    public let arn: String
    public let resourceType: String
    /// The operation that made the change, or `StatusTransition` / `Removal` for the scheduler's steps.
    public let event: String
    public let requestId: String?
    public let account: String
    public let region: String
    public let accessKeyId: String?
    public let statusBefore: String?
    public let statusAfter: String?
    public let changes: [Change]

    init(_ entry: ResourceHistory.Entry) {
        sequence = entry.sequence
        time = entry.time
        arn = ResourceNames.arn(entry.kind, entry.scope, id: entry.id)
        resourceType = entry.kind.rawValue
        event = entry.attribution?.operation ?? (entry.after == nil ? "Removal" : "StatusTransition")
        requestId = entry.attribution?.requestId
        account = entry.scope.account
        region = entry.scope.region
        accessKeyId = entry.attribution?.accessKeyId
        statusBefore = entry.before?.status
        statusAfter = entry.after?.status
        changes = entry.after == nil ? [] : DocumentDiff.changes(before: entry.before, after: entry.after)
    }
}

/// A JSON value kept as the text it serializes to.
public struct JSONFragment: Sendable, Equatable {
    public let json: String
}

/// The settings that differ between two versions of a resource, as dotted paths. Objects are walked; arrays and
/// scalars are compared whole. The modification time changes with every write and is left out.
enum DocumentDiff {
    static let ignored: Set<String> = ["LastModifiedTime"]

    static func changes(before: ResourceHistory.Version?, after: ResourceHistory.Version?) -> [HistoryEvent.Change] {
        var old: [String: Any] = [:]
        var new: [String: Any] = [:]
        flatten(parse(before?.document), into: &old, prefix: "")
        flatten(parse(after?.document), into: &new, prefix: "")
        flatten(tags(before?.tags), into: &old, prefix: "Tags.")
        flatten(tags(after?.tags), into: &new, prefix: "Tags.")
        return Set(old.keys).union(new.keys).sorted().compactMap { path -> HistoryEvent.Change? in
            let (was, now) = (old[path].map(fragment), new[path].map(fragment))
            return was == now ? nil : HistoryEvent.Change(path: path, before: was, after: now)
        }
    }

    static func parse(_ data: Data?) -> [String: Any] {
        guard let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.filter { !ignored.contains($0.key) }
    }

    /// A tag list as an object of its keys (an image version's column holds its tags under `Tags`, beside its aliases).
    static func tags(_ data: Data?) -> [String: Any] {
        guard let data, let parsed = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        guard let list = (parsed as? [[String: Any]]) ?? ((parsed as? [String: Any])?["Tags"] as? [[String: Any]])
        else {
            return [:]
        }
        var tags: [String: Any] = [:]
        for tag in list { if let key = tag["Key"] as? String { tags[key] = tag["Value"] ?? NSNull() } }
        return tags
    }

    static func flatten(_ object: [String: Any], into flat: inout [String: Any], prefix: String) {
        for (key, value) in object {
            if let nested = value as? [String: Any], !nested.isEmpty {
                flatten(nested, into: &flat, prefix: prefix + key + ".")
            } else {
                flat[prefix + key] = value
            }
        }
    }

    static func fragment(_ value: Any) -> JSONFragment {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return JSONFragment(json: String(decoding: data, as: UTF8.self))
    }
}

/// A store that records every committed change in a `ResourceHistory`, attributed to the request being served.
public struct HistoryRecordingStore<Base: ResourceStore>: ResourceStore {
    public let base: Base
    let history: ResourceHistory
    let clock: any EmulatorClock

    public init(_ base: Base, history: ResourceHistory, clock: any EmulatorClock) {
        self.base = base
        self.history = history
        self.clock = clock
    }

    public func insert(_ resource: StoredResource, limit: Int?) async throws -> StoredResource {
        let stored = try await base.insert(resource, limit: limit)
        history.record(before: nil, after: stored, at: clock.now())
        return stored
    }

    public func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) async throws -> StoredResource? {
        try await base.fetch(kind, scope: scope, id: id)
    }

    public func mutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        // The body may run more than once; the last run is the one committed.
        let seen = Mutex<(before: StoredResource?, after: StoredResource?)?>(nil)
        let result = try await base.mutate(kind, scope: scope, id: id) { resource in
            let before = resource
            let result = try body(&resource)
            let after = resource
            seen.withLock { $0 = (before, after) }
            return result
        }
        if let (before, after) = seen.withLock({ $0 }), before != nil, after == nil || after?.hasChanges == true {
            history.record(before: before, after: after, at: clock.now())
        }
        return result
    }

    public func page(_ query: ResourcePageQuery) async throws -> [ListedResource] { try await base.page(query) }

    public func dueTransitions(at date: Date, limit: Int) async throws -> [StoredResource] {
        try await base.dueTransitions(at: date, limit: limit)
    }

    public func transaction<T: Sendable>(
        _ body: @escaping RerunnableTransaction<T>
    ) async throws -> T {
        let (result, writes) = try await base.transaction { transaction in
            let recording = RecordingTransaction(base: transaction)
            let result = try body(recording)
            return (result, recording.writes)
        }
        let now = clock.now()
        for (before, after) in writes { history.record(before: before, after: after, at: now) }
        return result
    }

    public func secret(named name: String) async throws -> [UInt8] { try await base.secret(named: name) }

    public func removeAll(account: String?, region: String?) async throws -> Int {
        try await base.removeAll(account: account, region: region)
    }

    public func countsByKind() async throws -> [ResourceKind: Int] { try await base.countsByKind() }

    public func countsByStatus() async throws -> [ResourceStatusCount] { try await base.countsByStatus() }

    public func countsByScope() async throws -> [ResourceScope: Int] { try await base.countsByScope() }

    public func contents() async throws -> StoreContents { try await base.contents() }

    public func replaceAll(with contents: StoreContents) async throws { try await base.replaceAll(with: contents) }
}

/// A transaction that remembers what each write replaced.
final class RecordingTransaction: ResourceTransaction, @unchecked Sendable {
    // Used only inside the one store transaction that created it.
    let base: any ResourceTransaction
    private(set) var writes: [(StoredResource?, StoredResource?)] = []

    init(base: any ResourceTransaction) {
        self.base = base
    }

    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) throws -> StoredResource? {
        try base.fetch(kind, scope: scope, id: id)
    }

    func list(_ kind: ResourceKind, scope: ResourceScope, parent: ParentFilter) throws -> [StoredResource] {
        try base.list(kind, scope: scope, parent: parent)
    }

    func referrers(to target: String, scope: ResourceScope) throws -> [StoredResource] {
        try base.referrers(to: target, scope: scope)
    }

    func insert(_ resource: StoredResource, limit: Int?) throws -> StoredResource {
        let stored = try base.insert(resource, limit: limit)
        writes.append((nil, stored))
        return stored
    }

    func update(_ resource: StoredResource) throws {
        let before = try base.fetch(resource.kind, scope: resource.scope, id: resource.id)
        try base.update(resource)
        writes.append((before, resource))
    }

    func remove(_ resource: StoredResource) throws {
        try base.remove(resource)
        writes.append((resource, nil))
    }

    func nextCounterValue(_ name: String, scope: ResourceScope, start: Int) throws -> Int {
        try base.nextCounterValue(name, scope: scope, start: start)
    }
}
