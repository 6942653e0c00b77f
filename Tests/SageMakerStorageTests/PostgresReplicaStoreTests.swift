import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import Testing

@testable import SageMakerStorage

/// Two stores on one PostgreSQL database act as two replicas: what one guarantees alone holds across both.
@Suite(.enabled(if: TestPostgres.serverURL != nil, "needs SAGEMAKER_EMULATOR_TEST_DATABASE_URL (scripts/postgres)"))
struct PostgresReplicaStoreTests {
    static let scope = ResourceScope(account: "111111111111", region: "us-east-1")

    func replicas(_ count: Int = 2, _ body: ([PostgresResourceStore]) async throws -> Void) async throws {
        let url = try await TestPostgres.newDatabase()
        var stores: [PostgresResourceStore] = []
        for _ in 0..<count {
            stores.append(
                try await PostgresResourceStore.open(url: url, maximumConnections: 4, logger: TestPostgres.logger))
        }
        defer { for store in stores { store.close() } }
        try await body(stores)
    }

    func record(
        _ id: String, kind: ResourceKind = .domain, parent: String = "", status: String = "Pending"
    )
        -> StoredResource
    {
        StoredResource(
            kind: kind, scope: Self.scope, parentId: parent, id: id, nameKey: id, status: status,
            document: Data("0".utf8))
    }

    @Test func mutationsSpreadOverReplicasAreAllApplied() async throws {
        try await replicas(3) { stores in try await incrementConcurrently(stores) }
    }

    /// The path a write takes once it has lost the optimistic race a few times: the body on the row locked.
    @Test func mutationsOnTheLockedRowAreAllApplied() async throws {
        try await replicas(3) { stores in
            for store in stores { store.optimisticAttempts.store(0, ordering: .relaxed) }
            try await incrementConcurrently(stores)
        }
    }

    /// One row's writers on two replicas: optimistic until the row is raced, then in turns. Raced, the first
    /// writer (still in its body when the second wrote) runs its body again, and its replica marks the row. Once
    /// both replicas have marked it, the second writer waits for the first's write and reads what it left, so
    /// neither body runs twice. A body that throws, and a row that is not there, give the turn up.
    @Test func aRacedRowIsWrittenInTurnsAndEachBodyRunsOnce() async throws {
        try await replicas { stores in
            let scope = Self.scope
            let key = ResourceCache.Key(kind: .domain, scope: scope, id: "d-1")
            _ = try await stores[0].insert(record("d-1"), limit: nil)
            func overlap() async throws -> [String] {
                let runs = Mutex<[String]>([])
                let read: @Sendable (String, StoredResource?) -> Void = { who, record in
                    runs.withLock { $0.append("\(who) \(String(decoding: record?.document ?? Data(), as: UTF8.self))") }
                }
                let first = Task {
                    try await stores[0].mutate(.domain, scope: scope, id: "d-1") { record in
                        read("first", record)
                        Thread.sleep(forTimeInterval: 0.3)  // in its turn, holding it, if it took one
                        record?.document = Data("f".utf8)
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                try await stores[1].mutate(.domain, scope: scope, id: "d-1") { record in
                    read("second", record)
                    record?.document = Data("s".utf8)
                }
                try await first.value
                return runs.withLock { $0 }
            }
            #expect(!stores[0].contention.isContended(key))
            #expect(try await overlap() == ["first 0", "second 0", "first s"])
            #expect(stores[0].contention.isContended(key) && !stores[1].contention.isContended(key))
            stores[1].contention.raced(key)
            #expect(try await overlap() == ["first f", "second f"])
            #expect(try await stores[1].fetch(.domain, scope: scope, id: "d-1")?.revision == 5)

            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await stores[0].mutate(.domain, scope: scope, id: "d-1") { _ in throw Refused() }
            }
            for store in stores { store.contention.raced(ResourceCache.Key(kind: .domain, scope: scope, id: "d-no")) }
            try await stores[0].mutate(.domain, scope: scope, id: "d-no") { record in #expect(record == nil) }
            let started = ContinuousClock.now
            for store in stores {
                try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.document = Data("3".utf8) }
                try await store.mutate(.domain, scope: scope, id: "d-no") { _ in }
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(try await stores[0].fetch(.domain, scope: scope, id: "d-1")?.revision == 7)
        }
    }

    /// 64 increments of one row's document at once, spread over `stores`: every one applies, each to the state the
    /// previous one left.
    func incrementConcurrently(_ stores: [PostgresResourceStore]) async throws {
        let scope = Self.scope
        _ = try await stores[0].insert(record("d-1"), limit: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                let store = stores[index % stores.count]
                group.addTask {
                    try await store.mutate(.domain, scope: scope, id: "d-1") { record in
                        let value = record.flatMap { Int(String(decoding: $0.document, as: UTF8.self)) } ?? -1_000
                        record?.document = Data(String(value + 1).utf8)
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in stores {
            let final = try await store.fetch(.domain, scope: scope, id: "d-1")
            #expect(final.map { String(decoding: $0.document, as: UTF8.self) } == "64")
            #expect(final?.revision == 65)
        }
    }

    @Test func quotasAndNamesHoldAcrossReplicas() async throws {
        try await replicas { stores in
            // Twenty inserts under a limit of five, from both replicas at once: exactly five get in.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    let (store, resource) = (stores[index % 2], record("d-\(index)"))
                    group.addTask {
                        do {
                            _ = try await store.insert(resource, limit: 5)
                            return true
                        } catch StoreConflict.limitReached(let current) {
                            #expect(current == 5)
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 5)
            #expect(try await stores[1].countsByKind() == [.domain: 5])
            // One name, claimed from both replicas at once: one wins, every other is refused.
            let claims = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    var resource = record("p-\(index)", kind: .userProfile, parent: "d-x")
                    resource.nameKey = "alice"
                    let store = stores[index % 2]
                    group.addTask {
                        do {
                            _ = try await store.insert(resource, limit: nil)
                            return true
                        } catch StoreConflict.nameTaken {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(claims.filter { $0 }.count == 1)
        }
    }

    @Test func aChildNeverSlipsIntoAParentBeingDeletedOnAnotherReplica() async throws {
        try await replicas { stores in
            let scope = Self.scope
            for round in 0..<20 {
                let domainId = "d-\(round)"
                _ = try await stores[0].insert(record(domainId, status: "InService"), limit: nil)
                let child = record("\(domainId)/alice", kind: .userProfile, parent: domainId)
                async let deleted: Bool = stores[0].transaction { tx in
                    // DeleteDomain's rule: only a domain without profiles goes.
                    guard var domain = try tx.fetch(.domain, scope: scope, id: domainId),
                        try tx.list(.userProfile, scope: scope, parentId: domainId).isEmpty
                    else { return false }
                    domain.status = "Deleting"
                    try tx.update(domain)
                    return true
                }
                async let created: Bool = stores[1].transaction { tx in
                    // CreateUserProfile's rule: only into an InService domain.
                    guard try tx.fetch(.domain, scope: scope, id: domainId)?.status == "InService" else { return false }
                    try tx.insert(child, limit: nil)
                    return true
                }
                let (wasDeleted, wasCreated) = try await (deleted, created)
                #expect(wasDeleted != wasCreated, "round \(round): exactly one of the two may win")
                let domain = try await stores[1].fetch(.domain, scope: scope, id: domainId)
                let children = try await stores[0].list(
                    .userProfile, scope: scope, parentId: domainId, after: 0, limit: 10)
                #expect(!(domain?.status == "Deleting" && !children.isEmpty), "round \(round)")
            }
        }
    }

    @Test func aTransitionIsAppliedOnceWhicheverReplicaSeesItFirst() async throws {
        try await replicas(3) { stores in
            let scope = Self.scope
            var pending = record("d-1")
            pending.transition = PendingTransition(.status("InService"), dueAt: Date(timeIntervalSince1970: 10))
            _ = try await stores[0].insert(pending, limit: nil)
            // Every replica sees it due and then tries, as the scheduler does: the one that finds it still pending
            // (under the row's lock) wins.
            for store in stores {
                #expect(
                    try await store.dueTransitions(at: Date(timeIntervalSince1970: 20), limit: 10).map(\.id) == ["d-1"])
            }
            let applied = try await withThrowingTaskGroup(of: Bool.self) { group in
                for store in stores {
                    group.addTask {
                        try await store.mutate(.domain, scope: scope, id: "d-1") { record -> Bool in
                            guard record?.transition != nil else { return false }
                            record?.status = "InService"
                            record?.transition = nil
                            return true
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(applied.filter { $0 }.count == 1)
            #expect(try await stores[2].fetch(.domain, scope: scope, id: "d-1")?.revision == 2)
        }
    }

    @Test func theSecretAndTheSchemaAreSharedAndDurable() async throws {
        try await replicas(3) { stores in
            let secrets = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for store in stores { group.addTask { try await store.secret(named: "pagination") } }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(Set(secrets).count == 1)
            #expect(secrets[0].count == 32)
            #expect(try await stores[0].databaseSetting("fsync") == "on")
            #expect(try await stores[0].databaseSetting("synchronous_commit") == "on")
            #expect(try await stores[0].schemaVersion() == 5)
        }
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let url = try await TestPostgres.newDatabase()
        // Four stores opened at once on an empty database: each runs the migrations it lacks under the advisory
        // lock, so one creates the schema and the others find it (without the lock, a CREATE would fail twice).
        let stores = try await withThrowingTaskGroup(of: PostgresResourceStore.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresResourceStore.open(url: url, maximumConnections: 4, logger: TestPostgres.logger)
                }
            }
            return try await group.reduce(into: [PostgresResourceStore]()) { $0.append($1) }
        }
        defer { for store in stores { store.close() } }
        #expect(stores.count == 4)
        let versions = try await TestPostgres.execute(
            "SELECT version::text FROM schema_migrations ORDER BY version", on: url)
        #expect(versions == ["1", "2", "3", "4", "5"])
    }

    /// What the store's connections to `url`'s database say of TLS: one value per connection (`true` when encrypted).
    static func encryption(of url: String) async throws -> [String] {
        try await TestPostgres.execute(
            """
            SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            """, on: url)
    }

    @Test(.enabled(if: TestPostgres.serverCertificate != nil, "needs the TLS certificate of scripts/postgres"))
    func sslModesAreReadAsLibpqReadsThem() async throws {
        let certificate = try #require(TestPostgres.serverCertificate)
        // Encrypted, the certificate unchecked (require), checked against the server's own certificate as root, with
        // (verify-full: the URL's 127.0.0.1 is in it) and without the host (verify-ca); plain with disable.
        for (query, encrypted) in [
            ("sslmode=require", "true"), ("sslmode=prefer", "true"),
            ("sslmode=verify-ca&sslrootcert=\(certificate)", "true"),
            ("sslmode=verify-full&sslrootcert=\(certificate)", "true"), ("sslmode=disable", "false"),
        ] {
            let url = try await TestPostgres.newDatabase()
            let store = try await PostgresResourceStore.open(
                url: url + "?" + query, maximumConnections: 2, timeout: 10, logger: TestPostgres.logger)
            defer { store.close() }
            _ = try await store.insert(record("d-1"), limit: nil)
            #expect(try await store.fetch(.domain, scope: Self.scope, id: "d-1")?.id == "d-1", "\(query)")
            let connections = try await Self.encryption(of: url)
            #expect(!connections.isEmpty && connections.allSatisfy { $0 == encrypted }, "\(query): \(connections)")
        }
        // A self-signed certificate is not trusted without it as root: verify-full (and verify-ca) refuse the server,
        // at once and saying why (the timeout is far off: waiting for it would give "no answer").
        let url = try await TestPostgres.newDatabase()
        for mode in ["verify-full", "verify-ca"] {
            do {
                let store = try await PostgresResourceStore.open(
                    url: url + "?sslmode=" + mode, maximumConnections: 1, timeout: 120, logger: TestPostgres.logger)
                store.close()
                Issue.record("\(mode) accepted a certificate no root vouches for")
            } catch let error as PostgresStoreFailure {
                #expect(error.description.contains("TLS with the database failed"), "\(error)")
            }
        }
        #expect(try await Self.encryption(of: url).isEmpty)
    }

    @Test func aDatabaseThatRefusesTheConnectionFailsTheOpeningAtOnceWithItsReason() async throws {
        var components = try #require(TestPostgres.serverURL.flatMap { URLComponents(string: $0) })
        components.path = "/sm_no_such_database"
        let missing = try #require(components.string)
        do {
            let store = try await PostgresResourceStore.open(
                url: missing, maximumConnections: 1, timeout: 120, logger: TestPostgres.logger)
            store.close()
            Issue.record("a database that does not exist was opened")
        } catch let error as PostgresStoreFailure {
            #expect(
                error.description
                    == #"the database refused the connection: database "sm_no_such_database" does not exist"#)
        }
    }

    /// The test server (scripts/postgres) signs sm_password_user in with a password (SCRAM), every other role as
    /// trusted: a wrong password and a missing one fail the opening at once, the right one opens the store.
    @Test(.enabled(if: TestPostgres.signsInWithPasswords, "needs the sign-in rules of scripts/postgres"))
    func aPasswordTheDatabaseRefusesFailsTheOpeningAtOnce() async throws {
        let url = try await TestPostgres.newDatabase()
        var components = try #require(URLComponents(string: url))
        let database = String(components.path.dropFirst())
        try await TestPostgres.execute(
            """
            DO $$ BEGIN CREATE ROLE sm_password_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$
            """, on: url)
        try await TestPostgres.execute("ALTER ROLE sm_password_user PASSWORD 'the-right-one'", on: url)
        try await TestPostgres.execute("ALTER DATABASE \(database) OWNER TO sm_password_user", on: url)
        components.user = "sm_password_user"
        let refusals = [
            (
                "wrong-one",
                #"the database refused the connection: password authentication failed for user "sm_password_user""#
            ),
            (nil, "the database asks for a password, and the URL has none"),
        ]
        for (password, reason) in refusals {
            components.password = password
            let started = ContinuousClock.now
            do {
                let store = try await PostgresResourceStore.open(
                    url: try #require(components.string), maximumConnections: 1, timeout: 120,
                    logger: TestPostgres.logger)
                store.close()
                Issue.record("opened with the password \(password ?? "(none)")")
            } catch let error as PostgresStoreFailure {
                #expect(error.description == reason)
            }
            #expect(ContinuousClock.now - started < .seconds(30), "\(password ?? "(none)") waited for the time-out")
        }
        components.password = "the-right-one"
        let store = try await PostgresResourceStore.open(
            url: try #require(components.string), maximumConnections: 1, timeout: 30, logger: TestPostgres.logger)
        defer { store.close() }
        _ = try await store.insert(record("d-1"), limit: nil)
        #expect(try await store.fetch(.domain, scope: Self.scope, id: "d-1")?.id == "d-1")
    }

    /// A server without TLS (`ssl = off`) answers a client's TLS request with `N`; under sslmode=require the opening
    /// fails at once saying so. (The test server offers TLS, so a listener answers as one without it does.)
    @Test func aServerWithoutTLSFailsTheOpeningAtOnceWhenTheURLRequiresIt() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(NoTLSAnswer()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let started = ContinuousClock.now
        do {
            let store = try await PostgresResourceStore.open(
                url: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=require", maximumConnections: 1,
                timeout: 120, logger: TestPostgres.logger)
            store.close()
            Issue.record("a server without TLS was used under sslmode=require")
        } catch let error as PostgresStoreFailure {
            #expect(error.description == "the database does not offer TLS, which the URL's sslmode requires")
        }
        #expect(ContinuousClock.now - started < .seconds(30), "waited for the time-out")
    }

    /// Answers the 8 bytes of a TLS request (length 8, code 80877103) with `N`, as PostgreSQL with `ssl = off` does.
    private final class NoTLSAnswer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var request = unwrapInboundIn(data)
            guard request.readInteger(as: Int32.self) == 8, request.readInteger(as: Int32.self) == 80_877_103 else {
                context.close(promise: nil)
                return
            }
            context.writeAndFlush(NIOAny(ByteBuffer(string: "N")), promise: nil)
        }
    }

    @Test func sortedPagesWalkAPartialSortIndex() async throws {
        let url = try await TestPostgres.newDatabase()
        let store = try await PostgresResourceStore.open(url: url, maximumConnections: 2, logger: TestPostgres.logger)
        store.close()
        // The plan of every sorted page (a table this small would be scanned whole: sequential scans are ruled out so
        // that the plan shows which indexes the statement can use). Without its `<key> <> ''` condition a partial
        // sort index cannot serve it, and the plan sorts.
        let plans = try await TestPostgres.withConnection(to: url) { connection in
            try await connection.query("SET enable_seqscan = off", logger: TestPostgres.logger)
            var plans: [String: String] = [:]
            for order in [ResourceOrder.created, .modified, .name] {
                for parent in [ParentFilter.any, .exactly("d-1")] where order != .name || parent != .any {
                    let statement = PostgresRows.pageQuery(
                        ResourcePageQuery(
                            .userProfile, scope: Self.scope, parent: parent, order: order,
                            after: ResourcePosition(key: "k", sequence: 1), limit: 10))
                    var lines: [String] = []
                    for try await row in try await connection.query(
                        PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds),
                        logger: TestPostgres.logger)
                    {
                        lines.append(try row.decode(String.self))
                    }
                    plans["\(order) \(parent)"] = lines.joined(separator: "\n")
                }
            }
            return plans
        }
        #expect(plans.count == 5)
        for (page, plan) in plans {
            let walked = SQLiteResourceStore.sortIndexes.map(\.name).contains { plan.contains("using \($0) on") }
            #expect(walked && !plan.contains("Sort"), "\(page): \(plan)")
        }
    }

    @Test func aSchemaNewerThanTheEmulatorIsRefused() async throws {
        let url = try await TestPostgres.newDatabase()
        let store = try await PostgresResourceStore.open(url: url, maximumConnections: 4, logger: TestPostgres.logger)
        store.close()
        try await TestPostgres.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'from a newer emulator')", on: url)
        do {
            let reopened = try await PostgresResourceStore.open(
                url: url, maximumConnections: 4, logger: TestPostgres.logger)
            reopened.close()
            Issue.record("a schema of version 99 was accepted")
        } catch let error as PostgresStoreFailure {
            #expect(error.description.contains("version 99, newer than this emulator knows"))
        }
    }

    @Test func version2FillsInTheKeysAndReferencesOfRowsWrittenBefore() async throws {
        // (Version 4's striped counts are undone too, and keep the totals: one row per quota, as version 3 had.)
        let url = try await TestPostgres.newDatabase()
        // Rows written by a store at version 1 (no keys, no references), then the version's additions undone.
        let old = try await PostgresResourceStore.open(url: url, maximumConnections: 4, logger: TestPostgres.logger)
        for (id, created) in [("d-1", "k2"), ("d-2", "k1"), ("d-3", "k3")] {
            var resource = record(id)
            resource.document = Data(#"{"c":"\#(created)","r":["lcc-\#(id)"]}"#.utf8)
            _ = try await old.insert(resource, limit: nil)
        }
        old.close()
        for statement in [
            """
            CREATE TABLE counts_v3 AS SELECT kind, account, region, parent, SUM(count)::BIGINT AS count
            FROM resource_counts GROUP BY kind, account, region, parent
            """,
            "DROP TABLE resource_counts",
            "ALTER TABLE counts_v3 RENAME TO resource_counts",
            "DROP FUNCTION sagemaker_fetch_in_turn",
            "ALTER TABLE resource_counts ADD PRIMARY KEY (kind, account, region, parent)",
            "DROP TABLE resource_references",
            "ALTER TABLE resources DROP COLUMN created_key, DROP COLUMN modified_key, DROP COLUMN sort_name",
            "DELETE FROM schema_migrations WHERE version >= 2",
        ] {
            try await TestPostgres.execute(statement, on: url)
        }
        let store = try await PostgresResourceStore.open(
            url: url, maximumConnections: 4, indexer: StoreUnderTest.indexer, logger: TestPostgres.logger)
        defer { store.close() }
        let page = try await store.page(ResourcePageQuery(.domain, scope: Self.scope, order: .created, limit: 10))
        #expect(page.map(\.resource.id) == ["d-2", "d-1", "d-3"])
        let users = try await store.transaction { tx in try tx.referrers(to: "lcc-d-3", scope: Self.scope).map(\.id) }
        #expect(users == ["d-3"])
        // Version 4 kept each quota's total in its stripe 0, and a limit still counts it.
        #expect(try await store.countsByScope()[Self.scope] == 3)
        await #expect(throws: StoreConflict.limitReached(current: 3)) {
            _ = try await store.insert(self.record("d-4"), limit: 3)
        }
        #expect(try await store.schemaVersion() == 5)
    }

    @Test func concurrentInsertsOnThreeReplicasNeverPassALimit() async throws {
        let url = try await TestPostgres.newDatabase()
        var stores: [PostgresResourceStore] = []
        for _ in 0..<3 {
            stores.append(
                try await PostgresResourceStore.open(url: url, maximumConnections: 4, logger: TestPostgres.logger))
        }
        defer { for store in stores { store.close() } }
        do {
            let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<90 {
                    let store = stores[index % 3]
                    group.addTask {
                        do {
                            _ = try await store.insert(self.record("d-\(index)"), limit: 50)
                            return 1
                        } catch StoreConflict.limitReached {
                            return 0
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(stored == 50)
            #expect(try await stores[1].countsByScope()[Self.scope] == 50)
            let rows = try await TestPostgres.execute(
                "SELECT COUNT(*)::text FROM resource_counts WHERE kind = 'domain'", on: url)
            #expect(rows == ["16"])
        }
    }
}
