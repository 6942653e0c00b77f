import Foundation
import GRDB
import Testing

@testable import SageMakerStorage

/// What the SQLite store adds to the contract (`ResourceStoreContractTests`): what it wrote is there after a reopen.
@Suite struct SQLiteResourceStoreTests {
    let scope = ResourceScope(account: "111111111111", region: "us-east-1")

    func withFileStore(_ body: (SQLiteResourceStore, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sm-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        try await body(try SQLiteResourceStore(path: path), path)
    }

    func resource(_ id: String, name: String? = nil, document: String = "{}") -> StoredResource {
        StoredResource(
            kind: .domain, scope: scope, id: id, nameKey: name ?? id, status: "Pending", document: Data(document.utf8))
    }

    @Test func insertFetchAndReopen() async throws {
        try await withFileStore { store, path in
            let transition = PendingTransition(.status("InService"), dueAt: Date(timeIntervalSince1970: 1000))
            var record = resource("d-1")
            record.transition = transition
            let stored = try await store.insert(record, limit: nil)
            #expect(stored.sequence > 0)
            let reopened = try SQLiteResourceStore(path: path)
            let fetched = try await reopened.fetch(.domain, scope: scope, id: "d-1")
            #expect(fetched == stored)
            #expect(
                try await reopened.fetch(
                    .domain, scope: ResourceScope(account: "222222222222", region: "us-east-1"), id: "d-1") == nil)
            #expect(try await reopened.secret(named: "s") == (try await reopened.secret(named: "s")))
            #expect(try await reopened.dueTransitions(at: Date(timeIntervalSince1970: 999), limit: 10).isEmpty)
            #expect(
                try await reopened.dueTransitions(at: Date(timeIntervalSince1970: 1000), limit: 10).map(\.id) == ["d-1"]
            )
        }
    }

    @Test func migrationV8FillsInTheKeysAndReferencesOfRowsWrittenBefore() async throws {
        try await withFileStore { store, path in
            // Rows written before v8 (no keys, no references): written, then v8's additions undone.
            for (id, created) in [("d-1", "k2"), ("d-2", "k1"), ("d-3", "k3")] {
                _ = try await store.insert(
                    resource(id, document: #"{"c":"\#(created)","r":["lcc-\#(id)"]}"#), limit: nil)
            }
            let database = try DatabaseQueue(path: path)
            try await database.write { db in
                for index in ["created", "created_in_parent", "modified", "modified_in_parent", "name_in_parent"] {
                    try db.execute(sql: "DROP INDEX resources_by_\(index)")
                }
                try db.execute(
                    sql: """
                        DROP TABLE resource_references;
                        ALTER TABLE resources DROP COLUMN created_key;
                        ALTER TABLE resources DROP COLUMN modified_key;
                        ALTER TABLE resources DROP COLUMN sort_name;
                        DELETE FROM grdb_migrations
                        WHERE identifier IN ('v8-sort-keys-and-references', 'v9-partial-sort-indexes');
                        """)
            }
            try database.close()
            let reopened = try SQLiteResourceStore(path: path, indexer: StoreUnderTest.indexer)
            let page = try await reopened.page(ResourcePageQuery(.domain, scope: scope, order: .created, limit: 10))
            #expect(page.map(\.resource.id) == ["d-2", "d-1", "d-3"])
            let scope = self.scope
            let users = try await reopened.transaction { tx in try tx.referrers(to: "lcc-d-3", scope: scope).map(\.id) }
            #expect(users == ["d-3"])
        }
    }

    @Test func sortedPagesWalkAnIndexThatHoldsOnlyRowsWithTheirKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sm-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let store = try SQLiteResourceStore(path: path, indexer: StoreUnderTest.indexer)
        // 200 domains without keys (as ListDomains' are), 50 profiles with every key.
        for index in 0..<200 { _ = try await store.insert(resource("d-\(index)"), limit: nil) }
        for index in 0..<50 {
            var profile = resource(
                "d-\(index % 5)/p\(index)", document: #"{"c":"k\#(index)","m":"m\#(index)","n":"n\#(index)"}"#)
            profile.kind = .userProfile
            profile.parentId = "d-\(index % 5)"
            _ = try await store.insert(profile, limit: nil)
        }
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        try await database.read { db in
            for index in SQLiteResourceStore.sortIndexes {
                let entries = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM resources INDEXED BY \(index.name) WHERE \(index.key) <> ''")
                #expect(entries == 50, "\(index.name) holds the 50 profiles, not the domains")
            }
            for order in [ResourceOrder.created, .modified, .name] {
                for parent in [ParentFilter.any, .exactly("d-1"), .prefix("d-1")] {
                    for after in [nil, ResourcePosition(key: "k1", sequence: 3)] {
                        let query = ResourcePageQuery(
                            .userProfile, scope: scope, parent: parent, order: order, descending: after == nil,
                            after: after,
                            limit: 10)
                        let (sql, arguments) = SQLiteResourceStore.pageStatement(query)
                        let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                            .map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
                        let walked = SQLiteResourceStore.sortIndexes.map(\.name).contains {
                            plan.contains("INDEX \($0) ")
                        }
                        #expect(walked, "\(order) \(parent): \(plan)")
                        if case .prefix = parent { continue }  // parents in a range: sorted after the walk
                        // Name order is only asked within one parent (top-level kinds have the parent "").
                        if order == .name, parent == .any { continue }
                        #expect(!plan.contains("TEMP B-TREE"), "\(order) \(parent): \(plan)")
                    }
                }
            }
        }
    }

    /// Page SQL is written once per shape: every shape (48: 4 orders, 3 parent filters, with or without a position,
    /// either direction) has its own text.
    @Test func everyPageShapeHasItsOwnSQLText() {
        let shapes = SQLiteResourceStore.PageShape.all
        #expect(shapes.count == 48)
        #expect(SQLiteResourceStore.pageSQL.count == shapes.count)
        for shape in shapes {
            #expect(SQLiteResourceStore.pageSQL[shape] == shape.sql)
        }
        #expect(Set(SQLiteResourceStore.pageSQL.values).count == shapes.count)
    }

    @Test func aFailingWriteInAGroupCommitLeavesTheOthersCommitted() async throws {
        struct Refused: Error {}
        try await withFileStore { store, path in
            for index in 0..<40 { _ = try await store.insert(resource("d-\(index)"), limit: nil) }
            let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            try await store.mutate(.domain, scope: scope, id: "d-\(index)") { record in
                                record?.status = "InService"
                                if index % 2 == 0 { throw Refused() }
                            }
                            return false
                        } catch is Refused {
                            return true
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 20)
            let reopened = try SQLiteResourceStore(path: path)
            for index in 0..<40 {
                let status = try await reopened.fetch(.domain, scope: scope, id: "d-\(index)")?.status
                #expect(status == (index % 2 == 0 ? "Pending" : "InService"))
            }
        }
    }
}
