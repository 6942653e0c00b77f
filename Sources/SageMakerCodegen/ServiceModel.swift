import Foundation

/// The parts of a botocore service model (`service-2.json`) that the generator reads.
public struct ServiceModel: Decodable, Sendable {
    public var metadata: Metadata
    public var operations: [String: Operation]
    public var shapes: [String: Shape]
    /// Added by the trimmer: provenance and the operations left out of the trimmed model.
    public var emulator: EmulatorInfo?

    enum CodingKeys: String, CodingKey {
        case metadata, operations, shapes
        case emulator = "x-emulator"
    }

    public struct Metadata: Decodable, Sendable {
        public var apiVersion: String
        public var targetPrefix: String
        public var jsonVersion: String
    }

    public struct EmulatorInfo: Decodable, Sendable {
        public var botocoreVersion: String
        public var otherOperations: [String]
    }

    public struct Operation: Decodable, Sendable {
        public var name: String
        public var input: ShapeRef?
        public var output: ShapeRef?
        public var errors: [ShapeRef]?
    }

    public struct ShapeRef: Decodable, Sendable {
        public var shape: String
    }

    public struct Shape: Decodable, Sendable {
        public var type: String
        public var members: [String: ShapeRef]?
        /// Member names in the order the model file lists them (JSON objects have no order once decoded).
        public var memberOrder: [String] = []
        public var required: [String]?
        public var member: ShapeRef?
        public var key: ShapeRef?
        public var value: ShapeRef?
        public var min: Double?
        public var max: Double?
        public var pattern: String?
        public var `enum`: [String]?
        public var exception: Bool?
        public var union: Bool?

        enum CodingKeys: String, CodingKey {
            case type, members, required, member, key, value, min, max, pattern, `enum`, exception, union
        }
    }

    /// Decodes a model and records each structure's member order from the raw text.
    public static func load(from data: Data) throws -> ServiceModel {
        var model = try JSONDecoder().decode(ServiceModel.self, from: data)
        // The trimmed model is written with sorted keys, so sorted member names are the file order.
        for (name, shape) in model.shapes where shape.members != nil {
            model.shapes[name]?.memberOrder = shape.members!.keys.sorted()
        }
        return model
    }
}
