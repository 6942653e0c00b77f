import Foundation
import GRDB
import Testing

@testable import SageMakerStorage

/// The read-only connections behind a file store's reads of one statement (fetch by id, a page).
@Suite struct ReaderConnectionsTests {
    let scope = ResourceScope(account: "111111111111", region: "us-east-1")

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sm-readers-\(UUID().uuidString)").path
    }

    @Test func eachConnectionServesOneReadAtATimeAndWritesNothing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteResourceStore(directory: DataDirectory(path: directory))
        let readers = try ReaderConnections(path: directory + "/sagemaker.sqlite", count: 1)
        let nested = try readers.read { db -> Int? in
            // The only connection is taken: a read meanwhile is told to go elsewhere.
            #expect(try readers.read { _ in 1 } == nil)
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "DELETE FROM resources")
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources")
        }
        #expect(nested == 0)
        // Given back: the next read has it.
        #expect(try readers.read { _ in 2 } == 2)
        _ = store
    }

    @Test func aPageReadRightAfterACommitShowsIt() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteResourceStore(directory: DataDirectory(path: directory))
        for index in 0..<50 {
            let id = "d-\(index)"
            _ = try await store.insert(
                StoredResource(
                    kind: .domain, scope: scope, id: id, nameKey: id, status: "InService", document: Data("{}".utf8)),
                limit: nil)
            // Pages are never cached: each read goes through a reader connection, after the commit.
            let page = try await store.page(ResourcePageQuery(.domain, scope: scope, limit: 100))
            #expect(page.count == index + 1 && page.last?.resource.id == id)
        }
    }
}
