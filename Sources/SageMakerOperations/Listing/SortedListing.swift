import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// Sorted, paged listings whose pages neither skip nor repeat a resource: each page resumes strictly after the
/// (sort key, insertion sequence) of the last one sent, which the NextToken carries.
enum SortedListing {
    struct Entry<Item> {
        let item: Item
        let key: String
        let sequence: Int64
    }

    /// A sort key for a time: fixed width, so that keys compare as the times do.
    static func key(_ date: Date?) -> String {
        String(format: "%020.3f", date?.timeIntervalSince1970 ?? 0)
    }

    static func page<Item>(
        _ entries: [Entry<Item>], descending: Bool, after cursor: String?, size: Int
    ) -> (items: [Item], cursor: String?) {
        func precedes(_ a: (String, Int64), _ b: (String, Int64)) -> Bool { a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
        var sorted = entries.sorted { precedes(($0.key, $0.sequence), ($1.key, $1.sequence)) }
        if descending { sorted.reverse() }
        if let cursor, let colon = cursor.firstIndex(of: ":"), let sequence = Int64(cursor[..<colon]) {
            let last = (String(cursor[cursor.index(after: colon)...]), sequence)
            sorted.removeAll { entry in
                let position = (entry.key, entry.sequence)
                return descending ? !precedes(position, last) : !precedes(last, position)
            }
        }
        let page = sorted.prefix(size)
        let next = sorted.count > size ? page.last.map { "\($0.sequence):\($0.key)" } : nil
        return (page.map(\.item), next)
    }
}

extension SageMakerService {
    /// One page of a listing of `kind` (under `parentId`, when given): each stored document decoded as `Details`
    /// (a subset of its Describe shape, under the same names), filtered, sorted by `sortKey`, resumed after the
    /// NextToken's position.
    func listSorted<Details: Decodable & WireDecodable>(
        _ kind: ResourceKind, parentId: String?, as type: Details.Type, listing: String, nextToken: String?,
        maxResults: Int?, descending: Bool, context: OperationContext,
        sortKey: (Details) -> String, include: (Details, StoredResource) -> Bool = { _, _ in true }
    ) async throws -> (items: [Details], nextToken: String?) {
        let after = try cursor(nextToken, listing: listing, context: context)
        let rows = try await store.list(kind, scope: context.scope, parentId: parentId, after: 0, limit: Int.max)
        var entries: [SortedListing.Entry<Details>] = []
        for row in rows {
            let details = try StoredDocument.decode(Details.self, from: row.document)
            if include(details, row) {
                entries.append(SortedListing.Entry(item: details, key: sortKey(details), sequence: row.sequence))
            }
        }
        let page = SortedListing.page(
            entries, descending: descending, after: after, size: Self.pageSize(maxResults))
        return (page.items, token(page.cursor, listing: listing, context: context))
    }
}

extension SageMakerService {
    /// The page size of a List request: MaxResults, else the default of 10.
    static func pageSize(_ maxResults: Int?) -> Int { maxResults ?? 10 }

    /// The cursor of a NextToken of `listing`, or nil on a first page.
    func cursor(_ token: String?, listing: String, context: OperationContext) throws -> String? {
        try token.map { try pageTokens.cursor(from: $0, listing: listing, scope: context.scope) }
    }

    func token(_ cursor: String?, listing: String, context: OperationContext) -> String? {
        cursor.map { pageTokens.token(listing: listing, scope: context.scope, cursor: $0) }
    }
}
