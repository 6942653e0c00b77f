import Synchronization

/// A cache of resources in front of SQLite, bounded by entries and by bytes, which one process owns. Every committed
/// write refreshes its entry; reads fill missing entries. Entries carry the stamp of the write (or of the newest write
/// when the read began), so that a late refresh or a slow read can never put an older state over a newer one.
final class ResourceCache: Sendable {
    struct Key: Hashable, Sendable {
        let kind: ResourceKind
        let scope: ResourceScope
        let id: String
    }

    private struct Entry {
        /// nil: known not to exist.
        var resource: StoredResource?
        var stamp: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var stamp: UInt64 = 0
        /// The bytes the entries hold (documents, tags and a fixed overhead each).
        var bytes = 0
        /// Writes and reads stamped before the last `invalidateAll` are refused: they saw a state that is gone.
        var floor: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let capacityBytes: Int

    init(capacity: Int, capacityBytes: Int) {
        self.capacity = capacity
        self.capacityBytes = capacityBytes
    }

    /// What an entry costs: its bytes plus the key, the columns and the dictionary slot.
    static func cost(_ resource: StoredResource?) -> Int {
        256 + (resource.map { $0.document.count + ($0.tags?.count ?? 0) + $0.id.utf8.count } ?? 0)
    }

    /// Entries and bytes held, for tests.
    var usage: (entries: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }

    /// The stamp of the next write; taken inside the serialized write, so stamps follow commit order.
    func nextStamp() -> UInt64 {
        state.withLock { state in
            state.stamp += 1
            return state.stamp
        }
    }

    var currentStamp: UInt64 { state.withLock { $0.stamp } }

    /// `.some(resource or nil)` when cached.
    func lookup(_ key: Key) -> StoredResource?? {
        state.withLock { state in state.entries[key].map { $0.resource } }
    }

    /// After a commit: the state the write left.
    func written(_ key: Key, _ resource: StoredResource?, stamp: UInt64) {
        state.withLock { state in
            if stamp < state.floor { return }
            if let existing = state.entries[key], existing.stamp > stamp { return }
            store(&state, key, Entry(resource: resource, stamp: stamp))
        }
    }

    /// After a read that began when `stamp` was current.
    func read(_ key: Key, _ resource: StoredResource?, stamp: UInt64) {
        state.withLock { state in
            if stamp < state.floor { return }
            if let existing = state.entries[key], existing.stamp >= stamp { return }
            store(&state, key, Entry(resource: resource, stamp: stamp))
        }
    }

    /// After a write that changed resources it did not name one by one (a reset, a restored snapshot), stamped
    /// `stamp`: every entry goes, and no read or write that began before it may bring one back.
    func invalidateAll(stamp: UInt64) {
        state.withLock { state in
            state.entries.removeAll()
            state.bytes = 0
            // A read that began while this write was committing carries `stamp` and may have seen the old rows.
            state.floor = max(state.floor, stamp + 1)
        }
    }

    private func store(_ state: inout State, _ key: Key, _ entry: Entry) {
        let cost = Self.cost(entry.resource)
        let replaced = state.entries[key].map { Self.cost($0.resource) } ?? 0
        guard cost <= capacityBytes / 4 else {
            // Too large to be worth a place: forget the key, so that the next read goes to the database.
            if state.entries.removeValue(forKey: key) != nil { state.bytes -= replaced }
            return
        }
        if (replaced == 0 && state.entries.count >= capacity) || state.bytes - replaced + cost > capacityBytes {
            // Crude but bounded: start over rather than track recency on every read.
            state.entries.removeAll(keepingCapacity: true)
            state.bytes = 0
        } else {
            state.bytes -= replaced
        }
        state.entries[key] = entry
        state.bytes += cost
    }
}
