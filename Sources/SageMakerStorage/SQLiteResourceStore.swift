import Foundation
import GRDB
import Synchronization

/// The default store: one SQLite file under the data directory (WAL, synchronous=FULL), or memory for tests.
public final class SQLiteResourceStore: ResourceStore {
    private let writer: any DatabaseWriter
    /// Read-only connections of the file for the reads of one statement (nil for memory: they use `writer`).
    private let readers: ReaderConnections?
    private let committer: GroupCommitter
    private let cache = ResourceCache(capacity: 20_000, capacityBytes: 64 << 20)
    /// Optimistic writes of one row take turns.
    private let turns = KeyedTurns<ResourceCache.Key>()
    /// The largest document (with its tags) a resource may be stored with.
    public let maxDocumentBytes: Int
    /// What must live as long as the store (the lock of its data directory).
    private let owner: (any Sendable)?
    /// Computes the sort keys and references stored beside each document.
    let indexer: ResourceIndexer

    /// Opens (creating and migrating) `sagemaker.sqlite` in a data directory, which it keeps locked.
    public convenience init(
        directory: DataDirectory, maxDocumentBytes: Int = defaultMaxDocumentBytes,
        commitObserver: CommitObserver? = nil,
        indexer: @escaping ResourceIndexer = { _, _ in .none }
    ) throws {
        try self.init(
            path: directory.file(named: "sagemaker.sqlite"), owner: directory, maxDocumentBytes: maxDocumentBytes,
            commitObserver: commitObserver, indexer: indexer)
    }

    /// 256 KiB: a domain with every setting filled is a few KiB.
    public static let defaultMaxDocumentBytes = 256 << 10

    /// Opens (creating and migrating) the database file `path`. `owner` is kept alive as long as the store.
    public init(
        path: String, owner: (any Sendable)? = nil, maxDocumentBytes: Int = defaultMaxDocumentBytes,
        commitObserver: CommitObserver? = nil, indexer: @escaping ResourceIndexer = { _, _ in .none }
    ) throws {
        self.maxDocumentBytes = maxDocumentBytes
        self.indexer = indexer
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Durable before the response: every commit reaches the disk. Set on the pool's one writer connection after
        // the pool is open, because opening a pool switches the writer to WAL and `synchronous = NORMAL` (GRDB),
        // which would override a value set while the connection is prepared.
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        // Each write of a batch runs in a savepoint, whose undo journal SQLite keeps in a temporary file unless
        // told otherwise: a CreateDomain wrote more pages there than to the WAL. It only ever undoes a savepoint
        // inside an open transaction, so memory loses nothing durable.
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        writer = pool
        self.owner = owner
        committer = GroupCommitter(writer: writer, observer: commitObserver)
        try Self.migrator(indexer: indexer).migrate(writer)
        readers = try ReaderConnections(path: path, count: 4)
    }

    /// An in-memory database, for tests.
    public init(
        maxDocumentBytes: Int = defaultMaxDocumentBytes, commitObserver: CommitObserver? = nil,
        indexer: @escaping ResourceIndexer = { _, _ in .none }
    ) throws {
        self.maxDocumentBytes = maxDocumentBytes
        self.indexer = indexer
        writer = try DatabaseQueue()
        readers = nil
        owner = nil
        committer = GroupCommitter(writer: writer, observer: commitObserver)
        try Self.migrator(indexer: indexer).migrate(writer)
    }

    /// `PRAGMA synchronous` as the writer connection has it (2 = FULL), for the tests of durability.
    public func writerSynchronousSetting() async throws -> Int {
        try await writerSetting("synchronous")
    }

    /// A `PRAGMA` as the writer connection has it, for tests.
    func writerSetting(_ pragma: String) async throws -> Int {
        try await writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA \(pragma)") ?? -1 }
    }

    static func migrator(indexer: @escaping ResourceIndexer) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-resources") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resources (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        parent TEXT NOT NULL,
                        id TEXT NOT NULL,
                        name_key TEXT NOT NULL,
                        status TEXT NOT NULL,
                        transition TEXT,
                        due_at REAL,
                        document BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX resources_by_id ON resources(kind, account, region, id);
                    CREATE UNIQUE INDEX resources_by_name ON resources(kind, account, region, parent, name_key);
                    CREATE INDEX resources_due ON resources(due_at) WHERE due_at IS NOT NULL;
                    CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                    """)
        }
        migrator.registerMigration("v2-tags") { db in
            try db.execute(sql: "ALTER TABLE resources ADD COLUMN tags BLOB")
        }
        migrator.registerMigration("v3-counts") { db in
            // Quota checks read a maintained count instead of scanning the index (O(1) at any scale).
            try db.execute(
                sql: """
                    CREATE TABLE resource_counts (
                        kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, parent TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (kind, account, region, parent)
                    ) WITHOUT ROWID;
                    INSERT INTO resource_counts (kind, account, region, parent, count)
                        SELECT kind, account, region, parent, COUNT(*) FROM resources
                        GROUP BY kind, account, region, parent;
                    """)
        }
        migrator.registerMigration("v4-list-order") { db in
            // Listing reads a scope's (or a parent's) resources in insertion order: walk an index, never sort.
            try db.execute(sql: "CREATE INDEX resources_in_order ON resources(kind, account, region, parent, seq)")
        }
        migrator.registerMigration("v5-counters") { db in
            // Values handed out once per scope, such as the HomeEfsFileSystemUid of a domain's profiles and spaces.
            try db.execute(
                sql: """
                    CREATE TABLE counters (
                        account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
                        PRIMARY KEY (account, region, name)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v6-revisions") { db in
            // Writes are conditional on the revision they read (instead of on every column's old value).
            try db.execute(sql: "ALTER TABLE resources ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")
        }
        migrator.registerMigration("v7-status-index") { db in
            // Counts by kind and status (metrics) read this index, never the documents.
            try db.execute(sql: "CREATE INDEX resources_by_status ON resources(kind, status)")
        }
        migrator.registerMigration("v8-sort-keys-and-references") { db in
            // Lists sort and page by walking an index (keyset pagination), and "who refers to this" is an index
            // lookup: the keys and references are computed from each document when it is written.
            try db.execute(
                sql: """
                    ALTER TABLE resources ADD COLUMN created_key TEXT NOT NULL DEFAULT '';
                    ALTER TABLE resources ADD COLUMN modified_key TEXT NOT NULL DEFAULT '';
                    ALTER TABLE resources ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
                    CREATE TABLE resource_references (
                        account TEXT NOT NULL, region TEXT NOT NULL, target TEXT NOT NULL,
                        seq INTEGER NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
                        PRIMARY KEY (account, region, target, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX resource_references_by_seq ON resource_references(seq);
                    """)
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, kind, account, region, document FROM resources")
            while let row = try rows.next() {
                guard let kind = ResourceKind(rawValue: row[1]) else { continue }
                let fields = indexer(kind, row[4])
                try db.execute(
                    sql: "UPDATE resources SET created_key = ?, modified_key = ?, sort_name = ? WHERE seq = ?",
                    arguments: [fields.created, fields.modified, fields.name, row[0] as Int64])
                try insertReferences(
                    db, fields.references, sequence: row[0], scope: ResourceScope(account: row[2], region: row[3]))
            }
            try db.execute(
                sql: """
                    CREATE INDEX resources_by_created ON resources(kind, account, region, created_key, seq);
                    CREATE INDEX resources_by_created_in_parent ON resources(kind, account, region, parent, created_key, seq);
                    CREATE INDEX resources_by_modified ON resources(kind, account, region, modified_key, seq);
                    CREATE INDEX resources_by_modified_in_parent ON resources(kind, account, region, parent, modified_key, seq);
                    CREATE INDEX resources_by_name_in_parent ON resources(kind, account, region, parent, sort_name, seq);
                    """)
        }
        migrator.registerMigration("v9-partial-sort-indexes") { db in
            // A resource without a key for an order (a domain: ListDomains never sorts; an app: ListApps sorts by
            // creation only) has no entry in that order's indexes, so writing it touches fewer index pages. Sorted
            // pages carry the same condition (`pageRows`), which lets SQLite use these indexes.
            try db.execute(sql: sortIndexes.map { "DROP INDEX \($0.name);" }.joined())
            try db.execute(
                sql: sortIndexes.map { index in
                    "CREATE INDEX \(index.name) ON resources(\(index.columns)) WHERE \(index.key) <> '';"
                }.joined())
        }
        return migrator
    }

    /// The indexes sorted pages walk, each holding only the rows that have its key (`v9-partial-sort-indexes`).
    static let sortIndexes: [(name: String, columns: String, key: String)] = [
        ("resources_by_created", "kind, account, region, created_key, seq", "created_key"),
        ("resources_by_created_in_parent", "kind, account, region, parent, created_key, seq", "created_key"),
        ("resources_by_modified", "kind, account, region, modified_key, seq", "modified_key"),
        ("resources_by_modified_in_parent", "kind, account, region, parent, modified_key, seq", "modified_key"),
        ("resources_by_name_in_parent", "kind, account, region, parent, sort_name, seq", "sort_name"),
    ]

    // MARK: - Row mapping

    static let columns =
        "seq, kind, account, region, parent, id, name_key, status, transition, due_at, document, tags, revision"

    /// The resources a statement selecting `columns` returns (at most `limit`), read straight from SQLite's columns.
    static func resources(
        _ statement: Statement, _ arguments: StatementArguments, limit: Int = .max
    ) throws
        -> [StoredResource]
    {
        let rows = try ResourceRows(statement, arguments)
        var result: [StoredResource] = []
        while result.count < limit, let row = try rows.next() {
            if let resource = row.resource { result.append(resource) }
        }
        return result
    }

    static func transition(_ encoded: String?, _ dueAt: Double?) -> PendingTransition? {
        guard let encoded, let dueAt else { return nil }
        let outcome: PendingTransition.Outcome = encoded == "remove" ? .removal : .status(encoded)
        return PendingTransition(outcome, dueAt: Date(timeIntervalSince1970: dueAt))
    }

    static func transitionColumns(_ transition: PendingTransition?) -> (String?, Double?) {
        guard let transition else { return (nil, nil) }
        switch transition.outcome {
        case .removal: return ("remove", transition.dueAt.timeIntervalSince1970)
        case .status(let status): return (status, transition.dueAt.timeIntervalSince1970)
        }
    }

    static func fetchOne(
        _ db: Database, _ kind: ResourceKind, _ scope: ResourceScope, _ id: String
    ) throws
        -> StoredResource?
    {
        let statement = try db.cachedStatement(
            sql: "SELECT \(columns) FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?")
        return try resources(statement, [kind.rawValue, scope.account, scope.region, id], limit: 1).first
    }

    // MARK: - ResourceStore

    public func insert(_ resource: StoredResource, limit: Int?) async throws -> StoredResource {
        try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
        let cache = self.cache
        let fields = indexer(resource.kind, resource.document)
        let (stored, stamp) = try await committer.write { db in
            (try Self.insertRow(db, resource, fields, limit: limit), cache.nextStamp())
        }
        cache.written(ResourceCache.Key(kind: stored.kind, scope: stored.scope, id: stored.id), stored, stamp: stamp)
        return stored
    }

    static func insertRow(
        _ db: Database, _ resource: StoredResource, _ fields: IndexedFields, limit: Int?
    ) throws
        -> StoredResource
    {
        if let limit {
            let current =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT count FROM resource_counts WHERE kind = ? AND account = ? AND region = ? AND parent = ?"
                    ),
                    arguments: [
                        resource.kind.rawValue, resource.scope.account, resource.scope.region, resource.parentId,
                    ]) ?? 0
            if current >= limit { throw StoreConflict.limitReached(current: current) }
        }
        let taken =
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS(SELECT 1 FROM resources WHERE kind = ? AND account = ? AND region = ?
                            AND ((parent = ? AND name_key = ?) OR id = ?))
                        """),
                arguments: [
                    resource.kind.rawValue, resource.scope.account, resource.scope.region, resource.parentId,
                    resource.nameKey, resource.id,
                ]) ?? false
        if taken { throw StoreConflict.nameTaken }
        let (transition, dueAt) = transitionColumns(resource.transition)
        try db.cachedStatement(
            sql: """
                INSERT INTO resources (kind, account, region, parent, id, name_key, status, transition, due_at,
                    document, tags, revision, created_key, modified_key, sort_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                """
        ).execute(arguments: [
            resource.kind.rawValue, resource.scope.account, resource.scope.region, resource.parentId,
            resource.id, resource.nameKey, resource.status, transition, dueAt, resource.document, resource.tags,
            fields.created, fields.modified, fields.name,
        ])
        var stored = resource
        stored.sequence = db.lastInsertedRowID
        try insertReferences(db, fields.references, sequence: stored.sequence, scope: resource.scope)
        stored.revision = 1
        stored.hasChanges = false
        try adjustCount(db, resource, by: 1)
        return stored
    }

    public func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) async throws -> StoredResource? {
        let key = ResourceCache.Key(kind: kind, scope: scope, id: id)
        if let cached = cache.lookup(key) { return cached }
        let stamp = cache.currentStamp
        let resource = try readOnCallingThread { db in try Self.fetchOne(db, kind, scope, id) }
        cache.read(key, resource, stamp: stamp)
        return resource
    }

    /// A read of one SELECT statement, on the calling thread: no hop to a reader queue's thread and back, and no
    /// explicit transaction around it (a single statement is already a consistent snapshot in WAL mode). Its callers
    /// are async (`fetch`, `page`), so it never runs inside a write, whose open transaction another connection
    /// could not see: GRDB's pool would read on the writer there, `ReaderConnections` would not.
    private func readOnCallingThread<T>(_ body: (Database) throws -> T) throws -> T {
        if let readers, let read = try readers.read(body) { return read }
        return try writer.unsafeReentrantRead(body)
    }

    public func mutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        // Optimistic: run the body on the current state outside the single writer, so that concurrent requests
        // decode, merge and encode in parallel; the writer only checks that the row is still the one the body
        // saw, and writes. A row changed in between means the body runs again on the new state, so every change
        // applies whole to the latest state, exactly as if the calls had run one after the other. Writes of one
        // row through here take turns: the next one reads the row once the previous one has committed, so only
        // a transaction or the scheduler can change the row under a body.
        try await turns.withTurn(ResourceCache.Key(kind: kind, scope: scope, id: id)) {
            try await optimisticMutate(kind, scope: scope, id: id, body)
        }
    }

    private func optimisticMutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        for _ in 0..<8 {
            let before = try await fetch(kind, scope: scope, id: id)
            var after = before
            let result = try body(&after)
            guard let before else { return result }  // mutate never inserts
            if let after, !after.hasChanges { return result }
            try StoreConflict.checkSize(after, limit: maxDocumentBytes)
            let indexed = after.map { IndexedWrite(indexer, before, $0) }
            let outcome = try await write(kind, scope, id, expecting: before, indexed)
            if outcome { return result }
        }
        return try await mutateInWriter(kind, scope: scope, id: id, body)
    }

    /// Writes `after` over the row if it is still `before`; false when it changed meanwhile.
    private func write(
        _ kind: ResourceKind, _ scope: ResourceScope, _ id: String, expecting before: StoredResource,
        _ indexed: IndexedWrite?
    ) async throws -> Bool {
        let cache = self.cache
        guard let indexed, !indexed.referencesChange else {
            // A removal also changes the counts: two statements, in a savepoint.
            // (And a write that changes references: several statements, in a savepoint.)
            let (written, stored, stamp) = try await committer.write { db -> (Bool, StoredResource?, UInt64) in
                guard try Self.fetchOne(db, kind, scope, id)?.revision == before.revision else {
                    return (false, nil, 0)
                }
                let stored = try Self.store(db, before: before, after: indexed)
                return (true, stored, cache.nextStamp())
            }
            if written { cache.written(ResourceCache.Key(kind: kind, scope: scope, id: id), stored, stamp: stamp) }
            return written
        }
        // One conditional UPDATE: it changes the row only if it is still at the revision the body saw.
        let after = indexed.resource
        let (written, stamp) = try await committer.write(singleStatement: true) { db -> (Bool, UInt64) in
            let changed = ChangedColumns(before, indexed)
            var arguments: StatementArguments = [after.document]
            if changed.contains(.name) { _ = arguments.append(contentsOf: [after.nameKey]) }
            if changed.contains(.status) { _ = arguments.append(contentsOf: [after.status]) }
            if changed.contains(.transition) {
                let (transition, dueAt) = Self.transitionColumns(after.transition)
                _ = arguments.append(contentsOf: [transition, dueAt])
            }
            if changed.contains(.tags) { _ = arguments.append(contentsOf: [after.tags]) }
            if changed.contains(.keys) {
                _ = arguments.append(contentsOf: [indexed.fields.created, indexed.fields.modified, indexed.fields.name])
            }
            _ = arguments.append(contentsOf: [before.sequence, before.revision])
            try db.cachedStatement(sql: ChangedColumns.updates[Int(changed.rawValue)]).execute(arguments: arguments)
            return db.changesCount == 1 ? (true, cache.nextStamp()) : (false, 0)
        }
        if written {
            cache.written(ResourceCache.Key(kind: kind, scope: scope, id: id), after.written(), stamp: stamp)
        }
        return written
    }

    /// The fallback under heavy contention: the body runs inside the writer.
    private func mutateInWriter<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String,
        _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        let (cache, maxDocumentBytes, indexer) = (self.cache, self.maxDocumentBytes, self.indexer)
        let (result, after, stamp) = try await committer.write { db -> (T, StoredResource?, UInt64) in
            let original = try Self.fetchOne(db, kind, scope, id)
            var resource = original
            let result = try body(&resource)
            try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
            guard let original else { return (result, nil, cache.nextStamp()) }
            if let changed = resource, !changed.hasChanges { return (result, original, cache.nextStamp()) }
            let indexed = resource.map { IndexedWrite(indexer, original, $0) }
            let stored = try Self.store(db, before: original, after: indexed)
            return (result, stored, cache.nextStamp())
        }
        cache.written(ResourceCache.Key(kind: kind, scope: scope, id: id), after, stamp: stamp)
        return result
    }

    static func adjustCount(_ db: Database, _ resource: StoredResource, by delta: Int) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO resource_counts (kind, account, region, parent, count) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (kind, account, region, parent) DO UPDATE SET count = count + excluded.count
                """
        ).execute(arguments: [
            resource.kind.rawValue, resource.scope.account, resource.scope.region, resource.parentId, delta,
        ])
    }

    /// Deletes or updates the row of `before`; returns what the row now holds (nil when deleted).
    @discardableResult
    static func store(_ db: Database, before: StoredResource, after indexed: IndexedWrite?) throws -> StoredResource? {
        guard let indexed else {
            // The references go with the row (ON DELETE CASCADE).
            try db.cachedStatement(sql: "DELETE FROM resources WHERE seq = ?").execute(arguments: [before.sequence])
            try adjustCount(db, before, by: -1)
            return nil
        }
        let (after, fields) = (indexed.resource, indexed.fields)
        let (transition, dueAt) = transitionColumns(after.transition)
        try db.cachedStatement(
            sql: """
                UPDATE resources SET name_key = ?, status = ?, transition = ?, due_at = ?, document = ?, tags = ?,
                    revision = ?, created_key = ?, modified_key = ?, sort_name = ?
                WHERE seq = ?
                """
        ).execute(arguments: [
            after.nameKey, after.status, transition, dueAt, after.document, after.tags, before.revision + 1,
            fields.created, fields.modified, fields.name, before.sequence,
        ])
        if indexed.referencesChange {
            try db.cachedStatement(sql: "DELETE FROM resource_references WHERE seq = ?")
                .execute(arguments: [before.sequence])
            try insertReferences(db, fields.references, sequence: before.sequence, scope: before.scope)
        }
        var stored = after
        stored.revision = before.revision
        return stored.written()
    }

    public func page(_ query: ResourcePageQuery) async throws -> [ListedResource] {
        try readOnCallingThread { db in try Self.pageRows(db, query) }
    }

    /// The column a page is sorted by (then by seq); nil for insertion order.
    static func sortColumn(_ order: ResourceOrder) -> String? {
        switch order {
        case .insertion: nil
        case .created: "created_key"
        case .modified: "modified_key"
        case .name: "sort_name"
        }
    }

    static func pageRows(_ db: Database, _ query: ResourcePageQuery) throws -> [ListedResource] {
        let (sql, arguments) = pageStatement(query)
        let rows = try ResourceRows(db.cachedStatement(sql: sql), arguments)
        var listed: [ListedResource] = []
        while let row = try rows.next() {
            guard let resource = row.resource else { continue }
            listed.append(
                ListedResource(
                    resource: resource, position: ResourcePosition(key: row.sortKey, sequence: resource.sequence)))
        }
        return listed
    }

    /// A page's query: the rows of a kind in a scope (and parent), in an order, after a position.
    static func pageStatement(_ query: ResourcePageQuery) -> (sql: String, arguments: StatementArguments) {
        let column = sortColumn(query.order)
        var arguments: StatementArguments = [query.kind.rawValue, query.scope.account, query.scope.region]
        let parent: PageShape.Parent
        switch query.parent {
        case .any:
            parent = .any
        case .exactly(let id):
            parent = .exactly
            _ = arguments.append(contentsOf: [id])
        case .prefix(let prefix):
            parent = .prefix
            _ = arguments.append(contentsOf: [prefix, upperBound(ofPrefix: prefix)])
        }
        if let after = query.after {
            _ = arguments.append(contentsOf: column == nil ? [after.sequence] : [after.key, after.sequence])
        }
        _ = arguments.append(contentsOf: [query.limit])
        let shape = PageShape(
            order: query.order, parent: parent, after: query.after != nil, descending: query.descending)
        return (pageSQL[shape] ?? shape.sql, arguments)
    }

    /// What a page's SQL text depends on (its arguments aside); each shape's text is written once.
    struct PageShape: Hashable {
        enum Parent: CaseIterable { case any, exactly, prefix }

        var order: ResourceOrder
        var parent: Parent
        var after: Bool
        var descending: Bool

        static var all: [PageShape] {
            var shapes: [PageShape] = []
            for order in ResourceOrder.allCases {
                for parent in Parent.allCases {
                    for after in [false, true] {
                        for descending in [false, true] {
                            shapes.append(PageShape(order: order, parent: parent, after: after, descending: descending))
                        }
                    }
                }
            }
            return shapes
        }

        var sql: String {
            let column = sortColumn(order)
            var sql =
                "SELECT \(columns), \(column ?? "''") FROM resources WHERE kind = ? AND account = ? AND region = ?"
            if let column {
                // The sort indexes hold only rows with a key; SQLite uses such an index when the query says as much.
                sql += " AND \(column) <> ''"
            }
            switch parent {
            case .any: break
            case .exactly: sql += " AND parent = ?"
            case .prefix: sql += " AND parent >= ? AND parent < ?"
            }
            let (comparison, direction) = descending ? ("<", " DESC") : (">", "")
            if after {
                sql += column.map { " AND (\($0), seq) \(comparison) (?, ?)" } ?? " AND seq \(comparison) ?"
            }
            sql += " ORDER BY " + (column.map { "\($0)\(direction), " } ?? "") + "seq\(direction) LIMIT ?"
            return sql
        }
    }

    /// Every page shape's SQL text.
    static let pageSQL = Dictionary(uniqueKeysWithValues: PageShape.all.map { ($0, $0.sql) })

    static func insertReferences(_ db: Database, _ targets: [String], sequence: Int64, scope: ResourceScope) throws {
        for target in Set(targets) {
            try db.cachedStatement(
                sql: "INSERT INTO resource_references (account, region, target, seq) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [scope.account, scope.region, target, sequence])
        }
    }

    static func referrers(_ db: Database, to target: String, scope: ResourceScope) throws -> [StoredResource] {
        let selected = columns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
        return try resources(
            db.cachedStatement(
                sql: """
                    SELECT \(selected) FROM resource_references x JOIN resources r ON r.seq = x.seq
                    WHERE x.account = ? AND x.region = ? AND x.target = ? ORDER BY r.seq
                    """),
            [scope.account, scope.region, target])
    }

    public func transaction<T: Sendable>(
        _ body: @escaping RerunnableTransaction<T>
    ) async throws -> T {
        let (cache, maxDocumentBytes, indexer) = (self.cache, self.maxDocumentBytes, self.indexer)
        let (result, writes, stamp) = try await committer.write { db in
            let transaction = SQLiteTransaction(db: db, maxDocumentBytes: maxDocumentBytes, indexer: indexer)
            let result = try body(transaction)
            return (result, transaction.writes, cache.nextStamp())
        }
        for (key, resource) in writes { cache.written(key, resource, stamp: stamp) }
        return result
    }

    public func dueTransitions(at date: Date, limit: Int) async throws -> [StoredResource] {
        try await writer.read { db in
            try Self.resources(
                db.makeStatement(
                    sql:
                        "SELECT \(Self.columns) FROM resources WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?"
                ),
                [date.timeIntervalSince1970, limit])
        }
    }

    public func secret(named name: String) async throws -> [UInt8] {
        try await writer.write { db in
            if let existing = try Data.fetchOne(db, sql: "SELECT value FROM secrets WHERE name = ?", arguments: [name])
            {
                return Array(existing)
            }
            var generator = SystemRandomNumberGenerator()
            let value = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try db.execute(sql: "INSERT INTO secrets (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
            return value
        }
    }
}

extension SQLiteResourceStore {
    public func removeAll(account: String?, region: String?) async throws -> Int {
        let (filter, arguments): (String, StatementArguments) =
            switch (account, region) {
            case (nil, _): ("", [])
            case (let account?, nil): (" WHERE account = ?", [account])
            case (let account?, let region?): (" WHERE account = ? AND region = ?", [account, region])
            }
        let cache = self.cache
        let (removed, stamp) = try await committer.write { db -> (Int, UInt64) in
            try db.execute(sql: "DELETE FROM resources" + filter, arguments: arguments)
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM resource_counts" + filter, arguments: arguments)
            try db.execute(sql: "DELETE FROM counters" + filter, arguments: arguments)
            return (removed, cache.nextStamp())
        }
        cache.invalidateAll(stamp: stamp)
        return removed
    }

    public func countsByScope() async throws -> [ResourceScope: Int] {
        try await writer.read { db in
            var counts: [ResourceScope: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT account, region, SUM(count) FROM resource_counts GROUP BY account, region HAVING SUM(count) > 0"
            ) {
                counts[ResourceScope(account: row[0], region: row[1])] = row[2]
            }
            return counts
        }
    }

    public func countsByStatus() async throws -> [ResourceStatusCount] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, status, COUNT(*) FROM resources GROUP BY kind, status").compactMap {
                row in
                ResourceKind(rawValue: row[0]).map { ResourceStatusCount(kind: $0, status: row[1], count: row[2]) }
            }
        }
    }

    public func countsByKind() async throws -> [ResourceKind: Int] {
        try await writer.read { db in
            var counts: [ResourceKind: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT kind, SUM(count) FROM resource_counts GROUP BY kind HAVING SUM(count) > 0")
            {
                if let kind = ResourceKind(rawValue: row[0]) { counts[kind] = row[1] }
            }
            return counts
        }
    }

    public func contents() async throws -> StoreContents {
        try await writer.read { db in
            let resources = try Self.resources(
                db.makeStatement(sql: "SELECT \(Self.columns) FROM resources ORDER BY seq"), [])
            let counters = try Row.fetchAll(
                db, sql: "SELECT account, region, name, value FROM counters ORDER BY account, region, name"
            )
            .map { row in
                // Decoded, not subscripted: a value that is not an integer throws instead of trapping.
                StoredCounter(
                    scope: ResourceScope(
                        account: try row.decode(String.self, atIndex: 0),
                        region: try row.decode(String.self, atIndex: 1)),
                    name: try row.decode(String.self, atIndex: 2), value: try row.decode(Int.self, atIndex: 3))
            }
            return StoreContents(resources: resources, counters: counters)
        }
    }

    public func replaceAll(with contents: StoreContents) async throws {
        for resource in contents.resources { try StoreConflict.checkSize(resource, limit: maxDocumentBytes) }
        let cache = self.cache
        let stamp = try await committer.write { db -> UInt64 in
            try db.execute(sql: "DELETE FROM resources; DELETE FROM resource_counts; DELETE FROM counters")
            for resource in contents.resources {
                _ = try Self.insertRow(db, resource, self.indexer(resource.kind, resource.document), limit: nil)
            }
            for counter in contents.counters {
                try db.execute(
                    sql: "INSERT INTO counters (account, region, name, value) VALUES (?, ?, ?, ?)",
                    arguments: [counter.scope.account, counter.scope.region, counter.name, counter.value])
            }
            return cache.nextStamp()
        }
        cache.invalidateAll(stamp: stamp)
    }
}

/// A transaction inside one write of the group committer; remembers what it wrote, for the cache.
final class SQLiteTransaction: ResourceTransaction, @unchecked Sendable {
    let db: Database
    let maxDocumentBytes: Int
    let indexer: ResourceIndexer
    private(set) var writes: [(ResourceCache.Key, StoredResource?)] = []

    init(db: Database, maxDocumentBytes: Int, indexer: @escaping ResourceIndexer) {
        self.db = db
        self.maxDocumentBytes = maxDocumentBytes
        self.indexer = indexer
    }

    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) throws -> StoredResource? {
        try SQLiteResourceStore.fetchOne(db, kind, scope, id)
    }

    func list(_ kind: ResourceKind, scope: ResourceScope, parent: ParentFilter) throws -> [StoredResource] {
        try SQLiteResourceStore.pageRows(db, ResourcePageQuery(kind, scope: scope, parent: parent, limit: Int.max))
            .map(\.resource)
    }

    func referrers(to target: String, scope: ResourceScope) throws -> [StoredResource] {
        try SQLiteResourceStore.referrers(db, to: target, scope: scope)
    }

    func insert(_ resource: StoredResource, limit: Int?) throws -> StoredResource {
        try StoreConflict.checkSize(resource, limit: maxDocumentBytes)
        let stored = try SQLiteResourceStore.insertRow(
            db, resource, indexer(resource.kind, resource.document), limit: limit)
        writes.append((ResourceCache.Key(kind: stored.kind, scope: stored.scope, id: stored.id), stored))
        return stored
    }

    func update(_ resource: StoredResource) throws {
        try write(resource, after: resource)
    }

    func remove(_ resource: StoredResource) throws {
        try write(resource, after: nil)
    }

    /// Replaces the row `resource` was read from (which must still be there) with `after`.
    private func write(_ resource: StoredResource, after: StoredResource?) throws {
        try StoreConflict.checkSize(after, limit: maxDocumentBytes)
        guard let before = try fetch(resource.kind, scope: resource.scope, id: resource.id),
            before.sequence == resource.sequence, before.revision == resource.revision
        else { throw StoreConflict.missing }
        let indexed = after.map { IndexedWrite(indexer, before, $0) }
        let stored = try SQLiteResourceStore.store(db, before: before, after: indexed)
        writes.append((ResourceCache.Key(kind: resource.kind, scope: resource.scope, id: resource.id), stored))
    }

    func nextCounterValue(_ name: String, scope: ResourceScope, start: Int) throws -> Int {
        // At the maximum the update does not apply and returns no row: refused, never an overflow into REAL.
        let next = try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO counters (account, region, name, value) VALUES (?, ?, ?, ?)
                    ON CONFLICT (account, region, name) DO UPDATE SET value = value + 1 WHERE value < ?
                    RETURNING value
                    """),
            arguments: [scope.account, scope.region, name, start, StoredCounter.maximumValue])
        guard let next else { throw StoreConflict.counterExhausted(name) }
        return next
    }
}

/// The columns beside the document that an optimistic write changes. Its UPDATE sets only those (with the document
/// and the revision): SQLite rewrites the entries of every index on a column a statement sets, changed or not, and
/// most writes (an UpdateDomain) change none of the indexed columns.
struct ChangedColumns: OptionSet {
    let rawValue: UInt8
    static let name = ChangedColumns(rawValue: 1)
    static let status = ChangedColumns(rawValue: 2)
    static let transition = ChangedColumns(rawValue: 4)
    static let tags = ChangedColumns(rawValue: 8)
    static let keys = ChangedColumns(rawValue: 16)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ before: StoredResource, _ write: IndexedWrite) {
        let after = write.resource
        var changed: ChangedColumns = []
        if after.nameKey != before.nameKey { changed.insert(.name) }
        if after.status != before.status { changed.insert(.status) }
        if after.transition != before.transition { changed.insert(.transition) }
        if after.tags != before.tags { changed.insert(.tags) }
        if write.keysChange { changed.insert(.keys) }
        self = changed
    }

    /// The UPDATE statement of each set of changed columns, by raw value; arguments in the order of the SET list,
    /// then the row's sequence number and the revision the write expects.
    static let updates: [String] = (0..<32).map { raw in
        let changed = ChangedColumns(rawValue: UInt8(raw))
        var set = ["document = ?"]
        if changed.contains(.name) { set.append("name_key = ?") }
        if changed.contains(.status) { set.append("status = ?") }
        if changed.contains(.transition) { set += ["transition = ?", "due_at = ?"] }
        if changed.contains(.tags) { set.append("tags = ?") }
        if changed.contains(.keys) { set += ["created_key = ?", "modified_key = ?", "sort_name = ?"] }
        set.append("revision = revision + 1")
        return "UPDATE resources SET \(set.joined(separator: ", ")) WHERE seq = ? AND revision = ?"
    }
}

/// What a write stores beside a document: its indexed fields, and whether its references must be rewritten.
struct IndexedWrite: Sendable {
    var resource: StoredResource
    var fields: IndexedFields
    var referencesChange: Bool
    /// Whether a sort key changes: a write that changes none leaves the sort indexes alone.
    var keysChange: Bool

    /// The write of `after` over `before`.
    init(_ indexer: ResourceIndexer, _ before: StoredResource, _ after: StoredResource) {
        resource = after
        fields = indexer(after.kind, after.document)
        let previous = indexer(before.kind, before.document)
        referencesChange = fields.references != previous.references
        keysChange =
            fields.created != previous.created || fields.modified != previous.modified
            || fields.name != previous.name
    }
}

/// A few read-only connections of the database file, each a `DatabaseQueue`, taken from a free list for one read
/// of one statement on the calling thread. Cheaper than a read from GRDB's pool, which takes its reader through a
/// semaphore and runs `PRAGMA schema_version` before each read (a second read transaction) to drop a schema cache
/// this store never needs dropped: the schema changes only in migrations, which run before these open.
final class ReaderConnections: Sendable {
    private let free: Mutex<[DatabaseQueue]>

    init(path: String, count: Int) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)  // as the writer: only a recovery of the WAL makes a read wait
        free = Mutex(try (0..<count).map { _ in try DatabaseQueue(path: path, configuration: configuration) })
    }

    /// `body`'s result, or nil when every connection is in use (the caller reads elsewhere).
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = free.withLock({ $0.popLast() }) else { return nil }
        defer { free.withLock { $0.append(connection) } }
        return try connection.unsafeReentrantRead(body)
    }
}
