import Foundation
import SageMakerStorage
import Testing

/// What every `ResourceStore` promises, written once against `some ResourceStore` and run on each implementation:
/// a second backend joins `StoreUnderTest` and is held to the same cases. PostgreSQL joins when
/// `SAGEMAKER_EMULATOR_TEST_DATABASE_URL` names a server (`scripts/test` starts one; each case gets a new database).
enum StoreUnderTest: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteInMemory
    case sqliteFile
    case postgres

    var testDescription: String { rawValue }

    static var allCases: [StoreUnderTest] {
        TestPostgres.serverURL == nil ? [.sqliteInMemory, .sqliteFile] : [.sqliteInMemory, .sqliteFile, .postgres]
    }

    /// The contract's documents are tiny JSON objects: `c`, `m` and `n` are the created, modified and name keys, `r`
    /// the references.
    static let indexer: ResourceIndexer = { _, document in
        guard let object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any] else { return .none }
        return IndexedFields(
            created: object["c"] as? String ?? "", modified: object["m"] as? String ?? "",
            name: object["n"] as? String ?? "",
            references: object["r"] as? [String] ?? [])
    }

    /// A fresh, empty store; `cleanUp` removes what it left on disk.
    func open() async throws -> (store: any ResourceStore, cleanUp: @Sendable () -> Void) {
        switch self {
        case .sqliteInMemory:
            return (try SQLiteResourceStore(indexer: Self.indexer), {})
        case .sqliteFile:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sm-contract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try SQLiteResourceStore(
                path: directory.appendingPathComponent("db.sqlite").path, indexer: Self.indexer)
            return (store, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let store = try await PostgresResourceStore.open(
                url: try await TestPostgres.newDatabase(), maximumConnections: 4, indexer: Self.indexer,
                logger: TestPostgres.logger)
            return (store, { store.close() })
        }
    }
}

@Suite struct ResourceStoreContractTests {
    struct Refused: Error {}

    static let scope = ResourceScope(account: "111111111111", region: "us-east-1")
    var scope: ResourceScope { Self.scope }

    func record(
        _ id: String, kind: ResourceKind = .domain, name: String? = nil, parent: String = "", document: String = "{}"
    ) -> StoredResource {
        StoredResource(
            kind: kind, scope: scope, parentId: parent, id: id, nameKey: name ?? id, status: "Pending",
            document: Data(document.utf8))
    }

    func run(_ backend: StoreUnderTest, _ body: (any ResourceStore) async throws -> Void) async throws {
        let (store, cleanUp) = try await backend.open()
        defer { cleanUp() }
        try await body(store)
    }

    @Test(arguments: StoreUnderTest.allCases) func insertAndFetchInTheirScope(_ backend: StoreUnderTest) async throws {
        try await run(backend) { store in try await insertAndFetch(store) }
    }

    func insertAndFetch(_ store: some ResourceStore) async throws {
        var pending = record("d-1")
        pending.transition = PendingTransition(.status("InService"), dueAt: Date(timeIntervalSince1970: 1000))
        let stored = try await store.insert(pending, limit: nil)
        #expect(stored.sequence > 0)
        #expect(stored.revision == 1)
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == stored)
        let other = ResourceScope(account: "222222222222", region: "us-east-1")
        #expect(try await store.fetch(.domain, scope: other, id: "d-1") == nil)
        #expect(try await store.dueTransitions(at: Date(timeIntervalSince1970: 999), limit: 10).isEmpty)
        #expect(try await store.dueTransitions(at: Date(timeIntervalSince1970: 1000), limit: 10).map(\.id) == ["d-1"])
        #expect(try await store.secret(named: "s") == (try await store.secret(named: "s")))
        #expect(try await store.secret(named: "s").count == 32)
    }

    @Test(arguments: StoreUnderTest.allCases) func namesAndLimitsAreCheckedAtomically(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await namesAndLimits(store) }
    }

    func namesAndLimits(_ store: some ResourceStore) async throws {
        _ = try await store.insert(record("d-1", name: "a"), limit: 2)
        await #expect(throws: StoreConflict.nameTaken) {
            _ = try await store.insert(record("d-2", name: "a"), limit: 2)
        }
        await #expect(throws: StoreConflict.nameTaken) {
            _ = try await store.insert(record("d-1", name: "z"), limit: 2)
        }
        _ = try await store.insert(record("d-3", name: "b"), limit: 2)
        await #expect(throws: StoreConflict.limitReached(current: 2)) {
            _ = try await store.insert(record("d-4", name: "c"), limit: 2)
        }
        // Removing a resource frees its place under the limit; another scope has limits of its own.
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0 = nil }
        _ = try await store.insert(record("d-4", name: "c"), limit: 2)
        let otherScope = ResourceScope(account: "222222222222", region: "us-east-1")
        _ = try await store.insert(
            StoredResource(
                kind: .domain, scope: otherScope, id: "d-9", nameKey: "a", status: "Pending", document: Data()),
            limit: 1)
    }

    @Test(arguments: StoreUnderTest.allCases) func concurrentInsertsNeverPassALimit(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await limitUnderConcurrency(store) }
    }

    /// 100 inserts at once under a limit of 40: exactly 40 are stored, whichever way the store counts (PostgreSQL
    /// counts on stripes far from the limit and exactly near it), and the count the store keeps says 40.
    func limitUnderConcurrency(_ store: some ResourceStore) async throws {
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<100 {
                group.addTask {
                    do {
                        _ = try await store.insert(record("d-\(index)"), limit: 40)
                        return true
                    } catch StoreConflict.limitReached(let current) {
                        #expect(current == 40)
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count(where: { $0 }) == 40)
        #expect(try await store.countsByScope()[scope] == 40)
        // Far from a limit too, a taken id or name is refused and counts nothing; a document's references are kept.
        await #expect(throws: StoreConflict.nameTaken) { _ = try await store.insert(record("d-0"), limit: 1000) }
        await #expect(throws: StoreConflict.nameTaken) {
            _ = try await store.insert(record("d-new", name: "d-1"), limit: 1000)
        }
        let other = ResourceScope(account: "333333333333", region: "us-east-1")
        var referring = record("d-ref", document: #"{"r":["lcc-1","lcc-2"]}"#)
        referring.scope = other
        let stored = try await store.insert(referring, limit: 1000)
        #expect(stored.revision == 1 && stored.sequence > 0)
        #expect(try await store.fetch(.domain, scope: other, id: "d-ref")?.document == referring.document)
        let referrers = try await store.transaction { tx in try tx.referrers(to: "lcc-2", scope: other).map(\.id) }
        #expect(referrers == ["d-ref"])
        #expect(try await store.countsByScope()[scope] == 40)
        #expect(try await store.countsByScope()[other] == 1)
        // A transaction that inserts two under one quota is counted whole too.
        let profiles = try await store.transaction { tx in
            for name in ["a", "b"] {
                try tx.insert(record("d-0/" + name, kind: .userProfile, parent: "d-0"), limit: 100)
            }
            return try tx.list(.userProfile, scope: scope, parent: .exactly("d-0")).count
        }
        #expect(profiles == 2)
        #expect(try await store.countsByKind()[.userProfile] == 2)
    }

    @Test(arguments: StoreUnderTest.allCases) func revisionsCountWrites(_ backend: StoreUnderTest) async throws {
        try await run(backend) { store in try await revisions(store) }
    }

    func revisions(_ store: some ResourceStore) async throws {
        _ = try await store.insert(record("d-1"), limit: nil)
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.status = "InService" }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.revision == 2)
        // A body that sets nothing writes nothing.
        try await store.mutate(.domain, scope: scope, id: "d-1") { _ in }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.revision == 2)
        let read = try #require(try await store.fetch(.domain, scope: scope, id: "d-1"))
        try await store.transaction { tx in
            var changed = try #require(try tx.fetch(.domain, scope: scope, id: "d-1"))
            changed.status = "Updating"
            try tx.update(changed)
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.revision == 3)
        // A state read before another write is stale: writing it back is refused, not applied over the newer one.
        await #expect(throws: StoreConflict.missing) {
            try await store.transaction { tx in
                var stale = read
                stale.status = "Failed"
                try tx.update(stale)
            }
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.status == "Updating")
    }

    @Test(arguments: StoreUnderTest.allCases) func eachColumnAMutationChangesIsStoredAndIndexed(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await changedColumns(store) }
    }

    /// A mutation writes only what changed (an UPDATE of the changed columns on SQLite): each column alone, and the
    /// document alone, must still reach the stored row (read back by `contents`, not a cache) and its indexes.
    func changedColumns(_ store: some ResourceStore) async throws {
        _ = try await store.insert(record("d-1", name: "a", document: #"{"c":"k1","n":"x"}"#), limit: nil)
        func stored() async throws -> StoredResource {
            try #require(try await store.contents().resources.first { $0.id == "d-1" })
        }
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.document = Data(#"{"c":"k1","n":"y"}"#.utf8) }
        #expect(try await stored().document == Data(#"{"c":"k1","n":"y"}"#.utf8))
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.nameKey = "b" }
        #expect(try await stored().nameKey == "b")
        _ = try await store.insert(record("d-2", name: "a"), limit: nil)  // the old name is free again
        await #expect(throws: StoreConflict.nameTaken) {
            _ = try await store.insert(record("d-3", name: "b"), limit: nil)
        }
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.status = "InService" }
        #expect(try await stored().status == "InService")
        let due = PendingTransition(.status("Failed"), dueAt: Date(timeIntervalSince1970: 500))
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.transition = due }
        #expect(try await stored().transition == due)
        #expect(try await store.dueTransitions(at: Date(timeIntervalSince1970: 600), limit: 10).map(\.id) == ["d-1"])
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.transition = nil }
        #expect(try await stored().transition == nil)
        #expect(try await store.dueTransitions(at: Date(timeIntervalSince1970: 600), limit: 10).isEmpty)
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.tags = Data("[]".utf8) }
        #expect(try await stored().tags == Data("[]".utf8))
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.tags = nil }
        #expect(try await stored().tags == nil)
        // A sort key changed by the document: the page by name follows it.
        func byName() async throws -> [String] {
            try await store.page(ResourcePageQuery(.domain, scope: scope, order: .name, limit: 10)).map(\.resource.id)
        }
        _ = try await store.insert(record("d-4", document: #"{"n":"m"}"#), limit: nil)
        #expect(try await byName() == ["d-4", "d-1"])  // d-2 has no name key
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.document = Data(#"{"c":"k1","n":"a"}"#.utf8) }
        #expect(try await byName() == ["d-1", "d-4"])
        #expect(try await stored().revision == 9)
    }

    @Test(arguments: StoreUnderTest.allCases) func aThrowingMutationChangesNothing(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await throwingMutation(store) }
    }

    func throwingMutation(_ store: some ResourceStore) async throws {
        _ = try await store.insert(record("d-1"), limit: nil)
        await #expect(throws: Refused.self) {
            try await store.mutate(.domain, scope: scope, id: "d-1") { record in
                record?.status = "Updating"
                throw Refused()
            }
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.status == "Pending")
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.revision == 1)
        try await store.mutate(.domain, scope: scope, id: "d-1") { $0 = nil }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
    }

    @Test(arguments: StoreUnderTest.allCases) func concurrentMutationsNeverLoseAnUpdate(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await concurrentMutations(store) }
    }

    func concurrentMutations(_ store: some ResourceStore) async throws {
        let scope = self.scope
        _ = try await store.insert(record("d-1", document: "0"), limit: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await store.mutate(.domain, scope: scope, id: "d-1") { record in
                        let value = record.flatMap { Int(String(decoding: $0.document, as: UTF8.self)) } ?? -1_000
                        record?.document = Data(String(value + 1).utf8)
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await store.fetch(.domain, scope: scope, id: "d-1")
        #expect(final.map { String(decoding: $0.document, as: UTF8.self) } == "100")
        #expect(final?.revision == 101)
    }

    @Test(arguments: StoreUnderTest.allCases) func listIsInInsertionOrderAfterASequence(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await listing(store) }
    }

    func listing(_ store: some ResourceStore) async throws {
        var sequences: [Int64] = []
        for index in 0..<5 { sequences.append(try await store.insert(record("d-\(index)"), limit: nil).sequence) }
        let page = try await store.list(.domain, scope: scope, parentId: nil, after: sequences[1], limit: 2)
        #expect(page.map(\.id) == ["d-2", "d-3"])
        _ = try await store.insert(record("d-1/a", kind: .userProfile, parent: "d-1"), limit: nil)
        _ = try await store.insert(record("d-2/a", kind: .userProfile, parent: "d-2"), limit: nil)
        #expect(
            try await store.list(.userProfile, scope: scope, parentId: "d-2", after: 0, limit: 10).map(\.id) == [
                "d-2/a"
            ])
    }

    @Test(arguments: StoreUnderTest.allCases) func aTransactionThatThrowsWritesNothing(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await throwingTransaction(store) }
    }

    func throwingTransaction(_ store: some ResourceStore) async throws {
        let (domain, profile) = (record("d-1", kind: .domain), record("d-1/alice", kind: .userProfile, parent: "d-1"))
        await #expect(throws: Refused.self) {
            try await store.transaction { tx in
                try tx.insert(domain, limit: nil)
                try tx.insert(profile, limit: nil)
                throw Refused()
            }
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
        #expect(try await store.list(.userProfile, scope: scope, parentId: "d-1", after: 0, limit: 10).isEmpty)
    }

    @Test(arguments: StoreUnderTest.allCases) func writesOfATransactionAreSeenByLaterReads(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await transactionWrites(store) }
    }

    func transactionWrites(_ store: some ResourceStore) async throws {
        let scope = self.scope
        let (bob, carol) = (
            record("d-1/bob", kind: .userProfile, parent: "d-1"), record("d-1/carol", kind: .userProfile, parent: "d-1")
        )
        let domain = try await store.insert(record("d-1", kind: .domain), limit: nil)
        _ = try await store.fetch(.domain, scope: scope, id: "d-1")  // a store may cache it
        try await store.transaction { tx in
            var changed = try #require(try tx.fetch(.domain, scope: scope, id: "d-1"))
            changed.status = "Deleting"
            try tx.update(changed)
            try tx.insert(bob, limit: 1)
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1")?.status == "Deleting")
        await #expect(throws: StoreConflict.limitReached(current: 1)) {
            try await store.transaction { tx in try tx.insert(carol, limit: 1) }
        }
        try await store.transaction { tx in
            try tx.remove(try #require(try tx.fetch(.domain, scope: scope, id: domain.id)))
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
        // A name freed in a transaction can be taken again in it (a Deleted app replaced by a new one).
        let replacement = record("d-1/bob-2", kind: .userProfile, name: "d-1/bob", parent: "d-1")
        let inserted = try await store.transaction { tx in
            try tx.remove(try #require(try tx.fetch(.userProfile, scope: scope, id: "d-1/bob")))
            return try tx.insert(replacement, limit: 1)
        }
        #expect(try await store.list(.userProfile, scope: scope, parentId: "d-1", after: 0, limit: 10) == [inserted])
    }

    @Test(arguments: StoreUnderTest.allCases) func countersStartOnceAndNeverRepeat(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await counters(store) }
    }

    func counters(_ store: some ResourceStore) async throws {
        let scope = self.scope
        let values = try await store.transaction { tx in
            try (0..<3).map { _ in try tx.nextCounterValue("uid/d-1", scope: scope, start: 200_001) }
        }
        #expect(values == [200_001, 200_002, 200_003])
        let other = try await store.transaction { tx in try tx.nextCounterValue("uid/d-2", scope: scope, start: 200_001)
        }
        #expect(other == 200_001)
    }

    @Test(arguments: StoreUnderTest.allCases) func removeAllTakesOneAccountOrEverything(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await removal(store) }
    }

    func removal(_ store: some ResourceStore) async throws {
        let other = ResourceScope(account: "222222222222", region: "us-east-1")
        let otherRegion = ResourceScope(account: scope.account, region: "eu-west-1")
        let scope = self.scope
        _ = try await store.insert(record("d-1"), limit: nil)
        _ = try await store.insert(record("d-1/p", kind: .userProfile, parent: "d-1"), limit: nil)
        var elsewhere = record("d-2")
        elsewhere.scope = other
        _ = try await store.insert(elsewhere, limit: nil)
        var inRegion = record("d-3")
        inRegion.scope = otherRegion
        _ = try await store.insert(inRegion, limit: nil)
        _ = try await store.transaction { tx in try tx.nextCounterValue("uid/d-1", scope: scope, start: 10) }
        #expect(try await store.countsByKind() == [.domain: 3, .userProfile: 1])
        #expect(try await store.countsByScope() == [scope: 2, other: 1, otherRegion: 1])
        _ = try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.status = "InService" }
        #expect(
            Set(try await store.countsByStatus().map { "\($0.kind.rawValue) \($0.status) \($0.count)" })
                == ["domain Pending 2", "domain InService 1", "user-profile Pending 1"])
        // A fetch fills the cache: removal must not leave it answering.
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") != nil)

        #expect(try await store.removeAll(account: scope.account, region: "us-east-1") == 2)
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == nil)
        #expect(try await store.fetch(.domain, scope: otherRegion, id: "d-3") != nil)
        #expect(try await store.countsByKind() == [.domain: 2])
        // The counter went with its scope: it starts again.
        #expect(try await store.transaction { tx in try tx.nextCounterValue("uid/d-1", scope: scope, start: 10) } == 10)
        // The limit reads the maintained count, which went too.
        _ = try await store.insert(record("d-4"), limit: 1)

        #expect(try await store.removeAll(account: nil, region: nil) == 3)
        #expect(try await store.countsByKind() == [:])
        #expect(try await store.contents() == StoreContents(resources: [], counters: []))
    }

    @Test(arguments: StoreUnderTest.allCases) func contentsRestoreWholeAndInOrder(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await restoring(store) }
    }

    func restoring(_ store: some ResourceStore) async throws {
        let scope = self.scope
        var pending = record("d-1", document: #"{"DomainId":"d-1"}"#)
        pending.transition = PendingTransition(.status("InService"), dueAt: Date(timeIntervalSince1970: 1000))
        pending.tags = Data(#"[{"Key":"a","Value":"b"}]"#.utf8)
        _ = try await store.insert(pending, limit: nil)
        _ = try await store.insert(record("d-0"), limit: nil)
        _ = try await store.insert(record("d-1/p", kind: .userProfile, parent: "d-1"), limit: nil)
        _ = try await store.mutate(.domain, scope: scope, id: "d-0") { $0?.status = "InService" }
        _ = try await store.transaction { tx in try tx.nextCounterValue("uid/d-1", scope: scope, start: 10) }
        let saved = try await store.contents()
        #expect(saved.resources.map(\.id) == ["d-1", "d-0", "d-1/p"])
        #expect(saved.counters == [StoredCounter(scope: scope, name: "uid/d-1", value: 10)])

        _ = try await store.removeAll(account: nil, region: nil)
        _ = try await store.insert(record("d-9"), limit: nil)
        try await store.replaceAll(with: saved)
        let restored = try await store.contents()
        #expect(restored.resources.map(\.id) == ["d-1", "d-0", "d-1/p"])
        // Restored rows start again at revision 1 under sequence numbers never used before (a reset never makes a
        // (sequence, revision) pair name a second state: the memo of decoded documents relies on it).
        let usedBefore = try #require(saved.resources.map(\.sequence).max())
        #expect(restored.resources.allSatisfy { $0.sequence > usedBefore + 1 })
        #expect(restored.counters == saved.counters)
        for (old, new) in zip(saved.resources, restored.resources) {
            #expect(new.kind == old.kind && new.scope == old.scope && new.parentId == old.parentId)
            #expect(new.nameKey == old.nameKey && new.status == old.status && new.transition == old.transition)
            #expect(new.document == old.document && new.tags == old.tags)
            #expect(new.revision == 1)
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-9") == nil)
        #expect(try await store.countsByKind() == [.domain: 2, .userProfile: 1])
        #expect(try await store.dueTransitions(at: Date(timeIntervalSince1970: 1000), limit: 10).map(\.id) == ["d-1"])
        #expect(try await store.transaction { tx in try tx.nextCounterValue("uid/d-1", scope: scope, start: 10) } == 11)

        // A snapshot that names one resource twice is refused whole.
        var twice = saved
        twice.resources.append(saved.resources[0])
        await #expect(throws: StoreConflict.nameTaken) { try await store.replaceAll(with: twice) }
        #expect(try await store.contents().resources.count == 3)
    }

    @Test(arguments: StoreUnderTest.allCases) func pagesSortByEveryKeyAndResumeAfterTheirLastPosition(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await sortedPages(store) }
    }

    func sortedPages(_ store: some ResourceStore) async throws {
        // 30 profiles under three domains, keys with ties (so that the sequence breaks them), inserted out of order.
        // Every sixth has no name key: a resource without a key for an order is not in that order's pages.
        var generator = SystemRandomNumberGenerator()
        var stored: [StoredResource] = []
        for index in (0..<30).shuffled(using: &generator) {
            let name = index % 6 == 5 ? "" : #","n":"n\#(index % 5)""#
            let document = #"{"c":"k\#(index % 7)","m":"m\#((index * 11) % 13)"\#(name)}"#
            stored.append(
                try await store.insert(
                    record(
                        "d-\(index % 3)/p\(index)", kind: .userProfile, parent: "d-\(index % 3)", document: document),
                    limit: nil))
        }
        // A write moves a resource in the orders of the keys it changes, in each path a write can take (the second
        // leaves the name order: its new document has no name key).
        try await store.mutate(.userProfile, scope: scope, id: stored[0].id) { resource in
            resource?.document = Data(#"{"c":"k9","m":"m99","n":"n0"}"#.utf8)
        }
        let second = try #require(stored.dropFirst().first { !Self.fieldsOf($0).name.isEmpty })
        try await store.transaction { tx in
            var changed = try #require(try tx.fetch(.userProfile, scope: second.scope, id: second.id))
            changed.document = Data(#"{"c":"k0","m":"m00"}"#.utf8)
            try tx.update(changed)
        }
        let current = try await store.list(.userProfile, scope: scope, parentId: nil, after: 0, limit: 100)
        let fields = Dictionary(uniqueKeysWithValues: current.map { ($0.id, Self.fieldsOf($0)) })
        for order in [ResourceOrder.insertion, .created, .modified, .name] {
            for descending in [false, true] {
                for parent in [ParentFilter.any, .exactly("d-1"), .prefix("d-2"), .exactly("d-9")] {
                    func key(_ resource: StoredResource) -> String {
                        let indexed = fields[resource.id] ?? .none
                        return switch order {
                        case .insertion: ""
                        case .created: indexed.created
                        case .modified: indexed.modified
                        case .name: indexed.name
                        }
                    }
                    var expected = current.filter {
                        parent.matches($0.parentId) && (order == .insertion || !key($0).isEmpty)
                    }.sorted { a, b in
                        key(a) != key(b) ? key(a) < key(b) : a.sequence < b.sequence
                    }
                    if descending { expected.reverse() }
                    var seen: [String] = []
                    var after: ResourcePosition?
                    while true {
                        let page = try await store.page(
                            ResourcePageQuery(
                                .userProfile, scope: scope, parent: parent, order: order, descending: descending,
                                after: after, limit: 4))
                        seen += page.map(\.resource.id)
                        for listed in page { #expect(listed.position.key == key(listed.resource)) }
                        guard page.count == 4, let last = page.last else { break }
                        after = last.position
                    }
                    #expect(seen == expected.map(\.id), "\(order) descending \(descending) \(parent)")
                }
            }
        }
        // Other scopes and kinds stay out.
        let elsewhere = ResourceScope(account: "222222222222", region: "us-east-1")
        #expect(try await store.page(ResourcePageQuery(.userProfile, scope: elsewhere, limit: 10)).isEmpty)
        #expect(try await store.page(ResourcePageQuery(.space, scope: scope, order: .created, limit: 10)).isEmpty)
    }

    static func fieldsOf(_ resource: StoredResource) -> IndexedFields {
        StoreUnderTest.indexer(resource.kind, resource.document)
    }

    @Test(arguments: StoreUnderTest.allCases) func referrersAreFoundByIndexAndFollowEveryWrite(
        _ backend: StoreUnderTest
    ) async throws {
        try await run(backend) { store in try await referrers(store) }
    }

    func referrers(_ store: some ResourceStore) async throws {
        let scope = self.scope
        func ids(_ target: String) async throws -> [String] {
            try await store.transaction { tx in try tx.referrers(to: target, scope: scope).map(\.id) }
        }
        _ = try await store.insert(record("d-a", document: #"{"r":["x"]}"#), limit: nil)
        _ = try await store.insert(record("d-b", document: #"{"r":["x","y"]}"#), limit: nil)
        _ = try await store.insert(record("d-c", document: "{}"), limit: nil)
        var elsewhere = record("d-z", document: #"{"r":["x"]}"#)
        elsewhere.scope = ResourceScope(account: "222222222222", region: "us-east-1")
        _ = try await store.insert(elsewhere, limit: nil)
        #expect(try await ids("x") == ["d-a", "d-b"])
        #expect(try await ids("y") == ["d-b"])
        // A mutation that drops a reference, and one that adds one.
        try await store.mutate(.domain, scope: scope, id: "d-b") { $0?.document = Data(#"{"r":["y"]}"#.utf8) }
        try await store.mutate(.domain, scope: scope, id: "d-c") { $0?.document = Data(#"{"r":["x"]}"#.utf8) }
        #expect(try await ids("x") == ["d-a", "d-c"])
        // Inside a transaction, its own writes count: a removal, an update and an insert.
        let seen = try await store.transaction { tx in
            try tx.remove(try #require(try tx.fetch(.domain, scope: scope, id: "d-a")))
            var changed = try #require(try tx.fetch(.domain, scope: scope, id: "d-b"))
            changed.document = Data(#"{"r":["x","y"]}"#.utf8)
            try tx.update(changed)
            try tx.insert(self.record("d-d", document: #"{"r":["x"]}"#), limit: nil)
            return try tx.referrers(to: "x", scope: scope).map(\.id)
        }
        #expect(seen == ["d-b", "d-c", "d-d"])
        #expect(try await ids("x") == ["d-b", "d-c", "d-d"])
        // A removal outside a transaction, and a replacement of everything.
        try await store.mutate(.domain, scope: scope, id: "d-c") { $0 = nil }
        #expect(try await ids("x") == ["d-b", "d-d"])
        let contents = try await store.contents()
        try await store.replaceAll(with: contents)
        #expect(try await ids("x") == ["d-b", "d-d"])
        #expect(try await ids("y") == ["d-b"])
        _ = try await store.removeAll(account: nil, region: nil)
        #expect(try await ids("x").isEmpty)
    }
}
