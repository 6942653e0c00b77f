import Foundation
import SageMakerModel
import SageMakerStorage

/// How long each status transition takes, in seconds.
public struct StatusDelays: Sendable, Equatable {
    /// Domain Pending -> InService.
    public var domainCreate: Double
    /// Domain Updating -> InService.
    public var domainUpdate: Double
    /// Domain Deleting -> gone.
    public var domainDelete: Double
    /// User profile Pending -> InService, Updating -> InService and Deleting -> gone.
    public var userProfile: Double
    /// Space Pending -> InService, Updating -> InService and Deleting -> gone.
    public var space: Double
    /// App Pending -> InService.
    public var appCreate: Double
    /// App Deleting -> Deleted.
    public var appDelete: Double
    /// How long a Deleted app stays listed before it is purged.
    public var deletedAppRetention: Double
    /// Each transition of an image (CREATING, UPDATING, DELETING) and of an image version (CREATING, DELETING).
    public var image: Double
    /// Each transition of an MLflow tracking server (Creating, Updating, Starting, Stopping, Deleting).
    public var mlflowTrackingServer: Double

    public init(
        domainCreate: Double, domainUpdate: Double, domainDelete: Double, userProfile: Double = 0.1,
        space: Double = 0.1, appCreate: Double = 0.1, appDelete: Double = 0.1, deletedAppRetention: Double = 86_400,
        image: Double = 0.1, mlflowTrackingServer: Double = 0.1
    ) {
        self.domainCreate = domainCreate
        self.domainUpdate = domainUpdate
        self.domainDelete = domainDelete
        self.userProfile = userProfile
        self.space = space
        self.appCreate = appCreate
        self.appDelete = appDelete
        self.deletedAppRetention = deletedAppRetention
        self.image = image
        self.mlflowTrackingServer = mlflowTrackingServer
    }

    /// One delay as the command line (`--<option>`), the environment and the control API (`<name>`) name it.
    public struct Field {
        public let name: String
        public let option: String
        public let help: String
        public let keyPath: WritableKeyPath<StatusDelays, Double>
    }

    /// Every delay a kind's transitions take: the options, the control API's members and the docs' tables are these.
    public static var fields: [Field] {
        [
            Field(
                name: "domainCreate", option: "domain-create-delay",
                help: "seconds a domain takes from Pending to InService", keyPath: \.domainCreate),
            Field(
                name: "domainUpdate", option: "domain-update-delay",
                help: "seconds a domain takes from Updating to InService", keyPath: \.domainUpdate),
            Field(
                name: "domainDelete", option: "domain-delete-delay",
                help: "seconds a domain takes from Deleting to gone", keyPath: \.domainDelete),
            Field(
                name: "userProfile", option: "user-profile-delay",
                help: "seconds each user profile transition takes (create, update, delete)", keyPath: \.userProfile),
            Field(
                name: "space", option: "space-delay",
                help: "seconds each space transition takes (create, update, delete)", keyPath: \.space),
            Field(
                name: "appCreate", option: "app-create-delay", help: "seconds an app takes from Pending to InService",
                keyPath: \.appCreate),
            Field(
                name: "appDelete", option: "app-delete-delay", help: "seconds an app takes from Deleting to Deleted",
                keyPath: \.appDelete),
            Field(
                name: "image", option: "image-delay",
                help: "seconds each image and image version transition takes (create, update, delete)",
                keyPath: \.image),
            Field(
                name: "mlflowTrackingServer", option: "mlflow-tracking-server-delay",
                help: "seconds each MLflow tracking server transition takes (create, update, start, stop, delete)",
                keyPath: \.mlflowTrackingServer),
        ]
    }

    /// The default: every transition completes after 100 ms, so clients see each status but never wait.
    public static let fast = StatusDelays(domainCreate: 0.1, domainUpdate: 0.1, domainDelete: 0.1)
    /// Durations like the real service's (docs/aws-facts.md, "Statuses").
    public static let realistic = StatusDelays(
        domainCreate: 300, domainUpdate: 60, domainDelete: 120, userProfile: 3, space: 12, appCreate: 120,
        appDelete: 300, image: 10, mlflowTrackingServer: 1200)

    /// The pending transition to `status` after `delay` seconds; none when the delay is zero, in which case the
    /// resource takes its final status inside the request that changed it.
    static func transition(to status: String, after delay: Double, from now: Date) -> PendingTransition? {
        delay > 0 ? PendingTransition(.status(status), dueAt: now.addingTimeInterval(delay)) : nil
    }

    /// The same, to a status of a kind's own vocabulary.
    static func transition(to status: some VocabularyValue, after delay: Double, from now: Date) -> PendingTransition? {
        transition(to: status.rawValue, after: delay, from: now)
    }

    public static func profile(named name: String) -> StatusDelays? {
        switch name {
        case "fast": .fast
        case "realistic": .realistic
        default: nil
        }
    }
}

/// Service quotas, each configurable; exceeding one is `ResourceLimitExceeded`.
public struct Quotas: Sendable, Equatable {
    /// Domains per account and region (AWS: 'Total domains'); failed and deleting domains count.
    public var domainsPerRegion: Int
    /// Distinct custom images attached to a domain's default user and space settings.
    public var customImagesPerDomain: Int
    /// Distinct lifecycle configurations attached to a domain's default user and space settings.
    public var lifecycleConfigsPerDomain: Int

    /// User profiles per domain; profiles in any status count.
    public var userProfilesPerDomain: Int
    /// Spaces per domain; spaces in any status count.
    public var spacesPerDomain: Int
    /// Apps per user profile or space that are not Deleted or Failed.
    public var appsPerOwner: Int

    public init(
        domainsPerRegion: Int = 100, customImagesPerDomain: Int = 30, lifecycleConfigsPerDomain: Int = 30,
        userProfilesPerDomain: Int = 1_000, spacesPerDomain: Int = 1_000, appsPerOwner: Int = 20
    ) {
        self.domainsPerRegion = domainsPerRegion
        self.customImagesPerDomain = customImagesPerDomain
        self.lifecycleConfigsPerDomain = lifecycleConfigsPerDomain
        self.userProfilesPerDomain = userProfilesPerDomain
        self.spacesPerDomain = spacesPerDomain
        self.appsPerOwner = appsPerOwner
    }
}

/// Everything the operations layer can be configured with.
public struct OperationsConfiguration: Sendable {
    public var delays: StatusDelays
    public var quotas: Quotas

    public init(delays: StatusDelays = .fast, quotas: Quotas = Quotas()) {
        self.delays = delays
        self.quotas = quotas
    }
}
