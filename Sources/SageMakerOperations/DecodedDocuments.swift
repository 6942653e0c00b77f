import AWSWire
import Foundation
import SageMakerStorage
import Synchronization

/// Remembers the decoded form of stored documents by revision, so that a state of a resource that was decoded or
/// written once is not decoded again (decoding is the largest cost of a read-modify-write and of a List page). A row's
/// sequence number with its revision names one stored state for good: the store raises the revision at every write
/// and never reuses a sequence number, not even across a reset or a restored snapshot (which insert new rows), made
/// by this replica or another. So an entry can never hand out a state other than the one stored; entries are added
/// only for states that were read or committed. Each row keeps its few most recent revisions.
final class DecodedDocuments<Shape: Decodable & WireDecodable & Sendable>: ForgettingMemo {
    private struct Entry: Sendable {
        let revision: Int64
        /// The document's size, for the bound on memory.
        let bytes: Int
        let shape: Shape
    }

    private struct State {
        var entries: [Int64: [Entry]] = [:]
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

    /// The decoded document of `record`, from memory when its revision was seen before.
    func decode(_ record: StoredResource) throws -> Shape {
        let (sequence, revision) = (record.sequence, record.revision)
        let known = state.withLock { $0.entries[sequence]?.first(where: { $0.revision == revision }) }
        if let known { return known.shape }
        let shape = try StoredDocument.decode(Shape.self, from: record.document)
        remember(shape, sequence: sequence, revision: revision, bytes: record.document.count)
        return shape
    }

    /// Keeps `shape` as the state at `revision` of the row `sequence`: a state read from the store or committed to it.
    func remember(_ shape: Shape, sequence: Int64, revision: Int64, bytes: Int) {
        let cost = bytes * Self.decodedFactor
        guard cost <= capacityBytes / 4 else { return }  // too large to be worth a place
        let entry = Entry(revision: revision, bytes: bytes, shape: shape)
        state.withLock { state in
            if (state.entries[sequence] == nil && state.entries.count >= capacity)
                || state.bytes + cost > capacityBytes
            {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.bytes += Self.push(entry, onto: &state.entries[sequence, default: []], depth: depth)
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
        if let index = kept.firstIndex(where: { $0.revision == entry.revision }) {
            change -= kept.remove(at: index).bytes * decodedFactor
        }
        kept.insert(entry, at: 0)
        if kept.count > depth { change -= kept.removeLast().bytes * decodedFactor }
        return change
    }
}

/// A memo that a reset or a restored snapshot empties.
protocol ForgettingMemo: AnyObject, Sendable {
    func removeAll()
}

/// The decoded list items of each kind (its `Details` shape, a subset of the stored document), one memo per shape, so
/// that a List page decodes only the rows that changed since an earlier page showed them. Each memo has a small
/// budget (pages people poll are a few hundred rows): with a memo per listed shape, the default one of
/// `DecodedDocuments` would let list items alone grow past the emulator's memory target at scale.
final class ListedDetails: Sendable {
    private let memos = Mutex<[ObjectIdentifier: any ForgettingMemo]>([:])
    static let capacity = 2_000
    static let capacityBytes = 8 << 20

    func memo<Details: Decodable & WireDecodable & Sendable>(_ type: Details.Type) -> DecodedDocuments<Details> {
        memos.withLock { memos in
            if let memo = memos[ObjectIdentifier(type)] {
                return unsafeDowncast(memo, to: DecodedDocuments<Details>.self)
            }
            let memo = DecodedDocuments<Details>(capacity: Self.capacity, capacityBytes: Self.capacityBytes)
            memos[ObjectIdentifier(type)] = memo
            return memo
        }
    }

    func removeAll() {
        for memo in memos.withLock({ Array($0.values) }) { memo.removeAll() }
    }
}
