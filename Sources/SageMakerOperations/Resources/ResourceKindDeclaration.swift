import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// A resource kind, declared: what differs between kinds is data here, and the lifecycle (`ResourceLifecycle`) is
/// written once. The store keys a resource by its ARN after `<kind>/` (`ResourceNames`), and keeps its Describe
/// document with its status in step with the status column (`ResourceInvariants` checks both).
struct ResourceKindDeclaration: Sendable {
    /// Seconds each transition of a kind takes; zero means none (the change is final inside the request).
    struct Delays: Sendable {
        var create: Double
        var update: Double
        var delete: Double
    }

    /// How the lifecycle reads and restamps a kind's stored document (its Describe shape) without knowing its type.
    struct DocumentForm: Sendable {
        /// The ARN and status the document carries (a kind without statuses answers `configurationStatus`).
        let read: @Sendable (Data) throws -> (arn: String?, status: String?)
        /// The document with a new status and, where the shape has one, modification time (the scheduler's step);
        /// a failure reason given replaces the shape's own.
        let restamp: @Sendable (Data, _ status: String, _ at: Date, _ failureReason: String?) throws -> Data

        /// The form of a Describe shape with a status.
        static func statusCarrying<Shape: StatusCarrying & ResourceDocument & Sendable>(
            _ type: Shape.Type
        ) -> DocumentForm {
            DocumentForm(
                read: { data in
                    let shape = try StoredDocument.decode(Shape.self, from: data)
                    return (shape.arn, shape.status)
                },
                restamp: { data, status, date, reason in
                    var shape = try StoredDocument.decode(Shape.self, from: data)
                    shape.status = status
                    if let reason = reason ?? shape.failureReason(becoming: status) { shape.failureReason = reason }
                    shape.stamp(modified: date)
                    return try StoredDocument.encode(shape)
                })
        }

        /// The form of a configuration: no status in the model, never restamped.
        static func configuration<Shape: Decodable & WireDecodable & ResourceDocument & Sendable>(
            _ type: Shape.Type
        ) -> DocumentForm {
            DocumentForm(
                read: { data in (try StoredDocument.decode(Shape.self, from: data).arn, configurationStatus) },
                restamp: { data, _, _, _ in data })
        }
    }

    /// The statuses a kind's lifecycle moves through: domains, user profiles and spaces say Pending, InService,
    /// Updating, Deleting; images say CREATING, CREATED, UPDATING, DELETING.
    struct Statuses: Sendable {
        var creating: String
        var ready: String
        var updating: String
        var deleting: String

        static let domainLike = Statuses(
            creating: DomainStatus.pending, ready: DomainStatus.inService, updating: DomainStatus.updating,
            deleting: DomainStatus.deleting)
        static let image = Statuses(
            creating: ImageStatus.creating, ready: ImageStatus.created, updating: ImageStatus.updating,
            deleting: ImageStatus.deleting)
    }

    /// A service quota on how many resources of the kind a scope (or a parent) holds.
    struct Quota: Sendable {
        let limit: @Sendable (Quotas) -> Int
        /// The quota's name and unit in `ResourceLimitExceeded` messages.
        let name: String
        let unit: String
    }

    let kind: ResourceKind
    /// How messages name the kind: `UserProfile`, `Studio Lifecycle Config`.
    let label: String
    /// The kind of the resource it lives in (a domain's user profiles), nil for a top-level kind.
    let parent: ResourceKind?
    /// The statuses from which an update may start.
    let updatableFrom: Set<String>
    /// The statuses in which a delete is refused.
    let undeletableIn: Set<String>
    let delays: @Sendable (StatusDelays) -> Delays
    let quota: Quota?
    /// Whether AddTags, ListTags and DeleteTags take its ARN.
    let isTaggable: Bool
    let document: DocumentForm
    var statuses: Statuses = .domainLike
    /// The ResourceInUse text of a second resource with the same key, where AWS's is known and differs.
    var duplicateMessage: (@Sendable (_ arn: String) -> String)? = nil

    func arn(_ scope: ResourceScope, id: String) -> String { ResourceNames.arn(kind, scope, id: id) }

    /// `<Label> [<arn>] does not exist.` (ResourceNotFound).
    func notFound(_ id: String, _ context: OperationContext) -> AWSError {
        .resourceNotFound("\(label) [\(arn(context.scope, id: id))] does not exist.")
    }

    /// `<Label> [<arn>] already exists.` (ResourceInUse).
    func alreadyExists(_ arn: String) -> AWSError {
        .resourceInUse(duplicateMessage?(arn) ?? "\(label) [\(arn)] already exists.")
    }

    /// `Unable to <verb> <Label> [<arn>] because it is in <status> status.` (ResourceInUse).
    func refused(_ verb: String, _ arn: String, status: String) -> AWSError {
        .resourceInUse("Unable to \(verb) \(label) [\(arn)] because it is in \(status) status.")
    }

    func limitExceeded(limit: Int, current: Int) -> AWSError {
        .resourceLimitExceeded(
            QuotaMessage.text(
                name: quota?.name ?? label, limit: limit, current: current, delta: 1, unit: quota?.unit ?? label))
    }
}

extension ResourceKindDeclaration {
    /// Domains, user profiles and spaces share these status rules (docs/aws-facts.md, "Statuses").
    private static let updatable: Set<String> = [DomainStatus.inService, DomainStatus.updateFailed]
    private static let busy: Set<String> = [DomainStatus.pending, DomainStatus.updating, DomainStatus.deleting]

    static let domain = ResourceKindDeclaration(
        kind: .domain, label: "Domain", parent: nil, updatableFrom: updatable, undeletableIn: [],
        delays: { Delays(create: $0.domainCreate, update: $0.domainUpdate, delete: $0.domainDelete) },
        quota: Quota(limit: { $0.domainsPerRegion }, name: "Total domains", unit: "Domains"), isTaggable: true,
        document: .statusCarrying(DescribeDomainResponse.self))

    static let userProfile = ResourceKindDeclaration(
        kind: .userProfile, label: "UserProfile", parent: .domain, updatableFrom: updatable, undeletableIn: busy,
        delays: { Delays(create: $0.userProfile, update: $0.userProfile, delete: $0.userProfile) },
        quota: Quota(limit: { $0.userProfilesPerDomain }, name: "User profiles per domain", unit: "User profiles"),
        isTaggable: true, document: .statusCarrying(DescribeUserProfileResponse.self))

    static let space = ResourceKindDeclaration(
        kind: .space, label: "Space", parent: .domain, updatableFrom: updatable, undeletableIn: busy,
        delays: { Delays(create: $0.space, update: $0.space, delete: $0.space) },
        quota: Quota(limit: { $0.spacesPerDomain }, name: "Spaces per domain", unit: "Spaces"), isTaggable: true,
        document: .statusCarrying(DescribeSpaceResponse.self))

    /// Apps live in a user profile or a space; their quota counts those that are not Deleted or Failed.
    static let app = ResourceKindDeclaration(
        kind: .app, label: "App", parent: .domain, updatableFrom: [],
        undeletableIn: [AppStatus.pending, AppStatus.deleting],
        delays: { Delays(create: $0.appCreate, update: 0, delete: $0.appDelete) },
        quota: Quota(limit: { $0.appsPerOwner }, name: "Apps per user profile or space", unit: "Apps"),
        isTaggable: true, document: .statusCarrying(DescribeAppResponse.self))

    static let studioLifecycleConfig = ResourceKindDeclaration(
        kind: .studioLifecycleConfig, label: "Studio Lifecycle Config", parent: nil, updatableFrom: [],
        undeletableIn: [], delays: { _ in Delays(create: 0, update: 0, delete: 0) }, quota: nil, isTaggable: true,
        document: .configuration(DescribeStudioLifecycleConfigResponse.self))

    static let appImageConfig = ResourceKindDeclaration(
        kind: .appImageConfig, label: "AppImageConfig", parent: nil, updatableFrom: [], undeletableIn: [],
        delays: { _ in Delays(create: 0, update: 0, delete: 0) }, quota: nil, isTaggable: true,
        document: .configuration(DescribeAppImageConfigResponse.self))

    /// Images: top-level, named, CREATING -> CREATED, UPDATING -> CREATED, DELETING -> gone (with their versions).
    static let image = ResourceKindDeclaration(
        kind: .image, label: "Image", parent: nil,
        updatableFrom: [ImageStatus.created, ImageStatus.updateFailed],
        undeletableIn: [ImageStatus.creating, ImageStatus.updating, ImageStatus.deleting],
        delays: { Delays(create: $0.image, update: $0.image, delete: $0.image) }, quota: nil, isTaggable: true,
        document: .statusCarrying(DescribeImageResponse.self), statuses: .image,
        // AWS's text, as quoted in aws-samples/sagemaker-studio-custom-image-samples issue 17.
        duplicateMessage: { arn in
            let name = arn.split(separator: "/").last.map(String.init) ?? ""
            return "The Image with ImageName \(name) already exists. Please use a different ImageName."
        })

    /// Image versions: `<image>/<version>` in their image; CREATING -> CREATED, DELETING -> gone. An update changes
    /// their metadata at once (ImageVersionStatus has no UPDATING).
    static let imageVersion = ResourceKindDeclaration(
        kind: .imageVersion, label: "ImageVersion", parent: .image,
        updatableFrom: [ImageVersionStatus.created],
        undeletableIn: [ImageVersionStatus.creating, ImageVersionStatus.deleting],
        delays: { Delays(create: $0.image, update: 0, delete: $0.image) }, quota: nil, isTaggable: false,
        document: .statusCarrying(DescribeImageVersionResponse.self), statuses: .image)

    /// Configurations have no status in the model; the store's status column holds this one.
    static let configurationStatus = "Available"

    /// The declaration of every kind the store holds.
    /// Every status the model gives the kind (a configuration has the one `configurationStatus`).
    var statusValues: [String] {
        switch kind {
        case .domain: DomainStatus.allValues
        case .userProfile: UserProfileStatus.allValues
        case .space: SpaceStatus.allValues
        case .app: AppStatus.allValues
        case .studioLifecycleConfig, .appImageConfig: [Self.configurationStatus]
        case .image: ImageStatus.allValues
        case .imageVersion: ImageVersionStatus.allValues
        }
    }

    static func of(_ kind: ResourceKind) -> ResourceKindDeclaration {
        switch kind {
        case .domain: domain
        case .userProfile: userProfile
        case .space: space
        case .app: app
        case .studioLifecycleConfig: studioLifecycleConfig
        case .appImageConfig: appImageConfig
        case .image: image
        case .imageVersion: imageVersion
        }
    }
}

/// A Describe document that carries its own ARN.
protocol ResourceDocument {
    var arn: String? { get }
}

/// A document with a home directory on the domain's EFS volume (user profiles and spaces).
protocol HomeDirectoryOwning {
    var homeEfsFileSystemUid: String? { get set }
}

extension DescribeDomainResponse: ResourceDocument {
    var arn: String? { domainArn }
}

extension DescribeUserProfileResponse: ResourceDocument, HomeDirectoryOwning {
    var arn: String? { userProfileArn }
}

extension DescribeSpaceResponse: ResourceDocument, HomeDirectoryOwning {
    var arn: String? { spaceArn }
}

extension DescribeAppResponse: ResourceDocument {
    var arn: String? { appArn }
}

extension DescribeStudioLifecycleConfigResponse: ResourceDocument {
    var arn: String? { studioLifecycleConfigArn }
}

extension DescribeAppImageConfigResponse: ResourceDocument {
    var arn: String? { appImageConfigArn }
}

extension DescribeImageResponse: ResourceDocument {
    var arn: String? { imageArn }
}

extension DescribeImageVersionResponse: ResourceDocument {
    var arn: String? { imageVersionArn }
}
