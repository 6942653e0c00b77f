import Foundation
import Logging
import PostgresNIO

/// One `ResourceStore.transaction` on PostgreSQL.
///
/// The body is synchronous (the operations' rules are plain code over `ResourceTransaction`) and the database is not,
/// so the body runs against what this transaction has read so far. When it asks for something not read yet (a
/// resource, a list, whether a name is free, a count, a counter), the call throws; the store reads it inside the same
/// database transaction (a fetched resource `FOR UPDATE`, a count row locked) and runs the body again from the start.
/// A body reads a handful of things, so it runs a few times; only its last run's writes are sent, in order, before
/// COMMIT. Nothing blocks a thread on the database, and the rows the body's decisions rest on are locked until COMMIT.
final class PostgresTransaction: ResourceTransaction, @unchecked Sendable {
    // Used by one task at a time: the store's `run`, between its awaits.

    struct RowKey: Hashable {
        var kind: ResourceKind
        var scope: ResourceScope
        var id: String
        init(_ kind: ResourceKind, _ scope: ResourceScope, _ id: String) {
            (self.kind, self.scope, self.id) = (kind, scope, id)
        }
        init(_ resource: StoredResource) { self.init(resource.kind, resource.scope, resource.id) }
    }

    struct ListKey: Hashable {
        var kind: ResourceKind
        var scope: ResourceScope
        var parent: ParentFilter
    }

    struct ReferenceKey: Hashable {
        var target: String
        var scope: ResourceScope
    }

    struct NameKey: Hashable {
        var kind: ResourceKind
        var scope: ResourceScope
        var parent: String
        var nameKey: String
        var id: String
    }

    struct CountKey: Hashable {
        var kind: ResourceKind
        var scope: ResourceScope
        var parent: String
        init(_ resource: StoredResource) { (kind, scope, parent) = (resource.kind, resource.scope, resource.parentId) }
    }

    struct CounterKey: Hashable {
        var scope: ResourceScope
        var name: String
    }

    /// Something the body asked for that has not been read.
    enum Read: Hashable {
        case row(RowKey)
        case list(ListKey)
        case referrers(ReferenceKey)
        case name(NameKey)
        case count(CountKey, limit: Int)
        case counter(CounterKey, start: Int)
        case sequences(Int)
    }

    enum Write {
        case insert(StoredResource)
        case update(before: StoredResource, after: StoredResource)
        case remove(StoredResource)
    }

    /// Thrown by a read of something not read yet; the store reads it and runs the body again.
    struct Unread: Error {}

    /// A conditional write that found the row changed (read by a list, without a lock): the transaction runs again.
    struct StaleRow: Error {}

    /// A run inserted more than `fastInserts` resources under a count read on a stripe: the transaction runs again,
    /// reading every count exactly.
    struct ExactCountNeeded: Error {}

    /// Each quota's count is kept in this many rows (`resource_counts.stripe`); the total is their sum.
    static let stripes = 16
    /// How many resources a transaction may insert under one count it read on a stripe.
    static let fastInserts = 1

    let maxDocumentBytes: Int
    let indexer: ResourceIndexer

    // What the database transaction has read (kept across the body's runs).
    private var rows: [RowKey: StoredResource?] = [:]
    private var listed: [RowKey: StoredResource] = [:]
    private var lists: [ListKey: [StoredResource]] = [:]
    private var referring: [ReferenceKey: [StoredResource]] = [:]
    /// The rows that held a name or id when it was checked.
    private var names: [NameKey: [StoredResource]] = [:]
    private var counts: [CountKey: Int] = [:]
    /// The stripe of each count read on one stripe (the others were read exactly, every stripe locked).
    private var countStripes: [CountKey: Int] = [:]
    /// Every count is read exactly (after `ExactCountNeeded`).
    let exactCounts: Bool
    private var counters: [CounterKey: Int] = [:]
    private var sequences: [Int64] = []

    // What the current run of the body did.
    private(set) var unread: Set<Read> = []
    private(set) var writes: [Write] = []
    private var written: [RowKey: StoredResource?] = [:]
    private var inserted: [RowKey] = []
    private var countChanges: [CountKey: Int] = [:]
    private var counterValues: [CounterKey: Int] = [:]
    private var usedSequences = 0

    init(maxDocumentBytes: Int, indexer: @escaping ResourceIndexer, exactCounts: Bool = false) {
        self.maxDocumentBytes = maxDocumentBytes
        self.indexer = indexer
        self.exactCounts = exactCounts
    }

    /// Runs the body until it has read everything it asks for, then sends its writes and commits.
    static func run<T: Sendable>(
        _ body: @Sendable (any ResourceTransaction) throws -> T, on connection: PostgresConnection,
        maxDocumentBytes: Int, indexer: @escaping ResourceIndexer, observer: CommitObserver?, exactCounts: Bool = false,
        logger: Logger
    ) async throws -> T {
        let started = ContinuousClock.now
        try await connection.query("BEGIN", logger: logger)
        do {
            let transaction = PostgresTransaction(
                maxDocumentBytes: maxDocumentBytes, indexer: indexer, exactCounts: exactCounts)
            var outcome: Result<T, any Error>
            var runs = 0
            while true {
                transaction.startRun()
                outcome = Result { try body(transaction) }
                // A body that caught an `Unread` still ran on a partial view: only a run that read everything counts.
                if transaction.unread.isEmpty { break }
                runs += 1
                if runs > 256 {
                    throw PostgresStoreFailure(description: "a transaction kept asking for rows it had not read")
                }
                try await transaction.read(transaction.unread, on: connection, logger: logger)
            }
            let result = try outcome.get()
            try await transaction.send(on: connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            if let observer, !transaction.writes.isEmpty {
                observer(transaction.writes.count, ContinuousClock.now - started)
            }
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    static let attempts = 32

    /// A failure that another transaction's write caused, which a new attempt resolves.
    static func isWorthRetrying(_ error: any Error) -> Bool {
        if error is StaleRow || error is ExactCountNeeded { return true }
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        // serialization_failure, deadlock_detected, unique_violation (a name taken since it was checked).
        return ["40001", "40P01", "23505"].contains(state)
    }

    /// What a conflict that outlasted every attempt means to the caller.
    static func conflict(for error: any Error) -> any Error {
        if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" { return StoreConflict.nameTaken }
        if error is StaleRow { return StoreConflict.missing }
        return error
    }

    private func startRun() {
        unread = []
        writes = []
        written = [:]
        inserted = []
        countChanges = [:]
        counterValues = [:]
        usedSequences = 0
    }

    private func missing(_ read: Read) -> Unread {
        unread.insert(read)
        return Unread()
    }

    /// The resource as this run sees it: written by the run, else read (fetched, then listed); nil when unknown.
    private func known(_ key: RowKey) -> StoredResource?? {
        if let state = written[key] { return .some(state) }
        if let state = rows[key] { return .some(state) }
        if let state = listed[key] { return .some(state) }
        return nil
    }

    // MARK: - ResourceTransaction

    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) throws -> StoredResource? {
        let key = RowKey(kind, scope, id)
        if let state = written[key] { return state }
        if let state = rows[key] { return state }
        throw missing(.row(key))
    }

    func list(_ kind: ResourceKind, scope: ResourceScope, parent: ParentFilter) throws -> [StoredResource] {
        let key = ListKey(kind: kind, scope: scope, parent: parent)
        guard let base = lists[key] else { throw missing(.list(key)) }
        var result: [StoredResource] = []
        for resource in base {
            if let state = known(RowKey(resource)) {
                if let state { result.append(state) }
            } else {
                result.append(resource)
            }
        }
        for rowKey in inserted where rowKey.kind == kind && rowKey.scope == scope {
            if let state = written[rowKey] ?? nil, parent.matches(state.parentId) {
                result.append(state)
            }
        }
        return result.sorted { $0.sequence < $1.sequence }
    }

    func referrers(to target: String, scope: ResourceScope) throws -> [StoredResource] {
        let key = ReferenceKey(target: target, scope: scope)
        guard let base = referring[key] else { throw missing(.referrers(key)) }
        // As read, then as this run changed them: a row it wrote refers to what its new document refers to.
        var result: [RowKey: StoredResource] = [:]
        for resource in base { result[RowKey(resource)] = resource }
        for (rowKey, state) in written where rowKey.scope == scope {
            if let state, indexer(state.kind, state.document).references.contains(target) {
                result[rowKey] = state
            } else {
                result[rowKey] = nil
            }
        }
        return result.values.sorted { $0.sequence < $1.sequence }
    }

    func insert(_ resource: StoredResource, limit: Int?) throws -> StoredResource {
        try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
        for rowKey in inserted where rowKey.kind == resource.kind && rowKey.scope == resource.scope {
            guard let other = written[rowKey] ?? nil else { continue }
            if other.id == resource.id || (other.parentId == resource.parentId && other.nameKey == resource.nameKey) {
                throw StoreConflict.nameTaken
            }
        }
        let name = NameKey(
            kind: resource.kind, scope: resource.scope, parent: resource.parentId, nameKey: resource.nameKey,
            id: resource.id)
        guard let holders = names[name] else { throw missing(.name(name)) }
        for holder in holders {
            // A holder this run removed (a Deleted app replaced by a new one) or renamed no longer holds it.
            guard let state = written[RowKey(holder)] ?? holder else { continue }
            if state.id == resource.id || (state.parentId == resource.parentId && state.nameKey == resource.nameKey) {
                throw StoreConflict.nameTaken
            }
        }
        let countKey = CountKey(resource)
        if let limit {
            guard let count = counts[countKey] else { throw missing(.count(countKey, limit: limit)) }
            let current = count + countChanges[countKey, default: 0]
            if current >= limit { throw StoreConflict.limitReached(current: current) }
        }
        guard usedSequences < sequences.count else { throw missing(.sequences(usedSequences + 1)) }
        var stored = resource
        stored.sequence = sequences[usedSequences]
        usedSequences += 1
        stored.revision = 1
        stored.hasChanges = false
        let key = RowKey(stored)
        written[key] = .some(stored)
        inserted.append(key)
        writes.append(.insert(stored))
        countChanges[countKey, default: 0] += 1
        return stored
    }

    func update(_ resource: StoredResource) throws {
        let before = try current(of: resource)
        try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
        var after = resource
        after.revision = before.revision
        after = after.written()
        written[RowKey(resource)] = .some(after)
        writes.append(.update(before: before, after: after))
    }

    func remove(_ resource: StoredResource) throws {
        let before = try current(of: resource)
        written[RowKey(resource)] = .some(nil)
        writes.append(.remove(before))
        countChanges[CountKey(before), default: 0] -= 1
    }

    /// The state `resource` was read in, which must still be the resource's state in this transaction.
    private func current(of resource: StoredResource) throws -> StoredResource {
        guard let state = known(RowKey(resource)) else { throw missing(.row(RowKey(resource))) }
        guard let state, state.sequence == resource.sequence, state.revision == resource.revision else {
            throw StoreConflict.missing
        }
        return state
    }

    func nextCounterValue(_ name: String, scope: ResourceScope, start: Int) throws -> Int {
        let key = CounterKey(scope: scope, name: name)
        let last: Int
        if let value = counterValues[key] {
            last = value
        } else if let value = counters[key] {
            last = value
        } else {
            throw missing(.counter(key, start: start))
        }
        guard last < StoredCounter.maximumValue else { throw StoreConflict.counterExhausted(name) }
        counterValues[key] = last + 1
        return last + 1
    }

    // MARK: - Reading what the body asked for

    private func read(_ reads: Set<Read>, on connection: PostgresConnection, logger: Logger) async throws {
        for read in reads {
            switch read {
            case .row(let key):
                rows[key] = .some(
                    try await PostgresRows.fetch(connection, key.kind, key.scope, key.id, lock: true, logger: logger))
            case .list(let key):
                let resources = try await PostgresRows.page(
                    connection,
                    ResourcePageQuery(key.kind, scope: key.scope, parent: key.parent, limit: Int(Int32.max)),
                    logger: logger
                ).map(\.resource)
                lists[key] = resources
                for resource in resources where listed[RowKey(resource)] == nil {
                    listed[RowKey(resource)] = resource
                }
            case .referrers(let key):
                let resources = try await PostgresRows.referrers(
                    connection, to: key.target, scope: key.scope, logger: logger)
                // A row read before (and maybe locked) keeps the state this transaction first saw.
                referring[key] = resources.map { known(RowKey($0)).flatMap { $0 } ?? $0 }
                for resource in resources where listed[RowKey(resource)] == nil {
                    listed[RowKey(resource)] = resource
                }
            case .name(let key):
                let query: PostgresQuery = """
                    SELECT \(unescaped: PostgresRows.columns) FROM resources
                    WHERE kind = \(key.kind.rawValue) AND account = \(key.scope.account) AND region = \(key.scope.region)
                        AND ((parent = \(key.parent) AND name_key = \(key.nameKey)) OR id = \(key.id))
                    """
                names[key] = try await PostgresRows.resources(connection.query(query, logger: logger))
            case .count(let key, let limit):
                try await readCount(key, limit: limit, on: connection, logger: logger)
            case .counter(let key, let start):
                // A new counter is created one below its start, so that its first value is `start`.
                try await connection.query(
                    """
                    INSERT INTO counters (account, region, name, value)
                    VALUES (\(key.scope.account), \(key.scope.region), \(key.name), \(start - 1))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
                let query: PostgresQuery = """
                    SELECT value FROM counters
                    WHERE account = \(key.scope.account) AND region = \(key.scope.region) AND name = \(key.name)
                    FOR UPDATE
                    """
                for try await value in try await connection.query(query, logger: logger).decode(Int.self) {
                    counters[key] = value
                }
            case .sequences(let wanted):
                if wanted > sequences.count {
                    sequences += try await PostgresRows.nextSequences(
                        connection, wanted - sequences.count, logger: logger)
                }
            }
        }
    }

    /// Reads a quota's count for an insert under `limit`, without holding one row that every insert of the quota
    /// waits on until its COMMIT. The count is striped: `stripes` rows whose sum is the total. A transaction locks one
    /// free stripe (`SKIP LOCKED`) and reads the sum; while the sum is far enough below the limit that every stripe's
    /// holder inserting `fastInserts` more stays under it, that is enough, and concurrent inserts of one quota each
    /// hold a stripe of their own. Near the limit (or with no free stripe) it locks every stripe in order and reads
    /// the exact total, as one row used to be: an exact count waits for the stripes' holders to commit. Why it is
    /// exact: a count taken on a stripe is at most `limit - stripes * fastInserts - 1` and at most `stripes` such
    /// holders are in flight, so their inserts cannot pass the limit; an exact reader holds every stripe, so no
    /// other insert of the quota is in flight (docs/architecture.md, "Storage").
    private func readCount(_ key: CountKey, limit: Int, on connection: PostgresConnection, logger: Logger) async throws
    {
        let kind = key.kind.rawValue
        let (account, region, parent) = (key.scope.account, key.scope.region, key.parent)
        if !exactCounts, limit > Self.stripes * Self.fastInserts {
            try await connection.query("SAVEPOINT stripe", logger: logger)
            let free: PostgresQuery = """
                SELECT stripe FROM resource_counts
                WHERE kind = \(kind) AND account = \(account) AND region = \(region) AND parent = \(parent)
                ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED
                """
            var held: Int?
            for try await stripe in try await connection.query(free, logger: logger).decode(Int.self) { held = stripe }
            if held == nil, try await !Self.stripesExist(key, on: connection, logger: logger) {
                try await Self.createStripes(key, on: connection, logger: logger)
                for try await stripe in try await connection.query(free, logger: logger).decode(Int.self) {
                    held = stripe
                }
            }
            if let held {
                let total = try await Self.sum(key, on: connection, logger: logger)
                if total + Self.stripes * Self.fastInserts < limit {
                    try await connection.query("RELEASE SAVEPOINT stripe", logger: logger)
                    counts[key] = total
                    countStripes[key] = held
                    return
                }
            }
            // Too near the limit, or every stripe taken: let the stripe go, and count exactly.
            try await connection.query("ROLLBACK TO SAVEPOINT stripe", logger: logger)
        }
        // Every stripe exists before they are all locked (a new quota's rows).
        if try await !Self.stripesExist(key, on: connection, logger: logger) {
            try await Self.createStripes(key, on: connection, logger: logger)
        }
        let locked: PostgresQuery = """
            SELECT stripe FROM resource_counts
            WHERE kind = \(kind) AND account = \(account) AND region = \(region) AND parent = \(parent)
            ORDER BY stripe FOR UPDATE
            """
        for try await _ in try await connection.query(locked, logger: logger).decode(Int.self) {}
        counts[key] = try await Self.sum(key, on: connection, logger: logger)
    }

    /// Whether a quota has all its stripes (a plain read: no lock, no wait).
    private static func stripesExist(
        _ key: CountKey, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let query: PostgresQuery = """
            SELECT COUNT(*)::BIGINT FROM resource_counts
            WHERE kind = \(key.kind.rawValue) AND account = \(key.scope.account) AND region = \(key.scope.region)
                AND parent = \(key.parent)
            """
        var rows = 0
        for try await value in try await connection.query(query, logger: logger).decode(Int.self) { rows = value }
        return rows >= stripes
    }

    /// Creates a quota's missing stripes (an INSERT that waits for another transaction creating the same ones).
    private static func createStripes(
        _ key: CountKey, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO resource_counts (kind, account, region, parent, stripe, count)
            SELECT \(key.kind.rawValue), \(key.scope.account), \(key.scope.region), \(key.parent), stripe, 0
            FROM generate_series(0, \(stripes - 1)) AS stripe
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    private static func sum(_ key: CountKey, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let query: PostgresQuery = """
            SELECT COALESCE(SUM(count), 0)::BIGINT FROM resource_counts
            WHERE kind = \(key.kind.rawValue) AND account = \(key.scope.account) AND region = \(key.scope.region)
                AND parent = \(key.parent)
            """
        var total = 0
        for try await value in try await connection.query(query, logger: logger).decode(Int.self) { total = value }
        return total
    }

    // MARK: - Sending the last run's writes

    private func send(on connection: PostgresConnection, logger: Logger) async throws {
        for write in writes {
            switch write {
            case .insert(let resource):
                try await PostgresRows.insert(
                    connection, resource, indexer(resource.kind, resource.document), logger: logger)
            case .update(let before, let after):
                let indexed = IndexedWrite(indexer, before, after)
                let fields = indexed.fields
                let update = PostgresRows.Update(before: before, after: after, fields: fields)
                guard try await PostgresRows.Update.run(update, on: connection, logger: logger) else {
                    throw StaleRow()
                }
                if indexed.referencesChange {
                    try await connection.query(
                        "DELETE FROM resource_references WHERE seq = \(before.sequence)", logger: logger)
                    try await PostgresRows.insertReferences(
                        connection, fields.references, sequence: before.sequence, scope: before.scope, logger: logger)
                }
            case .remove(let before):
                let query: PostgresQuery = """
                    DELETE FROM resources WHERE seq = \(before.sequence) AND revision = \(before.revision) RETURNING seq
                    """
                try await Self.expectOneRow(connection.query(query, logger: logger))
            }
        }
        for (key, change) in countChanges where change != 0 {
            if countStripes[key] != nil, change > Self.fastInserts { throw ExactCountNeeded() }
            // A count read holds its stripe (or every stripe) locked; an unread one goes to any stripe: concurrent
            // writers of one count rarely meet on a row.
            if let stripe = countStripes[key] ?? (counts[key] != nil ? 0 : nil) {
                // Its row exists and this transaction holds it.
                try await connection.query(
                    """
                    UPDATE resource_counts SET count = count + \(change)
                    WHERE kind = \(key.kind.rawValue) AND account = \(key.scope.account)
                        AND region = \(key.scope.region) AND parent = \(key.parent) AND stripe = \(stripe)
                    """, logger: logger)
                continue
            }
            let stripe = Int.random(in: 0..<Self.stripes)
            try await connection.query(
                """
                INSERT INTO resource_counts (kind, account, region, parent, stripe, count)
                VALUES (\(key.kind.rawValue), \(key.scope.account), \(key.scope.region), \(key.parent), \(stripe), \(change))
                ON CONFLICT (kind, account, region, parent, stripe)
                DO UPDATE SET count = resource_counts.count + EXCLUDED.count
                """, logger: logger)
        }
        for (key, value) in counterValues {
            try await connection.query(
                """
                UPDATE counters SET value = \(value)
                WHERE account = \(key.scope.account) AND region = \(key.scope.region) AND name = \(key.name)
                """, logger: logger)
        }
    }

    private static func expectOneRow(_ rows: PostgresRowSequence) async throws {
        var count = 0
        for try await _ in rows { count += 1 }
        if count != 1 { throw StaleRow() }
    }
}
