import Foundation
import GRDB
import GRDBSQLite

/// The rows of a statement that selects `SQLiteResourceStore.columns` (and, for a page, its sort key after them), read
/// straight from SQLite's columns. GRDB's `Row` copies every row and converts each column through generic
/// conversions whose metadata look-ups cost more than the read itself (6% of a ListDomains page's CPU in a profile).
final class ResourceRows: DatabaseCursor {
    typealias Element = (resource: StoredResource?, sortKey: String)

    let _statement: Statement
    var _isDone = false

    /// Binds `arguments` (which resets the statement) for a fresh iteration.
    init(_ statement: Statement, _ arguments: StatementArguments) throws {
        try statement.setArguments(arguments)
        _statement = statement
    }

    deinit {
        // As GRDB's own cursors: a statement left between two steps keeps its read transaction open.
        sqlite3_reset(_statement.sqliteStatement)
    }

    /// A row whose kind this build does not know (written by a newer one) is nil, as a row it cannot read.
    func _element(sqliteStatement row: SQLiteStatement) throws -> Element {
        let sortKey = sqlite3_column_count(row) > 13 ? Self.text(row, 13) : ""
        guard let kind = ResourceKind(rawValue: Self.text(row, 1)) else { return (nil, sortKey) }
        let transition = SQLiteResourceStore.transition(
            Self.optionalText(row, 8), sqlite3_column_type(row, 9) == SQLITE_NULL ? nil : sqlite3_column_double(row, 9))
        var resource = StoredResource(
            kind: kind, scope: ResourceScope(account: Self.text(row, 2), region: Self.text(row, 3)),
            parentId: Self.text(row, 4), id: Self.text(row, 5), nameKey: Self.text(row, 6), status: Self.text(row, 7),
            transition: transition, document: Self.blob(row, 10) ?? Data(), tags: Self.blob(row, 11))
        resource.sequence = sqlite3_column_int64(row, 0)
        resource.revision = sqlite3_column_int64(row, 12)
        return (resource, sortKey)
    }

    static func text(_ row: SQLiteStatement, _ column: CInt) -> String {
        guard let bytes = sqlite3_column_text(row, column) else { return "" }
        return String(
            decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(row, column))), as: UTF8.self)
    }

    static func optionalText(_ row: SQLiteStatement, _ column: CInt) -> String? {
        sqlite3_column_type(row, column) == SQLITE_NULL ? nil : text(row, column)
    }

    /// A BLOB (or TEXT) column's bytes; nil for NULL. A zero-length BLOB has no pointer: empty data.
    static func blob(_ row: SQLiteStatement, _ column: CInt) -> Data? {
        guard sqlite3_column_type(row, column) != SQLITE_NULL else { return nil }
        guard let bytes = sqlite3_column_blob(row, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(row, column)))
    }
}
