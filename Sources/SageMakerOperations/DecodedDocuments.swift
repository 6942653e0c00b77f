import AWSWire
import Foundation
import SageMakerStorage
import Synchronization

/// Remembers the decoded form of stored documents, so that a document that has not changed since it was last
/// decoded or written is not decoded again (Foundation's decoder is the largest cost of a read-modify-write).
/// An entry answers only for byte-identical documents, so it can never hand out a state other than the one stored.
/// Each key keeps its few most recent documents: concurrent read-modify-writes of one resource remember the states
/// they wrote before the store decides which one commits, and the one that does must still be found.
final class DecodedDocuments<Shape: Decodable & WireDecodable & Sendable>: Sendable {
    private struct Entry: Sendable {
        let bytes: Data
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
    /// Documents kept per key.
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

    func decode(_ bytes: Data, key: String) throws -> Shape {
        let known = state.withLock { $0.entries[key] }
        if let entry = known?.first(where: { $0.bytes == bytes }) { return entry.shape }
        let shape = try StoredDocument.decode(Shape.self, from: bytes)
        remember(bytes, shape, key: key)
        return shape
    }

    func remember(_ bytes: Data, _ shape: Shape, key: String) {
        let cost = bytes.count * Self.decodedFactor
        guard cost <= capacityBytes / 4 else { return }  // too large to be worth a place
        let entry = Entry(bytes: bytes, shape: shape)
        state.withLock { state in
            if (state.entries[key] == nil && state.entries.count >= capacity) || state.bytes + cost > capacityBytes {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.bytes += Self.push(entry, onto: &state.entries[key, default: []], depth: depth)
        }
    }

    /// Most recent first, in place (no copy of the key's list); returns the change in bytes held.
    private static func push(_ entry: Entry, onto kept: inout [Entry], depth: Int) -> Int {
        var change = entry.bytes.count * decodedFactor
        if let index = kept.firstIndex(where: { $0.bytes == entry.bytes }) {
            change -= kept.remove(at: index).bytes.count * decodedFactor
        }
        kept.insert(entry, at: 0)
        if kept.count > depth { change -= kept.removeLast().bytes.count * decodedFactor }
        return change
    }
}
