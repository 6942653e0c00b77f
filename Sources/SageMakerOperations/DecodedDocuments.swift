import AWSWire
import Foundation
import SageMakerStorage
import Synchronization

/// Remembers the decoded form of stored documents by revision, so that a state of a resource that was decoded or
/// written once is not decoded again (decoding is the largest cost of a read-modify-write). (scope, id, revision)
/// names one stored state for good (the store raises the revision at every write), so an entry can never hand out
/// a state other than the one stored; entries are added only for states that were read or committed. Each key keeps
/// its few most recent revisions.
final class DecodedDocuments<Shape: Decodable & WireDecodable & Sendable>: Sendable {
    private struct Entry: Sendable {
        /// The row's sequence number with its revision: one state for good, even across a reset (which restarts
        /// revisions but never reuses a sequence number) made by another replica.
        let sequence: Int64
        let revision: Int64
        /// The document's size, for the bound on memory.
        let bytes: Int
        let shape: Shape
    }

    private struct State {
        var entries: [String: [Entry]] = [:]
        /// Document bytes held, each counted `decodedFactor` times (the decoded shape costs more than its JSON).
        var bytes = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let capacityBytes: Int
    /// Revisions kept per key.
    private let depth = 4
    static var decodedFactor: Int { 4 }

    init(capacity: Int = 10_000, capacityBytes: Int = 64 << 20) {
        self.capacity = capacity
        self.capacityBytes = capacityBytes
    }

    /// Keys and bytes held, for tests.
    var usage: (keys: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }

    static func key(_ scope: ResourceScope, _ id: String) -> String {
        scope.account + "/" + scope.region + "/" + id
    }

    /// The decoded document of `record`, from memory when its revision was seen before.
    func decode(_ record: StoredResource, key: String) throws -> Shape {
        let (sequence, revision) = (record.sequence, record.revision)
        let known = state.withLock {
            $0.entries[key]?.first(where: { $0.revision == revision && $0.sequence == sequence })
        }
        if let known { return known.shape }
        let shape = try StoredDocument.decode(Shape.self, from: record.document)
        remember(shape, key: key, sequence: sequence, revision: revision, bytes: record.document.count)
        return shape
    }

    /// Keeps `shape` as the state of `key` at `revision` of the row `sequence`: a state read from the store or
    /// committed to it.
    func remember(_ shape: Shape, key: String, sequence: Int64, revision: Int64, bytes: Int) {
        let cost = bytes * Self.decodedFactor
        guard cost <= capacityBytes / 4 else { return }  // too large to be worth a place
        let entry = Entry(sequence: sequence, revision: revision, bytes: bytes, shape: shape)
        state.withLock { state in
            if (state.entries[key] == nil && state.entries.count >= capacity) || state.bytes + cost > capacityBytes {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.bytes += Self.push(entry, onto: &state.entries[key, default: []], depth: depth)
        }
    }

    func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.bytes = 0
        }
    }

    /// Most recent first, in place (no copy of the key's list); returns the change in bytes held.
    private static func push(_ entry: Entry, onto kept: inout [Entry], depth: Int) -> Int {
        var change = entry.bytes * decodedFactor
        if let index = kept.firstIndex(where: { $0.revision == entry.revision && $0.sequence == entry.sequence }) {
            change -= kept.remove(at: index).bytes * decodedFactor
        }
        kept.insert(entry, at: 0)
        if kept.count > depth { change -= kept.removeLast().bytes * decodedFactor }
        return change
    }
}
