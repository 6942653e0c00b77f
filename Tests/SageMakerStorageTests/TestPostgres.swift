import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use, if any: `SAGEMAKER_EMULATOR_TEST_DATABASE_URL` (`scripts/postgres start`).
enum TestPostgres {
    static var serverURL: String? {
        ProcessInfo.processInfo.environment["SAGEMAKER_EMULATOR_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let logger = Logger(label: "test-postgres")

    /// The certificate of the server `scripts/postgres` started, which offers TLS with it (nil for another server).
    static var serverCertificate: String? {
        ProcessInfo.processInfo.environment["SAGEMAKER_EMULATOR_TEST_POSTGRES_DIR"].map { $0 + "/server.crt" }
            .flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    /// The server is the one `scripts/postgres` started, whose rules sign sm_password_user in with a password.
    static var signsInWithPasswords: Bool {
        ProcessInfo.processInfo.environment["SAGEMAKER_EMULATOR_TEST_POSTGRES_DIR"]
            .map { FileManager.default.fileExists(atPath: $0 + "/data/pg_hba.conf") } ?? false
    }

    struct NoServer: Error {}

    /// Creates an empty database on the server and returns its URL.
    static func newDatabase() async throws -> String {
        guard let serverURL, var components = URLComponents(string: serverURL), let host = components.host else {
            throw NoServer()
        }
        let name = "sm_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let client = PostgresClient(
            configuration: .init(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: String(components.path.dropFirst()), tls: .disable),
            backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await Task.sleep(for: .milliseconds(20))  // its run() must have begun before the first lease
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            group.cancelAll()
        }
        components.path = "/" + name
        return components.string ?? serverURL
    }

    /// Runs `sql` on the database at `url`; returns the first column of its rows, as text.
    @discardableResult
    static func execute(_ sql: String, on url: String) async throws -> [String] {
        try await withConnection(to: url) { connection in
            var values: [String] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                if let cell = row.makeRandomAccess().first { values.append(try cell.decode(String?.self) ?? "") }
            }
            return values
        }
    }

    /// Runs `body` with one connection to the database at `url` (statements that must share a session).
    static func withConnection<T: Sendable>(
        to url: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard let components = URLComponents(string: url), let host = components.host else { throw NoServer() }
        let client = PostgresClient(
            configuration: .init(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: String(components.path.dropFirst()), tls: .disable),
            backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            try await Task.sleep(for: .milliseconds(20))  // its run() must have begun before the first lease
            let result = try await client.withConnection(body)
            group.cancelAll()
            return result
        }
    }
}
