import Synchronization

/// A bounded cache of resources in front of SQLite, which one process owns. Every committed write refreshes its
/// entry; reads fill missing entries. Entries carry the stamp of the write (or of the newest write when the read
/// began), so that a late refresh or a slow read can never put an older state over a newer one.
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
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

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
            if let existing = state.entries[key], existing.stamp > stamp { return }
            Self.store(&state, key, Entry(resource: resource, stamp: stamp), capacity: capacity)
        }
    }

    /// After a read that began when `stamp` was current.
    func read(_ key: Key, _ resource: StoredResource?, stamp: UInt64) {
        state.withLock { state in
            if let existing = state.entries[key], existing.stamp >= stamp { return }
            Self.store(&state, key, Entry(resource: resource, stamp: stamp), capacity: capacity)
        }
    }

    private static func store(_ state: inout State, _ key: Key, _ entry: Entry, capacity: Int) {
        if state.entries[key] == nil, state.entries.count >= capacity {
            // Crude but bounded: start over rather than track recency on every read.
            state.entries.removeAll(keepingCapacity: true)
        }
        state.entries[key] = entry
    }
}
