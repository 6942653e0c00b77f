import Foundation
import SageMakerStorage
import Synchronization
import Testing

@testable import SageMakerOperations

/// The decorator that holds the operations tests to the `RerunnableTransaction` contract catches a body that breaks
/// it, and lets one that keeps it through.
@Suite struct RerunningStoreTests {
    func resource(_ id: String, document: String = "{}") -> StoredResource {
        StoredResource(
            kind: .studioLifecycleConfig, scope: alice.scope, id: id, nameKey: id,
            status: ResourceKindDeclaration.configurationStatus, document: Data(document.utf8))
    }

    @Test func aBodyThatDrawsARandomValueFails() async throws {
        let seen = Mutex<[String]>([])
        let store = RerunningStore(try SQLiteResourceStore(indexer: { _, _ in .none })) { message in
            seen.withLock { $0.append(message) }
        }
        _ = try await store.transaction { tx in
            try tx.insert(resource("lcc", document: "{\"N\":\"\(UInt64.random(in: 0...UInt64.max))\"}"), limit: nil)
        }
        _ = try await store.base.insert(resource("counted"), limit: nil)
        try await store.mutate(.studioLifecycleConfig, scope: alice.scope, id: "counted") { stored in
            stored?.status = UUID().uuidString
        }
        let messages = seen.withLock { $0 }
        #expect(messages.count == 2)
        #expect(messages.allSatisfy { $0.hasPrefix("a store body ran twice and did not do the same") })
        #expect(store.agreed.value.load(ordering: .relaxed) == 0)
    }

    @Test func aBodyThatKeepsTheContractRunsTwiceAndPasses() async throws {
        let store = RerunningStore(try SQLiteResourceStore(indexer: { _, _ in .none }))
        let document = "{\"N\":\"\(UInt64.random(in: 0...UInt64.max))\"}"
        let stored = try await store.transaction { tx in try tx.insert(resource("lcc", document: document), limit: nil)
        }
        #expect(stored.id == "lcc")
        // The first run was rolled back: one row, not two attempts' worth, and its sequence is the first.
        #expect(try await store.base.contents().resources.count == 1)
        await #expect(throws: StoreConflict.self) {
            try await store.transaction { tx in try tx.insert(resource("lcc"), limit: nil) }
        }
        #expect(store.agreed.value.load(ordering: .relaxed) == 2)
        // Every operations test runs on it: a lifecycle's bodies all ran twice and agreed.
        let harness = try await Harness()
        let domainId = try await harness.createDomain("twice")
        try await harness.advance(6)  // the scheduler's mutation
        try await harness.createProfile(domainId, "alice")  // a transaction over the domain and the profile
        #expect(harness.rerunning.agreed.value.load(ordering: .relaxed) == 2)
    }
}
