import Foundation
import SageMakerStorage
import Testing

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
        StoredResource(kind: .domain, scope: scope, id: id, nameKey: name ?? id, status: "Pending", document: Data(document.utf8))
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
            #expect(try await reopened.fetch(.domain, scope: ResourceScope(account: "222222222222", region: "us-east-1"), id: "d-1") == nil)
            #expect(try await reopened.secret(named: "s") == (try await reopened.secret(named: "s")))
            #expect(try await reopened.dueTransitions(at: Date(timeIntervalSince1970: 999), limit: 10).isEmpty)
            #expect(try await reopened.dueTransitions(at: Date(timeIntervalSince1970: 1000), limit: 10).map(\.id) == ["d-1"])
        }
    }

    @Test func namesAndLimitsAreCheckedAtomically() async throws {
        try await withFileStore { store, _ in
            _ = try await store.insert(resource("d-1", name: "a"), limit: 2)
            await #expect(throws: StoreConflict.nameTaken) { _ = try await store.insert(resource("d-2", name: "a"), limit: 2) }
            _ = try await store.insert(resource("d-3", name: "b"), limit: 2)
            await #expect(throws: StoreConflict.limitReached(current: 2)) { _ = try await store.insert(resource("d-4", name: "c"), limit: 2) }
            // Removing a resource frees its place under the limit.
            try await store.mutate(.domain, scope: scope, id: "d-1") { $0 = nil }
            _ = try await store.insert(resource("d-4", name: "c"), limit: 2)
            let otherScope = ResourceScope(account: "222222222222", region: "us-east-1")
            _ = try await store.insert(
                StoredResource(kind: .domain, scope: otherScope, id: "d-9", nameKey: "a", status: "Pending", document: Data()),
                limit: 1)
        }
    }

    @Test func aThrowingMutationChangesNothing() async throws {
        struct Refused: Error {}
        try await withFileStore { store, _ in
            _ = try await store.insert(resource("d-1"), limit: nil)
            await #expect(throws: Refused.self) {
                try await store.mutate(.domain, scope: scope, id: "d-1") { record in
                    record?.status = "Updating"
                    throw Refused()
                }
            }
            #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.status == "Pending")
            try await store.mutate(.domain, scope: scope, id: "d-1") { $0 = nil }
            #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
        }
    }

    @Test func concurrentMutationsNeverLoseAnUpdate() async throws {
        try await withFileStore { store, _ in
            _ = try await store.insert(resource("d-1", document: "0"), limit: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await store.mutate(.domain, scope: scope, id: "d-1") { record in
                            let value = Int(String(decoding: record!.document, as: UTF8.self))!
                            record!.document = Data(String(value + 1).utf8)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await store.fetch(.domain, scope: scope, id: "d-1")
            #expect(final.map { String(decoding: $0.document, as: UTF8.self) } == "100")
        }
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

    @Test func listIsInInsertionOrderAfterASequence() async throws {
        try await withFileStore { store, _ in
            var sequences: [Int64] = []
            for index in 0..<5 { sequences.append(try await store.insert(resource("d-\(index)"), limit: nil).sequence) }
            let page = try await store.list(.domain, scope: scope, parentId: nil, after: sequences[1], limit: 2)
            #expect(page.map(\.id) == ["d-2", "d-3"])
        }
    }
}

@Suite struct StoreTransactionTests {
    let scope = ResourceScope(account: "111111111111", region: "us-east-1")

    func record(_ kind: ResourceKind, _ id: String, parent: String = "") -> StoredResource {
        StoredResource(kind: kind, scope: scope, parentId: parent, id: id, nameKey: id, status: "InService", document: Data("{}".utf8))
    }

    @Test func aTransactionThatThrowsWritesNothing() async throws {
        let store = try SQLiteResourceStore()
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.transaction { tx in
                try tx.insert(record(.domain, "d-1"), limit: nil)
                try tx.insert(record(.userProfile, "d-1/alice", parent: "d-1"), limit: nil)
                throw Refused()
            }
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
        #expect(try await store.list(.userProfile, scope: scope, parentId: "d-1", after: 0, limit: 10).isEmpty)
    }

    @Test func writesOfATransactionAreSeenByLaterReadsAndTheCache() async throws {
        let store = try SQLiteResourceStore()
        let domain = try await store.insert(record(.domain, "d-1"), limit: nil)
        _ = try await store.fetch(.domain, scope: scope, id: "d-1")  // cached
        try await store.transaction { tx in
            var changed = try tx.fetch(.domain, scope: scope, id: "d-1")!
            changed.status = "Deleting"
            try tx.update(changed)
            try tx.insert(record(.userProfile, "d-1/bob", parent: "d-1"), limit: 1)
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.status == "Deleting")
        await #expect(throws: StoreConflict.limitReached(current: 1)) {
            try await store.transaction { tx in try tx.insert(record(.userProfile, "d-1/carol", parent: "d-1"), limit: 1) }
        }
        try await store.transaction { tx in try tx.remove(try tx.fetch(.domain, scope: scope, id: domain.id)!) }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
    }

    @Test func countersStartOnceAndNeverRepeat() async throws {
        let store = try SQLiteResourceStore()
        let values = try await store.transaction { tx in
            try (0..<3).map { _ in try tx.nextCounterValue("uid/d-1", scope: scope, start: 200_001) }
        }
        #expect(values == [200_001, 200_002, 200_003])
        let other = try await store.transaction { tx in try tx.nextCounterValue("uid/d-2", scope: scope, start: 200_001) }
        #expect(other == 200_001)
    }
}
