import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// What the store keeps beside each document (`IndexedFields`): the sort keys of the List operations and the
/// resources a document refers to. The store calls `indexer` on every write, so lists page by walking an index and
/// "who uses this lifecycle configuration" is an index lookup, never a decode of every row.
public enum ResourceIndexing {
    /// The indexer every store that serves `SageMakerService` must be opened with.
    public static let indexer: ResourceIndexer = { kind, document in
        (try? fields(kind, document)) ?? .none
    }

    /// The reference a document holds to an image (`IndexedFields.references`).
    static func imageReference(_ name: String) -> String { "image:" + name }

    /// A kind's fields are its declaration's (`ResourceKindDeclaration.index`).
    static func fields(_ kind: ResourceKind, _ document: Data) throws -> IndexedFields {
        try ResourceKindDeclaration.of(kind).index(document)
    }

    static func keys(
        _ created: Date?, _ modified: Date?, name: String? = nil, references: [String] = []
    )
        -> IndexedFields
    {
        IndexedFields(
            created: SortedListing.key(created), modified: modified.map(SortedListing.key) ?? "", name: name ?? "",
            references: references)
    }

    /// The sort key of an image version's number: fixed width, so that keys compare as the numbers do.
    static func versionKey(_ version: Int?) -> String { String(format: "%010d", version ?? 0) }

    /// The lifecycle configurations (ARNs) and images (`image:<name>`) a document's settings name. A document that
    /// names neither (most of them) is recognised without decoding it.
    static func references<Shape: Decodable & WireDecodable & ReferenceCollecting>(
        _ document: Data, as shape: Shape.Type
    )
        throws -> [String]
    {
        guard document.containsBytes(lifecycleConfigMarker) || document.containsBytes(imageNameMarker) else {
            return []
        }
        var references = ShapeReferences()
        try StoredDocument.decode(Shape.self, from: document).collectReferences(into: &references)
        let images = references.customImages.map(\.imageName)
        return (references.lifecycleConfigArns.sorted() + Set(images).sorted().map(imageReference))
    }

    // Markers that start with a byte JSON holds seldom (not a quote or a colon), so that the scan compares little.
    static let lifecycleConfigMarker = Data("-lifecycle-config/".utf8)
    static let imageNameMarker = Data("ImageName\"".utf8)
}

extension Data {
    /// Whether `needle` occurs in these bytes. `Data.range(of:)` showed as 4.6% of UpdateDomain's CPU in a profile
    /// (called four times per update on ~1 KB documents), a byte loop as 1.7%.
    func containsBytes(_ needle: Data) -> Bool {
        withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let first = pattern.first else { return true }
                guard haystack.count >= pattern.count, let base = haystack.baseAddress, let wanted = pattern.baseAddress
                else { return false }
                // memchr finds the first byte many bytes at a time; the markers' first bytes are rare in JSON.
                let end = base + (haystack.count - pattern.count + 1)
                var cursor = base
                while cursor < end, let found = memchr(cursor, Int32(first), end - cursor) {
                    if memcmp(found, wanted, pattern.count) == 0 { return true }
                    cursor = UnsafeRawPointer(found) + 1
                }
                return false
            }
        }
    }
}
