import Foundation
import Logging
import PostgresNIO

/// Where the database is: a `postgres://` URL turned into the client's configuration.
struct PostgresLocation {
    let clientConfiguration: PostgresClient.Configuration
    /// The same place and credentials for a single connection (`waitForAnswer`).
    let connectionConfiguration: PostgresConnection.Configuration

    /// `postgres://user[:password]@host[:port]/database[?sslmode=...&sslrootcert=...]` (also `postgresql://`); the
    /// user defaults to `postgres`, the port to 5432, the database to the user's name.
    ///
    /// `sslmode` as libpq reads it: `disable` (the default here), `allow` and `prefer` (TLS when the server offers it),
    /// `require` (TLS or nothing; the certificate is not checked), `verify-ca` (checked against `sslrootcert`, a PEM
    /// file, or the system's roots) and `verify-full` (that, and the host name or address in the URL).
    init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else {
            throw PostgresStoreFailure(
                description: "not a PostgreSQL URL: expected postgres://user:password@host:port/database")
        }
        let username = components.user?.removingPercentEncoding ?? "postgres"
        let password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        func parameter(_ name: String) -> String? { components.queryItems?.first(where: { $0.name == name })?.value }
        func tlsConfiguration(_ verification: CertificateVerification) -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = verification
            if let rootCertificate = parameter("sslrootcert") { configuration.trustRoots = .file(rootCertificate) }
            return configuration
        }
        let tls: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        do {
            switch parameter("sslmode") ?? "disable" {
            case "disable":
                (tls, connectionTLS) = (.disable, .disable)
            case "allow", "prefer":
                let configuration = tlsConfiguration(.none)
                (tls, connectionTLS) = (
                    .prefer(configuration), .prefer(try NIOSSLContext(configuration: configuration))
                )
            case let mode:
                let verification: CertificateVerification
                switch mode {
                case "require": verification = .none
                case "verify-ca": verification = .noHostnameVerification
                case "verify-full": verification = .fullVerification
                default: throw PostgresStoreFailure(description: "unknown sslmode \(mode) in the PostgreSQL URL")
                }
                let configuration = tlsConfiguration(verification)
                (tls, connectionTLS) = (
                    .require(configuration), .require(try NIOSSLContext(configuration: configuration))
                )
            }
        } catch let error as NIOSSLError {
            throw PostgresStoreFailure(description: "TLS settings of the PostgreSQL URL not usable: \(error)")
        }
        let port = components.port ?? 5432
        clientConfiguration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        connectionConfiguration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: connectionTLS)
    }

    /// Connects once, again and again while nothing answers (a database still starting), until one connection opens.
    /// A server that answers with a refusal (no such database, authentication failed or a password it needs missing
    /// from the URL, no TLS when it is required) or a certificate that fails its check is a `PostgresStoreFailure`
    /// at once, with the reason: waiting would not change it. The caller bounds the wait (`--database-timeout`).
    func waitForAnswer(logger: Logger) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: connectionConfiguration, id: attempt, logger: logger)
                try await connection.close()
                return
            } catch let error as PSQLError {
                if let refusal = Self.refusal(error) { throw PostgresStoreFailure(description: refusal) }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Why a failed connection will fail again, or nil when it may succeed later (nothing listening yet).
    static func refusal(_ error: PSQLError) -> String? {
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "\(error)"
            return "the database refused the connection: \(message)"
        case .sslUnsupported:
            return "the database does not offer TLS, which the URL's sslmode requires"
        case .authMechanismRequiresPassword:
            return "the database asks for a password, and the URL has none"
        case .unsupportedAuthMechanism:
            return "the database asks for a way of signing in that the emulator does not speak: \(error)"
        default:
            if let tls = error.underlying as? NIOSSLError { return "TLS with the database failed: \(tls)" }
            if let tls = error.underlying as? BoringSSLError { return "TLS with the database failed: \(tls)" }
            return nil
        }
    }
}

/// The schema's versions, applied in order, each once, in one transaction under an advisory lock: replicas that
/// start together migrate once.
enum PostgresMigrations {
    static let versions: [(version: Int, name: String, sql: [String])] = [
        (
            1, "resources",
            [
                "CREATE SEQUENCE resource_sequence",
                """
                CREATE TABLE resources (
                    seq BIGINT PRIMARY KEY DEFAULT nextval('resource_sequence'),
                    kind TEXT NOT NULL,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    parent TEXT NOT NULL,
                    id TEXT NOT NULL,
                    name_key TEXT NOT NULL,
                    status TEXT NOT NULL,
                    transition TEXT,
                    due_at DOUBLE PRECISION,
                    document BYTEA NOT NULL,
                    tags BYTEA,
                    revision BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX resources_by_id ON resources (kind, account, region, id)",
                "CREATE UNIQUE INDEX resources_by_name ON resources (kind, account, region, parent, name_key)",
                // Lists walk these in insertion order, with a parent (a domain's profiles) or without.
                "CREATE INDEX resources_in_order ON resources (kind, account, region, parent, seq)",
                "CREATE INDEX resources_in_scope_order ON resources (kind, account, region, seq)",
                "CREATE INDEX resources_due ON resources (due_at) WHERE due_at IS NOT NULL",
                "CREATE INDEX resources_by_status ON resources (kind, status)",
                """
                CREATE TABLE resource_counts (
                    kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, parent TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    PRIMARY KEY (kind, account, region, parent)
                )
                """,
                """
                CREATE TABLE counters (
                    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, value BIGINT NOT NULL,
                    PRIMARY KEY (account, region, name)
                )
                """,
                "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
            ]
        ),
        (
            // Lists sort and page by walking an index (keyset pagination), and "who refers to this" is an index
            // lookup: the keys and references are computed from each document when it is written (and, for the rows
            // already there, by `backfill` in the same transaction). Keys compare as bytes, whatever the database's
            // collation.
            2, "sort-keys-and-references",
            [
                """
                ALTER TABLE resources ADD COLUMN created_key TEXT COLLATE "C" NOT NULL DEFAULT '',
                    ADD COLUMN modified_key TEXT COLLATE "C" NOT NULL DEFAULT '',
                    ADD COLUMN sort_name TEXT COLLATE "C" NOT NULL DEFAULT ''
                """,
                """
                CREATE TABLE resource_references (
                    account TEXT NOT NULL, region TEXT NOT NULL, target TEXT NOT NULL,
                    seq BIGINT NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
                    PRIMARY KEY (account, region, target, seq)
                )
                """,
                "CREATE INDEX resource_references_by_seq ON resource_references (seq)",
                "CREATE INDEX resources_by_created ON resources (kind, account, region, created_key, seq)",
                "CREATE INDEX resources_by_created_in_parent ON resources (kind, account, region, parent, created_key, seq)",
                "CREATE INDEX resources_by_modified ON resources (kind, account, region, modified_key, seq)",
                "CREATE INDEX resources_by_modified_in_parent ON resources (kind, account, region, parent, modified_key, seq)",
                "CREATE INDEX resources_by_name_in_parent ON resources (kind, account, region, parent, sort_name, seq)",
            ]
        ),
        (
            // A resource without a key for an order has no entry in that order's indexes (as SQLite's
            // v9-partial-sort-indexes); sorted pages carry the same condition.
            3, "partial-sort-indexes",
            SQLiteResourceStore.sortIndexes.map { "DROP INDEX \($0.name)" }
                + SQLiteResourceStore.sortIndexes.map { index in
                    "CREATE INDEX \(index.name) ON resources (\(index.columns)) WHERE \(index.key) <> ''"
                }
        ),
        (
            // A quota's count is kept in several rows (stripes), so that concurrent inserts of one quota do not all
            // wait on one row until their COMMIT (`PostgresTransaction.readCount`).
            4, "striped-counts",
            [
                "ALTER TABLE resource_counts ADD COLUMN stripe SMALLINT NOT NULL DEFAULT 0",
                "ALTER TABLE resource_counts DROP CONSTRAINT resource_counts_pkey",
                "ALTER TABLE resource_counts ADD PRIMARY KEY (kind, account, region, parent, stripe)",
            ]
        ),
        (
            // One row's writes from every replica in one queue (`PostgresResourceStore.mutate`): the row's turn (a
            // session advisory lock), then the row as the last write left it, in one round trip. A function, so
            // that the read comes after the wait, with a snapshot of its own; `FOR SHARE` also waits for a write
            // not yet committed.
            5, "row-turns",
            [
                """
                CREATE FUNCTION sagemaker_fetch_in_turn(
                    wanted_kind TEXT, wanted_account TEXT, wanted_region TEXT, wanted_id TEXT, turn BIGINT)
                RETURNS SETOF resources LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    PERFORM pg_advisory_lock(turn);
                    RETURN QUERY SELECT * FROM resources WHERE kind = wanted_kind AND account = wanted_account
                        AND region = wanted_region AND id = wanted_id FOR SHARE;
                END
                $$
                """
            ]
        ),
    ]

    /// Fills in what a version adds to the rows already there (computed in Swift), inside its transaction.
    static func backfill(
        version: Int, _ connection: PostgresConnection, indexer: ResourceIndexer, logger: Logger
    ) async throws {
        guard version == 2 else { return }
        var rows: [(Int64, String, String, String, Data)] = []
        for try await row in try await connection.query(
            "SELECT seq, kind, account, region, document FROM resources", logger: logger
        ).decode((Int64, String, String, String, Data).self) {
            rows.append(row)
        }
        for (sequence, kind, account, region, document) in rows {
            guard let kind = ResourceKind(rawValue: kind) else { continue }
            let fields = indexer(kind, document)
            try await connection.query(
                """
                UPDATE resources SET created_key = \(fields.created), modified_key = \(fields.modified),
                    sort_name = \(fields.name)
                WHERE seq = \(sequence)
                """, logger: logger)
            try await PostgresRows.insertReferences(
                connection, fields.references, sequence: sequence,
                scope: ResourceScope(account: account, region: region),
                logger: logger)
        }
    }

    /// An arbitrary key for `pg_advisory_xact_lock`, the same in every replica.
    static let lockKey: Int64 = 0x5345_4D41_4B52

    static func migrate(
        _ pool: PostgresConnectionPool, indexer: @escaping ResourceIndexer, logger: Logger
    ) async throws {
        try await pool.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                if let newest = applied.max(), newest > versions.count {
                    throw PostgresStoreFailure(
                        description: "the database's schema is version \(newest), newer than this emulator knows "
                            + "(\(versions.count)): upgrade the emulator")
                }
                for migration in versions where !applied.contains(migration.version) {
                    for statement in migration.sql {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await backfill(version: migration.version, connection, indexer: indexer, logger: logger)
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger)
                    logger.info(
                        "migrated the PostgreSQL schema",
                        metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

/// Rows of `resources` to and from `StoredResource`, and the statements the store and its transactions share.
enum PostgresRows {
    static let columns =
        "seq, kind, account, region, parent, id, name_key, status, transition, due_at, document, tags, revision"

    static func resources(_ rows: PostgresRowSequence) async throws -> [StoredResource] {
        var resources: [StoredResource] = []
        for try await row in rows {
            if let resource = try resource(row) { resources.append(resource) }
        }
        return resources
    }

    static func resource(_ row: PostgresRow) throws -> StoredResource? {
        let (
            sequence, kind, account, region, parent, id, nameKey, status, transition, dueAt, document, tags, revision
        ) =
            try row.decode(
                (Int64, String, String, String, String, String, String, String, String?, Double?, Data, Data?, Int64)
                    .self)
        guard let kind = ResourceKind(rawValue: kind) else { return nil }
        var resource = StoredResource(
            kind: kind, scope: ResourceScope(account: account, region: region), parentId: parent, id: id,
            nameKey: nameKey, status: status,
            transition: SQLiteResourceStore.transition(transition, dueAt), document: document, tags: tags)
        resource.sequence = sequence
        resource.revision = revision
        return resource
    }

    static func fetch(
        _ connection: PostgresConnection, _ kind: ResourceKind, _ scope: ResourceScope, _ id: String, lock: Bool,
        logger: Logger
    ) async throws -> StoredResource? {
        let key = ResourceKey(kind: kind, scope: scope, id: id)
        let rows =
            lock
            ? try await connection.execute(FetchLocked(key: key), logger: logger)
            : try await connection.execute(Fetch(key: key), logger: logger)
        for try await resource in rows { return resource }
        return nil
    }

    /// The key of one resource, bound as `$1`-`$4` of the statements that look it up.
    struct ResourceKey: Sendable {
        var kind: ResourceKind
        var scope: ResourceScope
        var id: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(kind.rawValue)
            bindings.append(scope.account)
            bindings.append(scope.region)
            bindings.append(id)
            return bindings
        }
    }

    // The statements of every DescribeX and UpdateX, prepared on each connection at its first use (PostgreSQL parses
    // and plans them once, not at every call; performance.md step 37).

    /// A resource by its key.
    struct Fetch: PostgresPreparedStatement {
        static let name = "sagemaker_fetch"
        static let sql = "SELECT \(columns) FROM resources WHERE kind = $1 AND account = $2 AND region = $3 AND id = $4"
        let key: ResourceKey
        func makeBindings() -> PostgresBindings { key.makeBindings() }
        func decodeRow(_ row: PostgresRow) throws -> StoredResource? { try resource(row) }
    }

    /// A resource by its key, locked until the transaction ends.
    struct FetchLocked: PostgresPreparedStatement {
        static let name = "sagemaker_fetch_locked"
        static let sql = Fetch.sql + " FOR UPDATE"
        let key: ResourceKey
        func makeBindings() -> PostgresBindings { key.makeBindings() }
        func decodeRow(_ row: PostgresRow) throws -> StoredResource? { try resource(row) }
    }

    /// Writes `after` (and its indexed fields) over the row of `before`, if the row is still at `before`'s revision;
    /// answers a row when it did.
    struct Update: PostgresPreparedStatement {
        static let name = "sagemaker_update"
        static let sql = """
            UPDATE resources SET name_key = $1, status = $2, transition = $3, due_at = $4, document = $5, tags = $6,
                revision = $7, created_key = $8, modified_key = $9, sort_name = $10
            WHERE seq = $11 AND revision = $12
            RETURNING seq
            """
        let before: StoredResource
        let after: StoredResource
        let fields: IndexedFields

        func makeBindings() throws -> PostgresBindings {
            let (transition, dueAt) = SQLiteResourceStore.transitionColumns(after.transition)
            var bindings = PostgresBindings(capacity: 12)
            bindings.append(after.nameKey)
            bindings.append(after.status)
            bindings.append(transition)
            bindings.append(dueAt)
            try bindings.append(after.document)
            try bindings.append(after.tags)
            bindings.append(after.revision)
            bindings.append(fields.created)
            bindings.append(fields.modified)
            bindings.append(fields.name)
            bindings.append(before.sequence)
            bindings.append(before.revision)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }

        /// Whether the row was still at `before`'s revision, and now holds `after`.
        static func run(_ statement: Update, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
            var written = false
            for try await _ in try await connection.execute(statement, logger: logger) { written = true }
            return written
        }
    }

    /// The row's turn among its writers on every replica, then the row as the last of them left it
    /// (`sagemaker_fetch_in_turn`, schema version 5). The turn is held until `UpdateInTurn` or `LeaveTurn`.
    struct FetchInTurn: PostgresPreparedStatement {
        static let name = "sagemaker_fetch_in_turn"
        static let sql = "SELECT \(columns) FROM sagemaker_fetch_in_turn($1, $2, $3, $4, $5)"
        let key: ResourceKey
        let turn: Int64
        func makeBindings() -> PostgresBindings {
            var bindings = key.makeBindings()
            bindings.append(turn)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> StoredResource? { try resource(row) }
    }

    /// `Update`, then the turn taken by `FetchInTurn` given up, in one statement: the next writer's `FetchLatest`
    /// waits for this write's commit. Answers 1 when the row was written.
    struct UpdateInTurn: PostgresPreparedStatement {
        static let name = "sagemaker_update_in_turn"
        static let sql =
            "WITH written AS (" + Update.sql
            + ") SELECT (SELECT count(*) FROM written)::BIGINT, pg_advisory_unlock($13)"
        let update: Update
        let turn: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = try update.makeBindings()
            bindings.append(turn)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode((Int64, Bool).self).0 }

        static func run(_ statement: Self, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
            var written = false
            for try await count in try await connection.execute(statement, logger: logger) { written = count > 0 }
            return written
        }
    }

    /// A free stripe of a quota's count, locked, and a new sequence number (`PostgresResourceStore.insertOnAStripe`).
    struct TakeStripe: PostgresPreparedStatement {
        static let name = "sagemaker_take_stripe"
        static let sql = """
            SELECT stripe::BIGINT, nextval('resource_sequence') FROM (
                SELECT stripe FROM resource_counts WHERE kind = $1 AND account = $2 AND region = $3 AND parent = $4
                ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED) AS free
            """
        let resource: StoredResource

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(resource.kind.rawValue)
            bindings.append(resource.scope.account)
            bindings.append(resource.scope.region)
            bindings.append(resource.parentId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (stripe: Int, sequence: Int64) {
            try row.decode((Int, Int64).self)
        }
    }

    /// The quota's count read, then the row inserted unless its name or id is taken or the count plus `margin` is not
    /// under `limit`, its references, and the held stripe's increment: the count and the new row's sequence (none
    /// when not inserted).
    struct InsertOnStripe: PostgresPreparedStatement {
        static let name = "sagemaker_insert_on_stripe"
        static let sql = """
            WITH total AS (
                SELECT COALESCE(SUM(count), 0)::BIGINT AS n FROM resource_counts
                WHERE kind = $1 AND account = $2 AND region = $3 AND parent = $4
            ), inserted AS (
                INSERT INTO resources (seq, kind, account, region, parent, id, name_key, status, transition, due_at,
                    document, tags, revision, created_key, modified_key, sort_name)
                SELECT $5, $1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $15
                FROM total WHERE total.n + $16 < $17
                ON CONFLICT DO NOTHING
                RETURNING seq
            ), referenced AS (
                INSERT INTO resource_references (account, region, target, seq)
                SELECT $2, $3, target, inserted.seq FROM inserted, unnest($18::TEXT[]) AS target
            ), counted AS (
                UPDATE resource_counts SET count = count + 1
                WHERE kind = $1 AND account = $2 AND region = $3 AND parent = $4 AND stripe = $19
                    AND EXISTS (SELECT 1 FROM inserted)
            )
            SELECT (SELECT n FROM total), (SELECT seq FROM inserted)
            """
        let resource: StoredResource
        let fields: IndexedFields
        let sequence: Int64
        let stripe: Int
        let margin: Int
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            let (transition, dueAt) = SQLiteResourceStore.transitionColumns(resource.transition)
            var bindings = PostgresBindings(capacity: 19)
            bindings.append(resource.kind.rawValue)
            bindings.append(resource.scope.account)
            bindings.append(resource.scope.region)
            bindings.append(resource.parentId)
            bindings.append(sequence)
            bindings.append(resource.id)
            bindings.append(resource.nameKey)
            bindings.append(resource.status)
            bindings.append(transition)
            bindings.append(dueAt)
            try bindings.append(resource.document)
            try bindings.append(resource.tags)
            bindings.append(fields.created)
            bindings.append(fields.modified)
            bindings.append(fields.name)
            bindings.append(margin)
            bindings.append(limit)
            bindings.append(Array(Set(fields.references)).sorted())
            bindings.append(stripe)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (total: Int, sequence: Int64?) {
            try row.decode((Int, Int64?).self)
        }
    }

    /// One page in the query's order (see `SQLiteResourceStore.pageRows`, the same statement in SQLite's dialect).
    static func page(
        _ connection: PostgresConnection, _ query: ResourcePageQuery, logger: Logger
    ) async throws
        -> [ListedResource]
    {
        var listed: [ListedResource] = []
        for try await row in try await connection.query(pageQuery(query), logger: logger) {
            guard let resource = try resource(row) else { continue }
            let key = try row.makeRandomAccess()[13].decode(String.self)
            listed.append(
                ListedResource(resource: resource, position: ResourcePosition(key: key, sequence: resource.sequence)))
        }
        return listed
    }

    /// A page's statement: the rows of a kind in a scope (and parent), in an order, after a position.
    static func pageQuery(_ query: ResourcePageQuery) -> PostgresQuery {
        let column = SQLiteResourceStore.sortColumn(query.order)
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var sql = """
            SELECT \(columns), \(column ?? "''") FROM resources
            WHERE kind = \(bind(query.kind.rawValue)) AND account = \(bind(query.scope.account))
                AND region = \(bind(query.scope.region))
            """
        if let column { sql += " AND \(column) <> ''" }
        switch query.parent {
        case .any: break
        case .exactly(let parent): sql += " AND parent = \(bind(parent))"
        case .prefix(let prefix): sql += " AND starts_with(parent, \(bind(prefix)))"
        }
        let (comparison, direction) = query.descending ? ("<", " DESC") : (">", "")
        if let after = query.after {
            if let column {
                sql += " AND (\(column), seq) \(comparison) (\(bind(after.key)), \(bind(after.sequence)))"
            } else {
                sql += " AND seq \(comparison) \(bind(after.sequence))"
            }
        }
        sql += " ORDER BY " + (column.map { "\($0)\(direction), " } ?? "") + "seq\(direction)"
        sql += " LIMIT \(bind(Int64(min(query.limit, Int(Int64.max)))))"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    static func insertReferences(
        _ connection: PostgresConnection, _ targets: [String], sequence: Int64, scope: ResourceScope, logger: Logger
    ) async throws {
        for target in Set(targets) {
            try await connection.query(
                """
                INSERT INTO resource_references (account, region, target, seq)
                VALUES (\(scope.account), \(scope.region), \(target), \(sequence))
                """, logger: logger)
        }
    }

    static func referrers(
        _ connection: PostgresConnection, to target: String, scope: ResourceScope, logger: Logger
    ) async throws -> [StoredResource] {
        let selected = columns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
        let query: PostgresQuery = """
            SELECT \(unescaped: selected) FROM resource_references x JOIN resources r ON r.seq = x.seq
            WHERE x.account = \(scope.account) AND x.region = \(scope.region) AND x.target = \(target)
            ORDER BY r.seq
            """
        return try await resources(connection.query(query, logger: logger))
    }

    static func nextSequences(_ connection: PostgresConnection, _ count: Int, logger: Logger) async throws -> [Int64] {
        var values: [Int64] = []
        for try await value in try await connection.query(
            "SELECT nextval('resource_sequence') FROM generate_series(1, \(count))", logger: logger
        ).decode(Int64.self) {
            values.append(value)
        }
        return values
    }

    /// Inserts `resource` at its (already drawn) sequence number, at revision 1, with its indexed fields.
    static func insert(
        _ connection: PostgresConnection, _ resource: StoredResource, _ fields: IndexedFields, logger: Logger
    ) async throws {
        let (transition, dueAt) = SQLiteResourceStore.transitionColumns(resource.transition)
        try await connection.query(
            try """
            INSERT INTO resources (seq, kind, account, region, parent, id, name_key, status, transition, due_at,
                document, tags, revision, created_key, modified_key, sort_name)
            VALUES (\(resource.sequence), \(resource.kind.rawValue), \(resource.scope.account), \(resource.scope.region),
                \(resource.parentId), \(resource.id), \(resource.nameKey), \(resource.status), \(transition), \(dueAt),
                \(resource.document), \(resource.tags), 1, \(fields.created), \(fields.modified), \(fields.name))
            """, logger: logger)
        try await insertReferences(
            connection, fields.references, sequence: resource.sequence, scope: resource.scope, logger: logger)
    }
}
