/// The service model as the Swift code sees it: the middle step between the parsed botocore JSON (`ServiceModel`)
/// and the rendered files. Every name, type and constraint is decided here, so that rendering is only writing.
public struct SwiftModel: Sendable, Equatable {
    public var apiVersion: String
    public var botocoreVersion: String
    public var targetPrefix: String
    /// Structures (not exceptions), by name.
    public var structures: [Structure]
    /// Scalar, list and map shapes with a constraint, each a `ShapeConstraints` member.
    public var constraints: [Constraint]
    /// Enum shapes, each a namespace of constants, one per value.
    public var vocabularies: [Vocabulary]
    /// The served operations, by name.
    public var operations: [Operation]
    /// The exception shapes the operations declare.
    public var errors: [ModelledError]
    /// Operations of the full service model that are not served.
    public var otherOperations: [String]

    /// How a member's value is held and read.
    public indirect enum TypeRef: Sendable, Equatable {
        case structure(String)
        /// `constraint`: the `ShapeConstraints` member that checks it, if any.
        case string(constraint: String?)
        /// A string of an enum shape: its `Vocabulary` struct (any text is representable; validation checks it).
        case enumeration(String, constraint: String?)
        case bool
        case integer(constraint: String?)
        case long(constraint: String?)
        case double(constraint: String?)
        case timestamp
        case list(of: TypeRef, constraint: String?)
        case map(key: TypeRef, value: TypeRef, constraint: String?)

        public var swiftType: String {
            switch self {
            case .structure(let name): name
            case .string: "String"
            case .enumeration(let name, _): name
            case .bool: "Bool"
            case .integer: "Int"
            case .long: "Int64"
            case .double: "Double"
            case .timestamp: "Date"
            case .list(let element, _): "[\(element.swiftType)]"
            case .map(let key, let value, _): "[\(key.swiftType): \(value.swiftType)]"
            }
        }

        /// The structure held directly or as list elements.
        public var elementStructure: String? {
            switch self {
            case .structure(let name): name
            case .list(.structure(let name), _): name
            default: nil
            }
        }
    }

    public struct Member: Sendable, Equatable {
        /// The name on the wire (`VpcId`).
        public var wireName: String
        /// The Swift property (`vpcId`; keywords in backticks).
        public var property: String
        /// The property without backticks, for `self.` and key paths.
        public var bareName: String
        /// The model shape it holds.
        public var shape: String
        public var type: TypeRef
        public var isRequired: Bool
        /// For members that name other resources: the `ShapeReferences` list they go to.
        public var referenceKind: String?
        /// An integer that reads as absent when a client sends 0 (see `SwiftModelBuilder.zeroIsAbsent`).
        public var zeroIsAbsent: Bool = false
    }

    public struct Structure: Sendable, Equatable {
        public var name: String
        public var members: [Member]
        public var isUnion: Bool
        /// Whether it refers to other resources, itself or through nested structures.
        public var collectsReferences: Bool
    }

    public struct Constraint: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case string(min: Int64?, max: Int64?, pattern: String?, values: [String]?)
            case count(min: Int64?, max: Int64?)
            case number(min: Int64?, max: Int64?)
        }

        public var shape: String
        public var kind: Kind
    }

    public struct Vocabulary: Sendable, Equatable {
        public struct Constant: Sendable, Equatable {
            /// The Swift name (`updateFailed`).
            public var name: String
            /// The value on the wire (`Update_Failed`).
            public var value: String
        }

        public var shape: String
        public var constants: [Constant]
    }

    public struct Operation: Sendable, Equatable {
        public var name: String
        /// The handler method (`updateDomain`).
        public var method: String
        public var input: String?
        public var output: String?
        /// Describe operations may answer with the stored wire form of their output (`DescribeOutput`).
        public var returnsWireDocument: Bool
    }

    public struct ModelledError: Sendable, Equatable {
        /// The shape, which is also the code sent in `__type` (`ResourceNotFound`).
        public var code: String
        /// The Swift name of the code and of the error's factory (`resourceNotFound`).
        public var name: String
    }
}
