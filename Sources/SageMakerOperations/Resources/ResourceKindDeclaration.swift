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
                    return (shape.arn, shape.statusText)
                },
                restamp: { data, status, date, reason in
                    var shape = try StoredDocument.decode(Shape.self, from: data)
                    shape.statusText = status
                    if let reason = reason ?? shape.failureReason(becoming: Shape.Status(rawValue: status)) {
                        shape.failureReason = reason
                    }
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
        /// Where an update ends, when it is not `ready` (a tracking server's Updated).
        var updated: String? = nil

        var afterUpdate: String { updated ?? ready }

        static let domainLike = Statuses(
            creating: DomainStatus.pending.rawValue, ready: DomainStatus.inService.rawValue,
            updating: DomainStatus.updating.rawValue,
            deleting: DomainStatus.deleting.rawValue)
        static let image = Statuses(
            creating: ImageStatus.creating.rawValue, ready: ImageStatus.created.rawValue,
            updating: ImageStatus.updating.rawValue,
            deleting: ImageStatus.deleting.rawValue)
    }

    /// A transition an operation starts: the status the resource shows until it is due, and the failure statuses a
    /// fault rule may end it in (`failTransition`); `failure` is the one AWS reports for a failure of this phase.
    struct Phase: Sendable {
        /// The operation that starts it: `CreateDomain`, `StopMlflowTrackingServer`.
        let operation: String
        /// The status the resource is in meanwhile.
        let status: String
        let failure: String
        var failures: [String]

        init(_ operation: String, _ status: String, failure: String, among failures: [String]? = nil) {
            self.operation = operation
            self.status = status
            self.failure = failure
            self.failures = failures ?? [failure]
        }

        /// Create, update and delete of a kind with the statuses `statuses`, where each ends in its own failure
        /// status (`among`, when a fault rule may choose another of the kind's failures).
        static func lifecycle(
            _ noun: String, _ statuses: Statuses, failed: String, updateFailed: String?, deleteFailed: String,
            among: [String]? = nil
        ) -> [Phase] {
            var phases = [Phase("Create" + noun, statuses.creating, failure: failed, among: among)]
            if let updateFailed {
                phases.append(Phase("Update" + noun, statuses.updating, failure: updateFailed, among: among))
            }
            phases.append(Phase("Delete" + noun, statuses.deleting, failure: deleteFailed, among: among))
            return phases
        }
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
    /// Every status the model gives the kind (a configuration has the one `configurationStatus`).
    let statusValues: [String]
    /// The transitions its operations start, which a fault rule can fail.
    var phases: [Phase] = []
    /// What the store keeps beside its document: sort keys and references (`ResourceIndexing`).
    let index: @Sendable (Data) throws -> IndexedFields
    /// The ResourceInUse text of a second resource with the same key, where AWS's is known and differs.
    var duplicateMessage: (@Sendable (_ arn: String) -> String)? = nil
    /// The error of an operation its status refuses (the model's ConflictException, where the kind's operations
    /// name it).
    var conflict: @Sendable (_ message: String) -> AWSError = { .resourceInUse($0) }

    func arn(_ scope: ResourceScope, id: String) -> String { ResourceNames.arn(kind, scope, id: id) }

    /// `<Label> [<arn>] does not exist.` (ResourceNotFound).
    func notFound(_ id: String, _ context: OperationContext) -> AWSError {
        .resourceNotFound("\(label) [\(arn(context.scope, id: id))] does not exist.")
    }

    /// `<Label> [<arn>] already exists.` (ResourceInUse).
    func alreadyExists(_ arn: String) -> AWSError {
        .resourceInUse(duplicateMessage?(arn) ?? "\(label) [\(arn)] already exists.")
    }

    /// `Unable to <verb> <Label> [<arn>] because it is in <status> status.` (ResourceInUse, or the kind's
    /// `conflict`).
    func refused(_ verb: String, _ arn: String, status: String) -> AWSError {
        conflict("Unable to \(verb) \(label) [\(arn)] because it is in \(status) status.")
    }

    func limitExceeded(limit: Int, current: Int) -> AWSError {
        .resourceLimitExceeded(
            QuotaMessage.text(
                name: quota?.name ?? label, limit: limit, current: current, delta: 1, unit: quota?.unit ?? label))
    }
}

extension ResourceKindDeclaration {
    /// Domains, user profiles and spaces share these status rules (docs/aws-facts.md, "Statuses").
    private static let updatable: Set<String> = [DomainStatus.inService.rawValue, DomainStatus.updateFailed.rawValue]
    private static let busy: Set<String> = [
        DomainStatus.pending.rawValue, DomainStatus.updating.rawValue, DomainStatus.deleting.rawValue,
    ]

    /// Failed, Update_Failed, Delete_Failed: a fault rule may end any transition of these kinds in any of them.
    private static let domainLikeFailures = [
        DomainStatus.failed.rawValue, DomainStatus.updateFailed.rawValue, DomainStatus.deleteFailed.rawValue,
    ]

    private static func domainLikePhases(_ noun: String) -> [Phase] {
        Phase.lifecycle(
            noun, .domainLike, failed: DomainStatus.failed.rawValue, updateFailed: DomainStatus.updateFailed.rawValue,
            deleteFailed: DomainStatus.deleteFailed.rawValue, among: domainLikeFailures)
    }

    static let domain = ResourceKindDeclaration(
        kind: .domain, label: "Domain", parent: nil, updatableFrom: updatable, undeletableIn: [],
        delays: { Delays(create: $0.domainCreate, update: $0.domainUpdate, delete: $0.domainDelete) },
        quota: Quota(limit: { $0.domainsPerRegion }, name: "Total domains", unit: "Domains"), isTaggable: true,
        document: .statusCarrying(DescribeDomainResponse.self), statusValues: DomainStatus.allValues.map(\.rawValue),
        phases: domainLikePhases("Domain"),
        // ListDomains pages in insertion order: no sort key, so an UpdateDomain moves no index entry.
        index: { IndexedFields(references: try ResourceIndexing.references($0, as: DescribeDomainResponse.self)) })

    static let userProfile = ResourceKindDeclaration(
        kind: .userProfile, label: "UserProfile", parent: .domain, updatableFrom: updatable, undeletableIn: busy,
        delays: { Delays(create: $0.userProfile, update: $0.userProfile, delete: $0.userProfile) },
        quota: Quota(limit: { $0.userProfilesPerDomain }, name: "User profiles per domain", unit: "User profiles"),
        isTaggable: true, document: .statusCarrying(DescribeUserProfileResponse.self),
        statusValues: UserProfileStatus.allValues.map(\.rawValue), phases: domainLikePhases("UserProfile"),
        index: { document in
            let profile = try StoredDocument.decode(UserProfileDetails.self, from: document)
            return ResourceIndexing.keys(
                profile.creationTime, profile.lastModifiedTime,
                references: try ResourceIndexing.references(document, as: DescribeUserProfileResponse.self))
        })

    static let space = ResourceKindDeclaration(
        kind: .space, label: "Space", parent: .domain, updatableFrom: updatable, undeletableIn: busy,
        delays: { Delays(create: $0.space, update: $0.space, delete: $0.space) },
        quota: Quota(limit: { $0.spacesPerDomain }, name: "Spaces per domain", unit: "Spaces"), isTaggable: true,
        document: .statusCarrying(DescribeSpaceResponse.self), statusValues: SpaceStatus.allValues.map(\.rawValue),
        phases: domainLikePhases("Space"),
        index: { document in
            let space = try StoredDocument.decode(SpaceDetails.self, from: document)
            return ResourceIndexing.keys(
                space.creationTime, space.lastModifiedTime,
                references: try ResourceIndexing.references(document, as: DescribeSpaceResponse.self))
        })

    /// Apps live in a user profile or a space; their quota counts those that are not Deleted or Failed.
    static let app = ResourceKindDeclaration(
        kind: .app, label: "App", parent: .domain, updatableFrom: [],
        undeletableIn: [AppStatus.pending.rawValue, AppStatus.deleting.rawValue],
        delays: { Delays(create: $0.appCreate, update: 0, delete: $0.appDelete) },
        quota: Quota(limit: { $0.appsPerOwner }, name: "Apps per user profile or space", unit: "Apps"),
        isTaggable: true, document: .statusCarrying(DescribeAppResponse.self),
        statusValues: AppStatus.allValues.map(\.rawValue),
        phases: [
            Phase("CreateApp", AppStatus.pending.rawValue, failure: AppStatus.failed.rawValue),
            Phase("DeleteApp", AppStatus.deleting.rawValue, failure: AppStatus.failed.rawValue),
        ],
        index: { document in
            let app = try StoredDocument.decode(AppDetails.self, from: document)
            // ListApps sorts by creation time only.
            return ResourceIndexing.keys(
                app.creationTime, nil,
                references: try ResourceIndexing.references(document, as: DescribeAppResponse.self))
        })

    static let studioLifecycleConfig = ResourceKindDeclaration(
        kind: .studioLifecycleConfig, label: "Studio Lifecycle Config", parent: nil, updatableFrom: [],
        undeletableIn: [], delays: { _ in Delays(create: 0, update: 0, delete: 0) }, quota: nil, isTaggable: true,
        document: .configuration(DescribeStudioLifecycleConfigResponse.self), statusValues: [configurationStatus],
        index: { document in
            let config = try StoredDocument.decode(StudioLifecycleConfigDetails.self, from: document)
            return ResourceIndexing.keys(
                config.creationTime, config.lastModifiedTime, name: config.studioLifecycleConfigName)
        })

    static let appImageConfig = ResourceKindDeclaration(
        kind: .appImageConfig, label: "AppImageConfig", parent: nil, updatableFrom: [], undeletableIn: [],
        delays: { _ in Delays(create: 0, update: 0, delete: 0) }, quota: nil, isTaggable: true,
        document: .configuration(DescribeAppImageConfigResponse.self), statusValues: [configurationStatus],
        index: { document in
            let config = try StoredDocument.decode(AppImageConfigDetails.self, from: document)
            return ResourceIndexing.keys(config.creationTime, config.lastModifiedTime, name: config.appImageConfigName)
        })

    /// Images: top-level, named, CREATING -> CREATED, UPDATING -> CREATED, DELETING -> gone (with their versions).
    static let image = ResourceKindDeclaration(
        kind: .image, label: "Image", parent: nil,
        updatableFrom: [ImageStatus.created.rawValue, ImageStatus.updateFailed.rawValue],
        undeletableIn: [ImageStatus.creating.rawValue, ImageStatus.updating.rawValue, ImageStatus.deleting.rawValue],
        delays: { Delays(create: $0.image, update: $0.image, delete: $0.image) }, quota: nil, isTaggable: true,
        document: .statusCarrying(DescribeImageResponse.self), statuses: .image,
        statusValues: ImageStatus.allValues.map(\.rawValue),
        phases: Phase.lifecycle(
            "Image", .image, failed: ImageStatus.createFailed.rawValue, updateFailed: ImageStatus.updateFailed.rawValue,
            deleteFailed: ImageStatus.deleteFailed.rawValue,
            among: [
                ImageStatus.createFailed.rawValue, ImageStatus.updateFailed.rawValue, ImageStatus.deleteFailed.rawValue,
            ]),
        index: { document in
            let image = try StoredDocument.decode(Image.self, from: document)
            return ResourceIndexing.keys(image.creationTime, image.lastModifiedTime, name: image.imageName)
        },
        // AWS's text, as quoted in aws-samples/sagemaker-studio-custom-image-samples issue 17.
        duplicateMessage: { arn in
            let name = arn.split(separator: "/").last.map(String.init) ?? ""
            return "The Image with ImageName \(name) already exists. Please use a different ImageName."
        })

    /// Image versions: `<image>/<version>` in their image; CREATING -> CREATED, DELETING -> gone. An update changes
    /// their metadata at once (ImageVersionStatus has no UPDATING).
    static let imageVersion = ResourceKindDeclaration(
        kind: .imageVersion, label: "ImageVersion", parent: .image,
        updatableFrom: [ImageVersionStatus.created.rawValue],
        undeletableIn: [ImageVersionStatus.creating.rawValue, ImageVersionStatus.deleting.rawValue],
        delays: { Delays(create: $0.image, update: 0, delete: $0.image) }, quota: nil, isTaggable: false,
        document: .statusCarrying(DescribeImageVersionResponse.self), statuses: .image,
        statusValues: ImageVersionStatus.allValues.map(\.rawValue),
        phases: Phase.lifecycle(
            "ImageVersion", .image, failed: ImageVersionStatus.createFailed.rawValue, updateFailed: nil,
            deleteFailed: ImageVersionStatus.deleteFailed.rawValue,
            among: [ImageVersionStatus.createFailed.rawValue, ImageVersionStatus.deleteFailed.rawValue]),
        index: { document in
            let version = try StoredDocument.decode(ImageVersion.self, from: document)
            return ResourceIndexing.keys(
                version.creationTime, version.lastModifiedTime, name: ResourceIndexing.versionKey(version.version))
        })

    /// MLflow tracking servers: top-level, named; Creating -> Created, Updating -> Updated, Stopping -> Stopped,
    /// Starting -> Started, Deleting -> gone (docs/behaviour.md, "MLflow tracking servers"). Their operations name
    /// ConflictException for a status that refuses them.
    static let mlflowTrackingServer = ResourceKindDeclaration(
        kind: .mlflowTrackingServer, label: "MlflowTrackingServer", parent: nil,
        updatableFrom: Set(MlflowTrackingServerStatuses.settled.map(\.rawValue)), undeletableIn: [],
        delays: {
            Delays(create: $0.mlflowTrackingServer, update: $0.mlflowTrackingServer, delete: $0.mlflowTrackingServer)
        },
        quota: nil, isTaggable: true, document: .statusCarrying(DescribeMlflowTrackingServerResponse.self),
        statuses: MlflowTrackingServerStatuses.lifecycle, statusValues: TrackingServerStatus.allValues.map(\.rawValue),
        phases: Phase.lifecycle(
            "MlflowTrackingServer", MlflowTrackingServerStatuses.lifecycle,
            failed: TrackingServerStatus.createFailed.rawValue,
            updateFailed: TrackingServerStatus.updateFailed.rawValue,
            deleteFailed: TrackingServerStatus.deleteFailed.rawValue)
            + [
                Phase(
                    "StartMlflowTrackingServer", TrackingServerStatus.starting.rawValue,
                    failure: TrackingServerStatus.startFailed.rawValue),
                Phase(
                    "StopMlflowTrackingServer", TrackingServerStatus.stopping.rawValue,
                    failure: TrackingServerStatus.stopFailed.rawValue),
            ],
        index: { document in
            let server = try StoredDocument.decode(TrackingServerSummary.self, from: document)
            // ListMlflowTrackingServers sorts by Name, CreationTime or Status, never by modification time: the
            // second time key holds the status.
            return IndexedFields(
                created: SortedListing.key(server.creationTime), modified: server.trackingServerStatus?.rawValue ?? "",
                name: server.trackingServerName ?? "")
        },
        conflict: { .conflictException($0) })

    /// Configurations have no status in the model; the store's status column holds this one.
    static let configurationStatus = "Available"

    /// Every kind's declaration, in `ResourceKind`'s order.
    static var all: [ResourceKindDeclaration] { ResourceKind.allCases.map(of) }

    /// The declaration of every kind the store holds.
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
        case .mlflowTrackingServer: mlflowTrackingServer
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

extension DescribeMlflowTrackingServerResponse: ResourceDocument {
    var arn: String? { trackingServerArn }
}

/// What is a tracking server's own: its status words and sets, its URL, the MLflow version it gets when none is sent.
enum MlflowTrackingServerStatuses {
    static let lifecycle = ResourceKindDeclaration.Statuses(
        creating: TrackingServerStatus.creating.rawValue, ready: TrackingServerStatus.created.rawValue,
        updating: TrackingServerStatus.updating.rawValue, deleting: TrackingServerStatus.deleting.rawValue,
        updated: TrackingServerStatus.updated.rawValue)

    /// The server runs: it can be stopped, and IsActive says Active.
    static let running: Set<TrackingServerStatus> = [
        .created, .updated, .updateFailed, .started, .stopFailed, .maintenanceComplete, .maintenanceFailed,
    ]
    /// It can be started.
    static let startable: Set<TrackingServerStatus> = [.stopped, .startFailed]
    /// No transition is under way: an update may start (the model names no other rule; docs/behaviour.md).
    static let settled = running.union(startable).union([.createFailed])

    /// The version a server gets when CreateMlflowTrackingServer sends none (AWS: "the latest"; ours is fixed, so
    /// that a plan stays clean).
    static let version = "2.16.2"

    /// `https://t-<12 lowercase letters and digits>.<region>.experiments.sagemaker.aws`, the form AWS gives.
    static func url(region: String) -> String {
        "https://t-" + ResourceNames.random(ResourceNames.lowerAlphanumerics, count: 12) + "." + region
            + ".experiments.sagemaker.aws"
    }

    /// A presigned URL's token: its claims (server, session length, expiry) as base64url JSON, a dot, a nonce.
    static func token(name: String, session: Int?, expires: Int64) -> String {
        var claims = JSONWriter(capacity: 128)
        claims.beginObject()
        claims.key("trackingServerName")
        claims.string(name)
        if let session {
            claims.key("sessionExpirationDurationInSeconds")
            claims.number(session)
        }
        claims.key("exp")
        claims.number(expires)
        claims.endObject()
        return ResourceNames.base64URL(claims.bytes) + "."
            + ResourceNames.random(ResourceNames.lowerAlphanumerics, count: 43)
    }
}

extension DescribeMlflowTrackingServerResponse: StatusCarrying {
    /// The status, and with it IsActive: Active while the server runs.
    var status: TrackingServerStatus? {
        get { trackingServerStatus }
        set {
            trackingServerStatus = newValue
            isActive = newValue.map(MlflowTrackingServerStatuses.running.contains) == true ? .active : .inactive
        }
    }
    /// The shape has no FailureReason.
    var failureReason: String? {
        get { nil }
        set {}
    }
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}
