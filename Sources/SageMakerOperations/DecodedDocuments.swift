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

    private let entries = Mutex<[String: [Entry]]>([:])
    private let capacity: Int
    /// Documents kept per key.
    private let depth = 4

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    static func key(_ scope: ResourceScope, _ id: String) -> String {
        scope.account + "/" + scope.region + "/" + id
    }

    func decode(_ bytes: Data, key: String) throws -> Shape {
        let known = entries.withLock { $0[key] }
        if let entry = known?.first(where: { $0.bytes == bytes }) { return entry.shape }
        let shape = try StoredDocument.decode(Shape.self, from: bytes)
        remember(bytes, shape, key: key)
        return shape
    }

    func remember(_ bytes: Data, _ shape: Shape, key: String) {
        let entry = Entry(bytes: bytes, shape: shape)
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            Self.push(entry, onto: &entries[key, default: []], depth: depth)
        }
    }

    /// Most recent first, in place (no copy of the key's list).
    private static func push(_ entry: Entry, onto kept: inout [Entry], depth: Int) {
        if let index = kept.firstIndex(where: { $0.bytes == entry.bytes }) { kept.remove(at: index) }
        kept.insert(entry, at: 0)
        if kept.count > depth { kept.removeLast() }
    }
}
