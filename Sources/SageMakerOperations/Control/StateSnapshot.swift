import Foundation
import SageMakerModel
import SageMakerStorage

/// A snapshot file the server cannot read, with the reason.
public struct InvalidStateSnapshot: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// The versioned JSON form of everything the store holds (`GET`/`PUT /_emulator/state`, `serve --state`).
/// Documents and tags are kept as the exact text the store holds, so that a restored server answers every
/// Describe, List and ListTags with the same bytes.
public enum StateSnapshot {
    public static let format = "sagemaker-emulator-state"
    public static let version = 1

    /// `extra` adds members beside the store's (the upstream's part, which the server keeps).
    public static func encode(
        _ contents: StoreContents, generator: String, exportedAt: Date, extra: [String: Any] = [:]
    ) throws -> Data {
        let resources: [[String: Any]] = contents.resources.map { resource in
            var object: [String: Any] = [
                "kind": resource.kind.rawValue, "account": resource.scope.account, "region": resource.scope.region,
                "parent": resource.parentId, "id": resource.id, "nameKey": resource.nameKey, "status": resource.status,
                "document": String(decoding: resource.document, as: UTF8.self),
            ]
            if let tags = resource.tags { object["tags"] = String(decoding: tags, as: UTF8.self) }
            if let transition = resource.transition {
                var pending: [String: Any] = ["dueAt": transition.dueAt.timeIntervalSince1970]
                switch transition.outcome {
                case .status(let status): pending["status"] = status
                case .removal: pending["removal"] = true
                }
                object["transition"] = pending
            }
            return object
        }
        let counters: [[String: Any]] = contents.counters.map { counter in
            [
                "account": counter.scope.account, "region": counter.scope.region, "name": counter.name,
                "value": counter.value,
            ]
        }
        var snapshot: [String: Any] = [
            "format": format, "version": version, "generator": generator,
            "exportedAt": exportedAt.timeIntervalSince1970, "resources": resources, "counters": counters,
        ]
        snapshot.merge(extra) { own, _ in own }
        return try JSONSerialization.data(withJSONObject: snapshot, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Reads and checks a snapshot against what the API itself can produce: every resource of a known kind, in a
    /// valid scope, with a document that is its kind's Describe form, names its own ARN and carries the status of
    /// the status column, a status the kind has, tags that are tags (and an image version's aliases), a pending
    /// transition to a status of the kind at a finite time; parents that exist, one resource per id and per name
    /// among its siblings, no removal pending on a resource with children; counters within `StoredCounter`'s bound.
    public static func decode(_ data: Data) throws(InvalidStateSnapshot) -> StoreContents {
        try decodeWithUpstream(data).contents
    }

    /// `decode`, with the snapshot's `upstream` member as it stands (nil when there is none), which the server reads:
    /// the JSON is parsed once.
    public static func decodeWithUpstream(
        _ data: Data
    ) throws(InvalidStateSnapshot) -> (contents: StoreContents, upstream: Any?) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InvalidStateSnapshot(description: "The state is not a JSON object.")
        }
        if let unknown = object.keys.first(where: {
            ![
                "format", "version", "generator", "exportedAt", "resources",
                "counters", "upstream",
            ].contains($0)
        }) {
            throw InvalidStateSnapshot(description: "Unknown member \"\(unknown)\" of the state.")
        }
        guard object["format"] as? String == format else {
            throw InvalidStateSnapshot(description: "The state's format must be \"\(format)\".")
        }
        guard let version = object["version"] as? Int, version == Self.version else {
            throw InvalidStateSnapshot(
                description: "The state's version \(object["version"].map { "\($0)" } ?? "(none)") is not supported; "
                    + "this emulator reads version \(Self.version).")
        }
        guard let resources = object["resources"] as? [[String: Any]],
            let counters = object["counters"] as? [[String: Any]]
        else { throw InvalidStateSnapshot(description: "The state needs the lists resources and counters.") }
        var decoded: [StoredResource] = []
        decoded.reserveCapacity(resources.count)
        for (index, entry) in resources.enumerated() {
            do {
                decoded.append(try resource(entry))
            } catch {
                throw InvalidStateSnapshot(description: "resources[\(index)]: \(error.description)")
            }
        }
        try checkRelations(decoded)
        var decodedCounters: [StoredCounter] = []
        for (index, entry) in counters.enumerated() {
            if let unknown = entry.keys.first(where: { !["account", "region", "name", "value"].contains($0) }) {
                throw InvalidStateSnapshot(description: "counters[\(index)]: unknown member \"\(unknown)\".")
            }
            guard let scope = try? scope(entry), let name = entry["name"] as? String, !name.isEmpty,
                let value = entry["value"] as? Int
            else {
                throw InvalidStateSnapshot(description: "counters[\(index)] needs account, region, name and value.")
            }
            guard (0...StoredCounter.maximumValue).contains(value) else {
                throw InvalidStateSnapshot(
                    description: "counters[\(index)]: value must be from 0 to \(StoredCounter.maximumValue).")
            }
            decodedCounters.append(StoredCounter(scope: scope, name: name, value: value))
        }
        return (StoreContents(resources: decoded, counters: decodedCounters), object["upstream"])
    }

    /// Latest time a snapshot may name, and the emulator's clock may reach (the end of year 9999): times stay finite.
    public static let latestTime: Double = 253_402_300_799

    /// What holds between resources: parents exist, ids and sibling names are unique, no resource with children is
    /// about to be removed.
    static func checkRelations(_ resources: [StoredResource]) throws(InvalidStateSnapshot) {
        struct Key: Hashable {
            let kind: ResourceKind
            let scope: ResourceScope
            let id: String
        }
        struct Name: Hashable {
            let kind: ResourceKind
            let scope: ResourceScope
            let parent: String
            let nameKey: String
        }
        var ids: Set<Key> = []
        var names: Set<Name> = []
        for (index, resource) in resources.enumerated() {
            guard ids.insert(Key(kind: resource.kind, scope: resource.scope, id: resource.id)).inserted else {
                throw InvalidStateSnapshot(description: "resources[\(index)]: \(resource.id) is given twice.")
            }
            let name = Name(
                kind: resource.kind, scope: resource.scope, parent: resource.parentId, nameKey: resource.nameKey)
            guard names.insert(name).inserted else {
                throw InvalidStateSnapshot(
                    description: "resources[\(index)]: the name \(resource.nameKey) is taken by another "
                        + "\(resource.kind.rawValue).")
            }
        }
        var parents: Set<Key> = []
        for (index, resource) in resources.enumerated() {
            guard let parentKind = ResourceKindDeclaration.of(resource.kind).parent else {
                guard resource.parentId.isEmpty else {
                    throw InvalidStateSnapshot(
                        description: "resources[\(index)]: a \(resource.kind.rawValue) has no parent.")
                }
                continue
            }
            let parent = Key(kind: parentKind, scope: resource.scope, id: resource.parentId)
            guard ids.contains(parent) else {
                throw InvalidStateSnapshot(
                    description: "resources[\(index)]: its \(parentKind.rawValue) \(resource.parentId) is not in the "
                        + "state.")
            }
            parents.insert(parent)
        }
        for (index, resource) in resources.enumerated() {
            if case .removal = resource.transition?.outcome,
                parents.contains(Key(kind: resource.kind, scope: resource.scope, id: resource.id))
            {
                throw InvalidStateSnapshot(
                    description: "resources[\(index)]: a removal is pending on \(resource.id), which has children.")
            }
        }
    }

    static func scope(_ entry: [String: Any]) throws(InvalidStateSnapshot) -> ResourceScope {
        guard let account = entry["account"] as? String, account.utf8.count == 12,
            account.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw InvalidStateSnapshot(description: "account must be 12 digits.") }
        guard let region = entry["region"] as? String, !region.isEmpty, region.utf8.count <= 32,
            region.utf8.allSatisfy({
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
            })
        else { throw InvalidStateSnapshot(description: "region must be a region name such as us-east-1.") }
        return ResourceScope(account: account, region: region)
    }

    static func resource(_ entry: [String: Any]) throws(InvalidStateSnapshot) -> StoredResource {
        let members: Set<String> = [
            "kind", "account", "region", "parent", "id", "nameKey", "status", "document", "tags", "transition",
        ]
        if let unknown = entry.keys.first(where: { !members.contains($0) }) {
            throw InvalidStateSnapshot(description: "unknown member \"\(unknown)\".")
        }
        guard let kindName = entry["kind"] as? String, let kind = ResourceKind(rawValue: kindName) else {
            throw InvalidStateSnapshot(
                description: "kind must be one of " + ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")
                    + ".")
        }
        let scope = try scope(entry)
        guard let id = entry["id"] as? String, !id.isEmpty, let nameKey = entry["nameKey"] as? String, !nameKey.isEmpty,
            let status = entry["status"] as? String, !status.isEmpty, let text = entry["document"] as? String
        else { throw InvalidStateSnapshot(description: "id, nameKey, status and document are required strings.") }
        let parent = entry["parent"] as? String ?? ""
        let document = Data(text.utf8)
        let declaration = ResourceKindDeclaration.of(kind)
        guard let read = try? declaration.document.read(document) else {
            throw InvalidStateSnapshot(description: "the document is not the Describe form of a \(kind.rawValue).")
        }
        let arn = ResourceNames.arn(kind, scope, id: id)
        guard read.arn == arn else {
            throw InvalidStateSnapshot(
                description: "the document names \(read.arn ?? "no ARN of a \(kind.rawValue)"), not \(arn).")
        }
        let statuses = declaration.statusValues
        guard statuses.contains(status), read.status == status else {
            throw InvalidStateSnapshot(
                description: "status must be the document's and one of " + statuses.joined(separator: ", ") + ".")
        }
        var tags: Data?
        if let text = entry["tags"] as? String {
            tags = Data(text.utf8)
            try checkLabels(kind: kind, scope: scope, id: id, tags: tags)
        }
        var transition: PendingTransition?
        if let pending = entry["transition"] as? [String: Any] {
            if let unknown = pending.keys.first(where: { !["dueAt", "status", "removal"].contains($0) }) {
                throw InvalidStateSnapshot(description: "unknown member \"\(unknown)\" of transition.")
            }
            guard let dueAt = pending["dueAt"] as? Double, dueAt.isFinite, (0...latestTime).contains(dueAt) else {
                throw InvalidStateSnapshot(
                    description: "transition.dueAt must be seconds since 1970, at most \(Int(latestTime)).")
            }
            if let next = pending["status"] as? String, !statuses.contains(next) {
                throw InvalidStateSnapshot(
                    description: "transition.status must be one of " + statuses.joined(separator: ", ") + ".")
            }
            if pending["removal"] as? Bool == true {
                transition = PendingTransition(.removal, dueAt: Date(timeIntervalSince1970: dueAt))
            } else if let next = pending["status"] as? String, !next.isEmpty {
                transition = PendingTransition(.status(next), dueAt: Date(timeIntervalSince1970: dueAt))
            } else {
                throw InvalidStateSnapshot(description: "transition needs status or removal.")
            }
        }
        return StoredResource(
            kind: kind, scope: scope, parentId: parent, id: id, nameKey: nameKey, status: status,
            transition: transition, document: document, tags: tags)
    }

    /// Tags as AddTags could have left them (at most 50, keys of 1 to 128 characters, values of at most 256), and an
    /// image version's aliases beside them.
    static func checkLabels(
        kind: ResourceKind, scope: ResourceScope, id: String, tags: Data?
    ) throws(InvalidStateSnapshot) {
        let record = StoredResource(
            kind: kind, scope: scope, id: id, nameKey: id, status: "", document: Data(), tags: tags)
        guard let labels = try? ResourceLabels(of: record) else {
            throw InvalidStateSnapshot(
                description: kind == .imageVersion
                    ? "tags must be the text of {\"Aliases\": [...], \"Tags\": [...]}."
                    : "tags must be the text of a JSON list of tags.")
        }
        let wellFormed = labels.tags.allSatisfy { tag in
            guard let key = tag.key, (1...128).contains(key.utf16.count), let value = tag.value else { return false }
            return value.utf16.count <= 256
        }
        guard wellFormed, labels.tags.count <= 50, Set(labels.tags.map(\.key)).count == labels.tags.count else {
            throw InvalidStateSnapshot(
                description: "tags must be at most 50 distinct keys of 1 to 128 characters with values of at most 256.")
        }
        guard labels.aliases.allSatisfy({ !$0.isEmpty && $0.utf16.count <= 128 }),
            Set(labels.aliases).count == labels.aliases.count
        else { throw InvalidStateSnapshot(description: "aliases must be distinct names of 1 to 128 characters.") }
    }
}
