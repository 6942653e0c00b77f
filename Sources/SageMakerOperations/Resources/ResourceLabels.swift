import Foundation
import SageMakerModel
import SageMakerStorage

/// What a resource keeps beside its Describe document, in the record's tags column: its tags and, for an image version,
/// its aliases. An image version's column holds both apart (`{"Aliases": [...], "Tags": [...]}`), so that neither can
/// overwrite the other; every other kind's holds its tag list. Every read and write of the column goes through here.
struct ResourceLabels: Equatable {
    var tags: [Tag] = []
    var aliases: [String] = []

    private struct ImageVersionColumn: Codable {
        var aliases: [String]?
        var tags: [Tag]?
        enum CodingKeys: String, CodingKey {
            case aliases = "Aliases"
            case tags = "Tags"
        }
    }

    /// The labels of a stored resource. An unreadable column throws: a stored document that cannot be read is the
    /// server's fault, never the request's.
    init(of record: StoredResource) throws {
        guard let column = record.tags else { return }
        guard record.kind == .imageVersion else {
            tags = try JSONDecoder().decode([Tag].self, from: column)
            return
        }
        // Before 0.11 an image version's column held its alias list alone.
        if let aliases = try? JSONDecoder().decode([String].self, from: column) {
            self.aliases = aliases
            return
        }
        let both = try JSONDecoder().decode(ImageVersionColumn.self, from: column)
        (tags, aliases) = (both.tags ?? [], both.aliases ?? [])
    }

    init(tags: [Tag] = [], aliases: [String] = []) {
        self.tags = tags
        self.aliases = aliases
    }

    /// Writes the labels into the record's column (nothing when there are none).
    func write(to record: inout StoredResource) throws {
        record.tags = try column(of: record.kind)
    }

    /// The column of a resource of this kind with these labels: nil when there are none.
    func column(of kind: ResourceKind) throws -> Data? {
        if tags.isEmpty, aliases.isEmpty { return nil }
        guard kind == .imageVersion else { return try StoredDocument.encode(tags) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(
            ImageVersionColumn(aliases: aliases.isEmpty ? nil : aliases, tags: tags.isEmpty ? nil : tags))
    }
}
