import AWSWire

/// Who is calling, and where: the scope of every resource an operation touches.
public struct OperationContext: Sendable {
    /// The 12-digit account the request is attributed to.
    public var account: String
    /// The region from the SigV4 credential scope.
    public var region: String
    /// The `x-amzn-RequestId` of the response.
    public var requestId: String

    public init(account: String, region: String, requestId: String) {
        self.account = account
        self.region = region
        self.requestId = requestId
    }
}

/// A structure that merges member by member: members the update leaves out keep their value,
/// nested structures merge at every depth, and lists or scalars that are sent replace the stored ones.
public protocol DeepMergeable {
    func merging(_ update: Self) -> Self
}

/// Merges an optional nested structure.
public func mergeMember<T: DeepMergeable>(_ current: T?, _ update: T?) -> T? {
    guard let update else { return current }
    guard let current else { return update }
    return current.merging(update)
}

/// The output of a Describe operation: the shape, or its exact wire form when the operations layer already holds
/// it encoded (the stored document), which is then sent as is, without a decode and encode round trip.
public enum DescribeOutput<Shape: Codable & Sendable & WireEncodable>: Sendable {
    case shape(Shape)
    case encoded([UInt8])

    /// The shape, decoding the wire form if needed.
    public func value() throws -> Shape {
        switch self {
        case .shape(let shape): shape
        case .encoded(let bytes): try WireCodec.decode(Shape.self, from: bytes)
        }
    }

    /// The response body.
    public func wireBytes() throws -> [UInt8] {
        switch self {
        case .shape(let shape): WireCodec.encode(shape: shape)
        case .encoded(let bytes): bytes
        }
    }
}

/// What one `CustomImage` entry of a settings shape names: an AppImageConfig, an image and (when pinned) a version
/// of it. Two entries that name the same three count once (the custom-image quota counts distinct ones).
public struct CustomImageReference: Sendable, Hashable, Comparable {
    public var appImageConfigName: String
    public var imageName: String
    public var imageVersionNumber: Int?

    public init(_ image: CustomImage) {
        appImageConfigName = image.appImageConfigName ?? ""
        imageName = image.imageName ?? ""
        imageVersionNumber = image.imageVersionNumber
    }

    public static func < (left: Self, right: Self) -> Bool {
        (left.appImageConfigName, left.imageName, left.imageVersionNumber ?? -1)
            < (right.appImageConfigName, right.imageName, right.imageVersionNumber ?? -1)
    }
}

/// The other resources a settings shape refers to: custom images (by AppImageConfig, image and version) and
/// studio lifecycle configurations (by ARN). Collected by generated code from the model's members.
public struct ShapeReferences: Sendable, Equatable {
    public private(set) var customImages: Set<CustomImageReference> = []
    public private(set) var lifecycleConfigArns: Set<String> = []
    /// The AppImageConfigs the custom images name.
    public private(set) var appImageConfigNames: Set<String> = []

    public init() {}

    public mutating func add(customImages images: [CustomImage]) {
        for image in images {
            appImageConfigNames.insert(image.appImageConfigName ?? "")
            customImages.insert(CustomImageReference(image))
        }
    }

    public mutating func add(lifecycleConfigArns arns: [String]) { lifecycleConfigArns.formUnion(arns) }

    public mutating func add(lifecycleConfigArn arn: String) { lifecycleConfigArns.insert(arn) }

    public var isEmpty: Bool { customImages.isEmpty && lifecycleConfigArns.isEmpty }
}

/// A shape that refers to other resources somewhere inside it.
public protocol ReferenceCollecting {
    func collectReferences(into references: inout ShapeReferences)
}

/// The values of one enum shape of the model (`DomainStatus`, `AppType`): extensible, as the wire may carry any text
/// (validation refuses what the model does not list, with the enum message); compared only with values of its own
/// shape; on the wire and in stored documents, the text itself.
public protocol VocabularyValue: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
}

extension VocabularyValue {
    public var description: String { rawValue }

    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
