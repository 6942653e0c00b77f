import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// Sorted, paged listings whose pages neither skip nor repeat a resource: each page resumes strictly after the
/// (sort key, insertion sequence) of the last one sent, which the NextToken carries. The store sorts and pages (an
/// index walk from that position); the operations decode only the rows of the page, and filter them.
enum SortedListing {
    /// A sort key for a time: fixed width, so that keys compare as the times do.
    static func key(_ date: Date?) -> String {
        String(format: "%020.3f", date?.timeIntervalSince1970 ?? 0)
    }

    /// The cursor a NextToken carries: `<sequence>:<key>`.
    static func cursor(_ position: ResourcePosition) -> String { "\(position.sequence):\(position.key)" }

    static func position(_ cursor: String) -> ResourcePosition? {
        guard let colon = cursor.firstIndex(of: ":"), let sequence = Int64(cursor[..<colon]) else { return nil }
        return ResourcePosition(key: String(cursor[cursor.index(after: colon)...]), sequence: sequence)
    }

    /// The most rows read from the store at once while a filter leaves a page short.
    static let batch = 200
}

extension SageMakerService {
    /// One page of a listing of `kind` (of the parents `parent` passes): rows in the store's `order`, resumed after
    /// the NextToken's position, each decoded as `Details` (a subset of its Describe shape, under the same names) and
    /// kept when `include` says so.
    func listSorted<Details: Decodable & WireDecodable & Sendable>(
        _ kind: ResourceKind, parent: ParentFilter, as type: Details.Type, listing: String, nextToken: String?,
        maxResults: Int?, order: ResourceOrder, descending: Bool, context: OperationContext,
        include: (Details, StoredResource) -> Bool = { _, _ in true }
    ) async throws -> (items: [Details], nextToken: String?) {
        var position = try cursor(nextToken, listing: listing, context: context).flatMap(SortedListing.position)
        let size = Self.pageSize(maxResults)
        var items: [(Details, ResourcePosition)] = []
        var limit = size + 1
        let memo = listed.memo(Details.self)
        while items.count <= size {
            let rows = try await store.page(
                ResourcePageQuery(
                    kind, scope: context.scope, parent: parent, order: order, descending: descending, after: position,
                    limit: limit))
            for row in rows where items.count <= size {
                let details = try memo.decode(row.resource)
                if include(details, row.resource) { items.append((details, row.position)) }
            }
            guard rows.count == limit, let last = rows.last else { break }
            position = last.position
            limit = max(limit, SortedListing.batch)
        }
        let page = items.prefix(size)
        let next = items.count > size ? page.last.map { SortedListing.cursor($0.1) } : nil
        return (page.map(\.0), token(next, listing: listing, context: context))
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
