import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The store for several replicas: one PostgreSQL database that every `serve` process shares. No cache: every read
/// goes to the database, so a write acknowledged by one replica is what the next read on any replica sees.
///
/// Transactions run on one pooled connection at READ COMMITTED. A resource a transaction fetches is read `FOR UPDATE`,
/// so two transactions that touch the same resource (a CreateUserProfile and the DeleteDomain of its domain) apply
/// one after the other, on any replica. A change of one resource (`mutate`) is optimistic: a conditional UPDATE at
/// the revision read, run again on the new state when another write got in between. Quotas lock the scope's count
/// row; names are held by unique indexes. See `PostgresTransaction` for how a synchronous body reads from an
/// asynchronous database.
public final class PostgresResourceStore: ResourceStore, Service {
    let pool: PostgresConnectionPool
    let logger: Logger
    /// The largest document (with its tags) a resource may be stored with.
    public let maxDocumentBytes: Int
    /// Told of every committed transaction that wrote (the metrics' commit counts and durations).
    let commitObserver: CommitObserver?
    /// Computes the sort keys and references stored beside each document.
    let indexer: ResourceIndexer
    /// Seconds a request's use of a connection may take before the connection is given up (`--database-timeout`).
    let answerTimeout: Double
    /// Optimistic writes of one row take turns.
    private let turns = KeyedTurns<ResourceCache.Key>()

    /// Connects to `url` (`postgres://user:password@host:port/database`), runs the migrations it lacks, and returns
    /// the store. The pool opens `maximumConnections` connections and keeps them. A database that cannot be reached (or
    /// migrated) within `timeout` seconds is a `PostgresStoreFailure`; one that refuses the connection (no such
    /// database, authentication, TLS) is one at once, with the reason.
    public static func open(
        url: String, maxDocumentBytes: Int = SQLiteResourceStore.defaultMaxDocumentBytes, maximumConnections: Int = 16,
        timeout: Double = 30, commitObserver: CommitObserver? = nil,
        indexer: @escaping ResourceIndexer = { _, _ in .none },
        eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup, logger: Logger
    ) async throws -> PostgresResourceStore {
        let location = try PostgresLocation(url: url)
        // Every connection is opened at start and kept, with no keep-alive query and no idle timer (performance.md
        // step 25: postgres-nio's pool held about 200 MB of cancelled timers at a few thousand queries per second);
        // a connection the server closes is opened again (PostgresConnectionPool).
        let store = PostgresResourceStore(
            pool: PostgresConnectionPool(
                size: maximumConnections, timeout: timeout, configuration: location.connectionConfiguration,
                eventLoopGroup: eventLoopGroup, logger: logger),
            maxDocumentBytes: maxDocumentBytes, commitObserver: commitObserver, indexer: indexer,
            answerTimeout: timeout,
            logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await location.waitForAnswer(logger: logger)
                    store.pool.start()
                    try await PostgresMigrations.migrate(store.pool, indexer: indexer, logger: logger)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    throw PostgresStoreFailure(
                        description: "no answer from the database within \(timeout) s (is it running and reachable?)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            store.close()
            throw error
        }
        return store
    }

    private init(
        pool: PostgresConnectionPool, maxDocumentBytes: Int, commitObserver: CommitObserver?,
        indexer: @escaping ResourceIndexer, answerTimeout: Double, logger: Logger
    ) {
        self.pool = pool
        self.indexer = indexer
        self.answerTimeout = answerTimeout
        self.maxDocumentBytes = maxDocumentBytes
        self.commitObserver = commitObserver
        self.logger = logger
    }

    /// Closes the pool's connections; the store answers nothing afterwards.
    public func close() {
        pool.close()
    }

    /// Runs until the service group shuts down, then closes the pool.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }

    /// A server setting as the store's connections have it (`fsync`, `synchronous_commit`), for the durability tests.
    public func databaseSetting(_ name: String) async throws -> String? {
        try await withConnection { connection in
            for try await value in try await connection.query("SELECT current_setting(\(name))", logger: self.logger)
                .decode(String.self)
            {
                return value
            }
            return nil
        }
    }

    /// The newest migration applied to the database.
    public func schemaVersion() async throws -> Int {
        try await withConnection { connection in
            for try await version in try await connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: self.logger
            ).decode(Int.self) {
                return version
            }
            return 0
        }
    }

    /// `pool.withConnection`, bounded by `answerTimeout`: a connection that has not answered by then (lost without
    /// its socket closing, as when a network drops packets silently) is closed, so that the pool opens a new one,
    /// and the call fails then instead of when the kernel gives up on the socket (many minutes). The deadline is a
    /// timer of the connection's event loop, cancelled as soon as the body ends (performance.md step 25). Around it,
    /// `AnswerByDeadline` answers the call 250 ms after the deadline whatever is still waiting (a request once hung
    /// past a minute while its database restarted under load). Bulk work (`contents`, `replaceAll`, `removeAll`) is
    /// not bounded.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let timeout = answerTimeout
        // One budget for the wait for a connection and for its answer; the call answers by it whatever happens.
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        let pool = self.pool
        return try await AnswerByDeadline.run(
            by: deadline + .milliseconds(250), on: pool.eventLoopGroup.any(), timeout: timeout
        ) {
            try await Self.use(pool, until: deadline, timeout: timeout, body)
        }
    }

    /// A connection of `pool` for `body`, closed if it has not answered by `deadline`.
    private static func use<T: Sendable>(
        _ pool: PostgresConnectionPool, until deadline: ContinuousClock.Instant, timeout: Double,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await pool.withConnection(until: deadline) { connection in
            let expired = ExpiryFlag()
            let remaining = max(deadline - .now, .milliseconds(1))
            let timer = connection.eventLoop.scheduleTask(
                in: .nanoseconds(PostgresConnectionPool.nanoseconds(remaining))
            ) {
                expired.set()
                _ = connection.close() as EventLoopFuture<Void>  // the query waiting on it fails at once
            }
            defer { timer.cancel() }
            do {
                return try await body(connection)
            } catch {
                guard expired.isSet else { throw error }
                throw PostgresStoreUnavailable(
                    description: "no answer from the database within \(timeout) s; its connection was closed")
            }
        }
    }

    // MARK: - Reads outside transactions

    public func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) async throws -> StoredResource? {
        try await withConnection { connection in
            try await PostgresRows.fetch(connection, kind, scope, id, lock: false, logger: self.logger)
        }
    }

    public func page(_ query: ResourcePageQuery) async throws -> [ListedResource] {
        try await withConnection { connection in
            try await PostgresRows.page(connection, query, logger: self.logger)
        }
    }

    public func dueTransitions(at date: Date, limit: Int) async throws -> [StoredResource] {
        // Every replica polls; the one whose `mutate` finds the transition still pending (under the row's lock)
        // applies it, so each applies exactly once, whichever replica is up.
        let query: PostgresQuery = """
            SELECT \(unescaped: PostgresRows.columns) FROM resources
            WHERE due_at IS NOT NULL AND due_at <= \(date.timeIntervalSince1970) ORDER BY due_at LIMIT \(limit)
            """
        return try await withConnection { connection in
            try await PostgresRows.resources(connection.query(query, logger: self.logger))
        }
    }

    public func secret(named name: String) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let candidate = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        // The first replica to ask creates it; every other one reads that same value. A statement that lost the
        // race to another replica's insert sees neither row (its snapshot predates that commit): it asks again.
        for _ in 0..<3 {
            let found = try await withConnection { connection -> [UInt8]? in
                let rows = try await connection.query(
                    try """
                    WITH created AS (
                        INSERT INTO secrets (name, value) VALUES (\(name), \(candidate)) ON CONFLICT (name) DO NOTHING
                        RETURNING value)
                    SELECT value FROM created UNION ALL SELECT value FROM secrets WHERE name = \(name)
                    """, logger: self.logger)
                for try await value in rows.decode(Data.self) { return Array(value) }
                return nil
            }
            if let found { return found }
        }
        throw PostgresStoreFailure(description: "the secret \(name) was neither created nor found")
    }

    public func countsByScope() async throws -> [ResourceScope: Int] {
        try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT account, region, SUM(count)::BIGINT FROM resource_counts GROUP BY account, region
                HAVING SUM(count) > 0
                """, logger: self.logger)
            var counts: [ResourceScope: Int] = [:]
            for try await (account, region, count) in rows.decode((String, String, Int).self) {
                counts[ResourceScope(account: account, region: region)] = count
            }
            return counts
        }
    }

    public func countsByKind() async throws -> [ResourceKind: Int] {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT kind, SUM(count)::BIGINT FROM resource_counts GROUP BY kind HAVING SUM(count) > 0",
                logger: self.logger)
            var counts: [ResourceKind: Int] = [:]
            for try await (kind, count) in rows.decode((String, Int).self) {
                if let kind = ResourceKind(rawValue: kind) { counts[kind] = count }
            }
            return counts
        }
    }

    public func countsByStatus() async throws -> [ResourceStatusCount] {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT kind, status, COUNT(*) FROM resources GROUP BY kind, status", logger: self.logger)
            var counts: [ResourceStatusCount] = []
            for try await (kind, status, count) in rows.decode((String, String, Int).self) {
                if let kind = ResourceKind(rawValue: kind) {
                    counts.append(ResourceStatusCount(kind: kind, status: status, count: count))
                }
            }
            return counts
        }
    }

    public func contents() async throws -> StoreContents {
        try await pool.withConnection { connection in
            // One snapshot for both tables.
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let resources = try await PostgresRows.resources(
                    connection.query(
                        "SELECT \(unescaped: PostgresRows.columns) FROM resources ORDER BY seq", logger: logger))
                var counters: [StoredCounter] = []
                let rows = try await connection.query(
                    "SELECT account, region, name, value FROM counters ORDER BY account, region, name", logger: logger)
                for try await (account, region, name, value) in rows.decode((String, String, String, Int).self) {
                    counters.append(
                        StoredCounter(scope: ResourceScope(account: account, region: region), name: name, value: value))
                }
                try await connection.query("COMMIT", logger: logger)
                return StoreContents(resources: resources, counters: counters)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    // MARK: - Writes

    public func insert(_ resource: StoredResource, limit: Int?) async throws -> StoredResource {
        if let limit, limit > PostgresTransaction.stripes * PostgresTransaction.fastInserts,
            let stored = try await insertOnAStripe(resource, limit: limit)
        {
            return stored
        }
        return try await transaction { tx in try tx.insert(resource, limit: limit) }
    }

    /// One insert under a limit far from reached, in four statements instead of a transaction's eleven: BEGIN; a
    /// free stripe of the quota's count locked, with the row's sequence number (`PostgresRows.TakeStripe`); one
    /// statement that reads the count and inserts the row unless its name or id is taken or the count is too near
    /// the limit, with its references and the stripe's increment (`PostgresRows.InsertOnStripe`); COMMIT. Both are
    /// prepared on each connection. The same rule as `PostgresTransaction.readCount`: the count is read after the
    /// stripe is held (a new statement, a new snapshot). Nil when it cannot decide (no free stripe, the stripes not
    /// made yet, the count near the limit, a conflict worth a retry): the transaction path then counts exactly.
    private func insertOnAStripe(_ resource: StoredResource, limit: Int) async throws -> StoredResource? {
        try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
        let fields = indexer(resource.kind, resource.document)
        let margin = PostgresTransaction.stripes * PostgresTransaction.fastInserts
        let started = ContinuousClock.now
        return try await withConnection { connection -> StoredResource? in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                var held: (stripe: Int, sequence: Int64)?
                for try await row in try await connection.execute(
                    PostgresRows.TakeStripe(resource: resource), logger: self.logger)
                {
                    held = row
                }
                guard let held else {
                    try await connection.query("ROLLBACK", logger: self.logger)
                    return nil
                }
                var outcome: (total: Int, sequence: Int64?) = (limit, nil)
                let statement = PostgresRows.InsertOnStripe(
                    resource: resource, fields: fields, sequence: held.sequence, stripe: held.stripe, margin: margin,
                    limit: limit)
                for try await row in try await connection.execute(statement, logger: self.logger) { outcome = row }
                guard let sequence = outcome.sequence else {
                    try await connection.query("ROLLBACK", logger: self.logger)
                    // Near the limit: counted exactly by the transaction path. Otherwise the name or id is taken.
                    if outcome.total + margin >= limit { return nil }
                    throw StoreConflict.nameTaken
                }
                try await connection.query("COMMIT", logger: self.logger)
                self.commitObserver?(1, ContinuousClock.now - started)
                var stored = resource
                stored.sequence = sequence
                stored.revision = 1
                stored.hasChanges = false
                return stored
            } catch let error as StoreConflict {
                throw error
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                if PostgresTransaction.isWorthRetrying(error) { return nil }
                throw error
            }
        }
    }

    public func mutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        // Writes of one row through this replica take turns (`KeyedTurns`, as on SQLite). Across replicas, a write
        // is optimistic (`optimisticMutate`: the row read, the body run, one conditional UPDATE at the revision read)
        // until the row has been raced by another replica's write; for a while after that race its writes take
        // turns in the database too (`mutateInTurn`), so that they queue instead of racing again. One replica alone
        // never races itself and pays nothing for the turns (performance.md step 44). A removal or a change of
        // references (several statements) runs in a transaction on the row locked, as does a write that keeps
        // losing.
        let key = ResourceCache.Key(kind: kind, scope: scope, id: id)
        return try await turns.withTurn(key) {
            for _ in 0..<optimisticAttempts.load(ordering: .relaxed) {
                let outcome =
                    contention.isContended(key)
                    ? try await mutateInTurn(kind, scope: scope, id: id, body)
                    : try await optimisticMutate(kind, scope: scope, id: id, body)
                switch outcome {
                case .done(let result): return result
                case .changed:
                    contention.raced(key)
                    continue
                case .needsTransaction: break
                }
                break
            }
            return try await lockedMutate(kind, scope: scope, id: id, body)
        }
    }

    /// Tries of `mutateInTurn` or `optimisticMutate` before the body runs on the locked row (tests set 0 to take
    /// that path at once).
    let optimisticAttempts = Atomic<Int>(4)

    /// The rows raced lately, whose writes take turns (tests mark a row to take that path at once).
    let contention = RowContention()

    private enum OptimisticOutcome<T: Sendable>: Sendable {
        case done(T)
        /// The row changed between the read and the write (another replica's write, or one that takes no turn).
        case changed
        /// The write is more than one statement.
        case needsTransaction
    }

    private func optimisticMutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> OptimisticOutcome<T> {
        let (indexer, maxDocumentBytes, logger) = (self.indexer, self.maxDocumentBytes, self.logger)
        return try await withConnection { connection in
            let before = try await PostgresRows.fetch(connection, kind, scope, id, lock: false, logger: logger)
            var after = before
            let result = try body(&after)
            guard let before else { return .done(result) }  // mutate never inserts
            guard var after else { return .needsTransaction }  // a removal also changes the counts
            if !after.hasChanges { return .done(result) }
            let indexed = IndexedWrite(indexer, before, after)
            if indexed.referencesChange { return .needsTransaction }
            try StoreConflict.checkSize(after, limit: maxDocumentBytes)
            after.revision = before.revision
            after = after.written()
            let started = ContinuousClock.now
            let update = PostgresRows.Update(before: before, after: after, fields: indexed.fields)
            guard try await PostgresRows.Update.run(update, on: connection, logger: logger) else { return .changed }
            self.commitObserver?(1, ContinuousClock.now - started)
            return .done(result)
        }
    }

    /// The body in the row's turn among its writers on every replica: one statement waits for the turn and reads
    /// the row as the last write left it (`PostgresRows.FetchInTurn`), one writes it if it is still at that revision
    /// and gives the turn up (`PostgresRows.UpdateInTurn`). Two round trips and no transaction, as
    /// `optimisticMutate`; the turn is not held across a commit (the next writer's read waits for it on the row),
    /// and a writer that takes no turn (a transaction, the scheduler, a replica that has not seen the row raced) is
    /// caught by the revision.
    private func mutateInTurn<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> OptimisticOutcome<T> {
        let (indexer, maxDocumentBytes, logger) = (self.indexer, self.maxDocumentBytes, self.logger)
        let key = PostgresRows.ResourceKey(kind: kind, scope: scope, id: id)
        let turn = Self.turn(of: key)
        return try await withConnection { connection in
            var before: StoredResource?
            for try await row in try await connection.execute(
                PostgresRows.FetchInTurn(key: key, turn: turn), logger: logger)
            {
                before = row
            }
            // Until the write has run, the turn is ours to give up, whatever happens (a closed connection gives it
            // up too).
            var holding = true
            do {
                var after = before
                let result = try body(&after)
                var outcome = OptimisticOutcome<T>.done(result)
                if let before, var changed = after, changed.hasChanges {
                    let indexed = IndexedWrite(indexer, before, changed)
                    if indexed.referencesChange {
                        outcome = .needsTransaction
                    } else {
                        try StoreConflict.checkSize(changed, limit: maxDocumentBytes)
                        changed.revision = before.revision
                        changed = changed.written()
                        let started = ContinuousClock.now
                        let update = PostgresRows.UpdateInTurn(
                            update: .init(before: before, after: changed, fields: indexed.fields), turn: turn)
                        let written = try await PostgresRows.UpdateInTurn.run(update, on: connection, logger: logger)
                        holding = false
                        guard written else { return .changed }
                        self.commitObserver?(1, ContinuousClock.now - started)
                    }
                } else if before != nil, after == nil {
                    outcome = .needsTransaction  // a removal also changes the counts
                }
                if holding {
                    holding = false
                    try await Self.leaveTurn(turn, on: connection, logger: logger)
                }
                return outcome
            } catch {
                if holding {
                    // A turn never given up would stop the row's writes on every replica: the connection goes.
                    do { try await Self.leaveTurn(turn, on: connection, logger: logger) } catch {
                        try? await connection.close()
                    }
                }
                throw error
            }
        }
    }

    private static func leaveTurn(_ turn: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_unlock(\(turn))", logger: logger)
    }

    /// The key of one row's turn: FNV-1a of its kind, scope and id (two rows that share it only queue together).
    static func turn(of key: PostgresRows.ResourceKey) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in [key.kind.rawValue, key.scope.account, key.scope.region, key.id] {
            for byte in part.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            hash = (hash ^ 0) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// The body on the row locked, in a transaction.
    private func lockedMutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        try await transaction { tx in
            let before = try tx.fetch(kind, scope: scope, id: id)
            var after = before
            let result = try body(&after)
            guard let before else { return result }  // mutate never inserts
            if let after {
                if after.hasChanges { try tx.update(after) }
            } else {
                try tx.remove(before)
            }
            return result
        }
    }

    public func transaction<T: Sendable>(
        _ body: @escaping RerunnableTransaction<T>
    ) async throws -> T {
        var attempt = 0
        var exactCounts = false
        while true {
            attempt += 1
            do {
                return try await withConnection { [exactCounts] connection in
                    try await PostgresTransaction.run(
                        body, on: connection, maxDocumentBytes: self.maxDocumentBytes, indexer: self.indexer,
                        observer: self.commitObserver, exactCounts: exactCounts, logger: self.logger)
                }
            } catch let error where PostgresTransaction.isWorthRetrying(error) {
                if error is PostgresTransaction.ExactCountNeeded { exactCounts = true }
                // Another replica's write got in between (a unique name, a changed row, a deadlock): run it again on
                // the state that write left.
                if attempt >= PostgresTransaction.attempts { throw PostgresTransaction.conflict(for: error) }
                try await Task.sleep(nanoseconds: UInt64(attempt) * 1_000_000)
            }
        }
    }

    public func removeAll(account: String?, region: String?) async throws -> Int {
        var filter = ""
        var scopeBinds = PostgresBindings()
        if let account {
            scopeBinds.append(account)
            filter = " WHERE account = $1"
            if let region {
                scopeBinds.append(region)
                filter += " AND region = $2"
            }
        }
        let (statements, binds) = (filter, scopeBinds)
        return try await inPlainTransaction { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM resources" + statements + " RETURNING 1", binds: binds),
                logger: self.logger)
            var removed = 0
            for try await _ in rows { removed += 1 }
            try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM resource_counts" + statements, binds: binds), logger: self.logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM counters" + statements, binds: binds), logger: self.logger)
            return removed
        }
    }

    public func replaceAll(with contents: StoreContents) async throws {
        for resource in contents.resources { try StoreConflict.checkSize(resource, limit: maxDocumentBytes) }
        do {
            try await replace(with: contents)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreConflict.nameTaken  // two resources with one id or name: nothing was replaced
        }
    }

    private func replace(with contents: StoreContents) async throws {
        try await inPlainTransaction { connection in
            try await connection.query("DELETE FROM resources", logger: self.logger)
            try await connection.query("DELETE FROM resource_counts", logger: self.logger)
            try await connection.query("DELETE FROM counters", logger: self.logger)
            for resource in contents.resources {
                var stored = resource
                stored.sequence = try await PostgresRows.nextSequences(connection, 1, logger: self.logger)[0]
                try await PostgresRows.insert(
                    connection, stored, self.indexer(stored.kind, stored.document), logger: self.logger)
            }
            try await connection.query(
                """
                INSERT INTO resource_counts (kind, account, region, parent, count)
                SELECT kind, account, region, parent, COUNT(*) FROM resources GROUP BY kind, account, region, parent
                """, logger: self.logger)
            for counter in contents.counters {
                try await connection.query(
                    """
                    INSERT INTO counters (account, region, name, value)
                    VALUES (\(counter.scope.account), \(counter.scope.region), \(counter.name), \(counter.value))
                    """, logger: self.logger)
            }
        }
    }

    /// Runs `body` between BEGIN and COMMIT on one connection (ROLLBACK when it throws).
    private func inPlainTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await pool.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

/// Set once by a connection's deadline, read by the request that used the connection.
private final class ExpiryFlag: Sendable {
    private let expired = Mutex(false)

    var isSet: Bool { expired.withLock { $0 } }

    func set() { expired.withLock { $0 = true } }
}

/// A failure of the PostgreSQL store that is not a conflict of the contract (a broken invariant, a bad URL).
public struct PostgresStoreFailure: Error, CustomStringConvertible {
    public let description: String
}

/// The rows whose writes raced another replica's within `window`: `PostgresResourceStore.mutate` writes them in turns.
/// A race marks a row; its mark lapses `window` after the last race (written in turns, a row races no more, so a
/// row still in demand races once again after that and is marked anew).
final class RowContention: Sendable {
    static let window: Duration = .seconds(30)
    /// Marks kept at most; the oldest go first.
    static let capacity = 4_096

    private let raced = Mutex<[ResourceCache.Key: ContinuousClock.Instant]>([:])

    func isContended(_ key: ResourceCache.Key) -> Bool {
        raced.withLock { raced in
            guard let last = raced[key] else { return false }
            if ContinuousClock.now - last < Self.window { return true }
            raced[key] = nil
            return false
        }
    }

    func raced(_ key: ResourceCache.Key) {
        let now = ContinuousClock.now
        raced.withLock { raced in
            raced[key] = now
            if raced.count > Self.capacity {
                raced = raced.filter { now - $0.value < Self.window }
                while raced.count > Self.capacity, let oldest = raced.min(by: { $0.value < $1.value }) {
                    raced[oldest.key] = nil
                }
            }
        }
    }
}
