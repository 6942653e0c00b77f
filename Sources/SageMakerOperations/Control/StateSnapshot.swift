import Foundation
import SageMakerStorage

/// A snapshot file the server cannot read, with the reason.
public struct InvalidStateSnapshot: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The versioned JSON form of everything the store holds (`GET`/`PUT /_emulator/state`, `serve --state`).
/// Documents and tags are kept as the exact text the store holds, so that a restored server answers every
/// Describe, List and ListTags with the same bytes.
public enum StateSnapshot {
    public static let format = "sagemaker-emulator-state"
    public static let version = 1

    public static func encode(_ contents: StoreContents, generator: String, exportedAt: Date) throws -> Data {
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
            ["account": counter.scope.account, "region": counter.scope.region, "name": counter.name, "value": counter.value]
        }
        let snapshot: [String: Any] = [
            "format": format, "version": version, "generator": generator,
            "exportedAt": exportedAt.timeIntervalSince1970, "resources": resources, "counters": counters,
        ]
        return try JSONSerialization.data(withJSONObject: snapshot, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Reads and checks a snapshot: every resource must be of a known kind, in a valid scope, with a document that
    /// is its kind's Describe form and names its own ARN.
    public static func decode(_ data: Data) throws(InvalidStateSnapshot) -> StoreContents {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InvalidStateSnapshot(description: "The state is not a JSON object.")
        }
        guard object["format"] as? String == format else {
            throw InvalidStateSnapshot(description: "The state's format must be \"\(format)\".")
        }
        guard let version = object["version"] as? Int, version == Self.version else {
            throw InvalidStateSnapshot(
                description: "The state's version \(object["version"].map { "\($0)" } ?? "(none)") is not supported; "
                    + "this emulator reads version \(Self.version).")
        }
        guard let resources = object["resources"] as? [[String: Any]], let counters = object["counters"] as? [[String: Any]]
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
        var decodedCounters: [StoredCounter] = []
        for (index, entry) in counters.enumerated() {
            guard let scope = try? scope(entry), let name = entry["name"] as? String, !name.isEmpty,
                  let value = entry["value"] as? Int
            else { throw InvalidStateSnapshot(description: "counters[\(index)] needs account, region, name and value.") }
            decodedCounters.append(StoredCounter(scope: scope, name: name, value: value))
        }
        return StoreContents(resources: decoded, counters: decodedCounters)
    }

    static func scope(_ entry: [String: Any]) throws(InvalidStateSnapshot) -> ResourceScope {
        guard let account = entry["account"] as? String, account.utf8.count == 12,
              account.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw InvalidStateSnapshot(description: "account must be 12 digits.") }
        guard let region = entry["region"] as? String, !region.isEmpty, region.utf8.count <= 32,
              region.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") })
        else { throw InvalidStateSnapshot(description: "region must be a region name such as us-east-1.") }
        return ResourceScope(account: account, region: region)
    }

    static func resource(_ entry: [String: Any]) throws(InvalidStateSnapshot) -> StoredResource {
        guard let kindName = entry["kind"] as? String, let kind = ResourceKind(rawValue: kindName) else {
            throw InvalidStateSnapshot(
                description: "kind must be one of " + ResourceKind.allCases.map(\.rawValue).joined(separator: ", ") + ".")
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
        if let named = read.arn, named != arn {
            throw InvalidStateSnapshot(description: "the document names \(named), not \(arn).")
        }
        var tags: Data?
        if let text = entry["tags"] as? String {
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [[String: Any]] else {
                throw InvalidStateSnapshot(description: "tags must be the text of a JSON list of tags.")
            }
            tags = Data(text.utf8)
        }
        var transition: PendingTransition?
        if let pending = entry["transition"] as? [String: Any] {
            guard let dueAt = pending["dueAt"] as? Double else {
                throw InvalidStateSnapshot(description: "transition.dueAt must be seconds since 1970.")
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
}
