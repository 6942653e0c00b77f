import Foundation

/// Trims the full botocore SageMaker model to the operations the emulator serves or will serve,
/// keeping every shape they reach and dropping documentation.
public struct ModelTrimmer: Sendable {
    /// The Studio domain family (issues: core domain API and everything that lives in a domain).
    public static let familyOperations: [String] = {
        let kinds = [
            "Domain", "UserProfile", "Space", "App", "StudioLifecycleConfig", "AppImageConfig", "Image", "ImageVersion",
            "MlflowTrackingServer",
        ]
        var names: [String] = []
        for verb in ["Create", "Describe", "Update", "Delete"] {
            for kind in kinds { names.append(verb + kind) }
        }
        for kind in kinds { names.append("List" + kind + "s") }
        names += ["AddTags", "ListTags", "DeleteTags", "CreatePresignedDomainUrl", "ListAliases"]
        names += ["StartMlflowTrackingServer", "StopMlflowTrackingServer", "CreatePresignedMlflowTrackingServerUrl"]
        return names
    }()

    public var operations: [String]
    public var botocoreVersion: String

    public init(operations: [String] = ModelTrimmer.familyOperations, botocoreVersion: String) {
        self.operations = operations
        self.botocoreVersion = botocoreVersion
    }

    public enum TrimError: Error, CustomStringConvertible {
        case notAnObject(String)
        case missingShape(String)
        public var description: String {
            switch self {
            case .notAnObject(let what): "model: \(what) is not a JSON object"
            case .missingShape(let name): "model: shape \(name) is referenced but not defined"
            }
        }
    }

    /// Returns the trimmed model as deterministic, pretty-printed JSON with sorted keys.
    public func trim(fullModel data: Data) throws -> Data {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrimError.notAnObject("root")
        }
        guard let allOperations = root["operations"] as? [String: Any],
            let allShapes = root["shapes"] as? [String: Any],
            let metadata = root["metadata"] as? [String: Any]
        else { throw TrimError.notAnObject("operations/shapes/metadata") }

        var keptOperations: [String: Any] = [:]
        var reached = Set<String>()
        var queue: [String] = []
        func reach(_ name: String) {
            if reached.insert(name).inserted { queue.append(name) }
        }
        for name in operations {
            guard let operation = allOperations[name] as? [String: Any] else { continue }
            keptOperations[name] = Self.stripDocumentation(operation)
            for key in ["input", "output"] {
                if let ref = operation[key] as? [String: Any], let shape = ref["shape"] as? String { reach(shape) }
            }
            for error in operation["errors"] as? [[String: Any]] ?? [] {
                if let shape = error["shape"] as? String { reach(shape) }
            }
        }
        var keptShapes: [String: Any] = [:]
        while let name = queue.popLast() {
            guard let shape = allShapes[name] as? [String: Any] else { throw TrimError.missingShape(name) }
            keptShapes[name] = Self.stripDocumentation(shape)
            for key in ["member", "key", "value"] {
                if let ref = shape[key] as? [String: Any], let target = ref["shape"] as? String { reach(target) }
            }
            for case let member as [String: Any] in (shape["members"] as? [String: Any] ?? [:]).values {
                if let target = member["shape"] as? String { reach(target) }
            }
        }
        let served = Set(operations)
        let trimmed: [String: Any] = [
            "version": root["version"] ?? "2.0",
            "metadata": metadata,
            "operations": keptOperations,
            "shapes": keptShapes,
            "x-emulator": [
                "botocoreVersion": botocoreVersion,
                "otherOperations": allOperations.keys.filter { !served.contains($0) }.sorted(),
            ] as [String: Any],
        ]
        var out = try JSONSerialization.data(
            withJSONObject: trimmed, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        out.append(0x0A)
        return out
    }

    static func stripDocumentation(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, inner) in object where key != "documentation" && key != "documentationUrl" {
                result[key] = stripDocumentation(inner)
            }
            return result
        }
        if let array = value as? [Any] { return array.map(stripDocumentation) }
        return value
    }
}
