import Foundation
import SageMakerStorage
import Synchronization

/// Remembers the decoded form of stored documents, so that a document that has not changed since it was last
/// decoded or written is not decoded again (Foundation's decoder is the largest cost of a read-modify-write).
/// An entry answers only for byte-identical documents, so it can never hand out a state other than the one stored.
final class DecodedDocuments<Shape: Decodable & Sendable>: Sendable {
    private struct Entry: Sendable {
        let bytes: Data
        let shape: Shape
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    static func key(_ scope: ResourceScope, _ id: String) -> String {
        scope.account + "/" + scope.region + "/" + id
    }

    func decode(_ bytes: Data, key: String) throws -> Shape {
        if let entry = entries.withLock({ $0[key] }), entry.bytes == bytes { return entry.shape }
        let shape = try StoredDocument.decode(Shape.self, from: bytes)
        remember(bytes, shape, key: key)
        return shape
    }

    func remember(_ bytes: Data, _ shape: Shape, key: String) {
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(bytes: bytes, shape: shape)
        }
    }
}
