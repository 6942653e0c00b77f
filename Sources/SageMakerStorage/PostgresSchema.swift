import Foundation
import Logging
import PostgresNIO

/// Where the database is: a `postgres://` URL turned into the client's configuration.
struct PostgresLocation {
    let clientConfiguration: PostgresClient.Configuration

    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]` (also `postgresql://`); the user
    /// defaults to `postgres`, the port to 5432, the database to the user's name.
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
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        default: throw PostgresStoreFailure(description: "unknown sslmode \(mode) in the PostgreSQL URL")
        }
        clientConfiguration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: username, password: password, database: database,
            tls: tls)
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
        )
    ]

    /// An arbitrary key for `pg_advisory_xact_lock`, the same in every replica.
    static let lockKey: Int64 = 0x5345_4D41_4B52

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withConnection { connection in
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
        let (sequence, kind, account, region, parent, id, nameKey, status, transition, dueAt, document, tags, revision) =
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
        let query: PostgresQuery = """
            SELECT \(unescaped: columns) FROM resources
            WHERE kind = \(kind.rawValue) AND account = \(scope.account) AND region = \(scope.region) AND id = \(id)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """
        return try await resources(connection.query(query, logger: logger)).first
    }

    static func list(
        _ connection: PostgresConnection, _ kind: ResourceKind, _ scope: ResourceScope, parentId: String?,
        after sequence: Int64, limit: Int, logger: Logger
    ) async throws -> [StoredResource] {
        let query: PostgresQuery =
            if let parentId {
                """
                SELECT \(unescaped: columns) FROM resources
                WHERE kind = \(kind.rawValue) AND account = \(scope.account) AND region = \(scope.region)
                    AND parent = \(parentId) AND seq > \(sequence)
                ORDER BY seq LIMIT \(limit)
                """
            } else {
                """
                SELECT \(unescaped: columns) FROM resources
                WHERE kind = \(kind.rawValue) AND account = \(scope.account) AND region = \(scope.region)
                    AND seq > \(sequence)
                ORDER BY seq LIMIT \(limit)
                """
            }
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

    /// Inserts `resource` at its (already drawn) sequence number, at revision 1.
    static func insert(_ connection: PostgresConnection, _ resource: StoredResource, logger: Logger) async throws {
        let (transition, dueAt) = SQLiteResourceStore.transitionColumns(resource.transition)
        try await connection.query(
            try """
            INSERT INTO resources (seq, kind, account, region, parent, id, name_key, status, transition, due_at,
                document, tags, revision)
            VALUES (\(resource.sequence), \(resource.kind.rawValue), \(resource.scope.account), \(resource.scope.region),
                \(resource.parentId), \(resource.id), \(resource.nameKey), \(resource.status), \(transition), \(dueAt),
                \(resource.document), \(resource.tags), 1)
            """, logger: logger)
    }
}
