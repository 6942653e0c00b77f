import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// A Describe shape with a status that the scheduler moves on.
protocol StatusCarrying: Codable, WireEncodable, WireDecodable {
    /// The kind's own status values (`DomainStatus`, `ImageStatus`): a domain's status compares with no other.
    associatedtype Status: VocabularyValue
    var status: Status? { get set }
    var failureReason: String? { get set }
    mutating func stamp(modified date: Date)
    /// The FailureReason a resource gets when it moves to `status` by itself (nil: none, or not a failure).
    func failureReason(becoming status: Status) -> String?
}

extension StatusCarrying {
    func failureReason(becoming status: Status) -> String? { nil }

    /// The status as the store's status column keeps it (the lifecycle's text).
    var statusText: String? {
        get { status?.rawValue }
        set { status = newValue.map(Status.init(rawValue:)) }
    }
}

extension StoredResource {
    /// Starts an update: Updating until `transition` is due (where an update ends, at once without one), with the
    /// document changed to match.
    mutating func beginUpdate<Shape: StatusCarrying>(
        _ shape: inout Shape, transition: PendingTransition?, at now: Date,
        statuses: ResourceKindDeclaration.Statuses = .domainLike
    ) throws {
        try begin(&shape, through: statuses.updating, to: statuses.afterUpdate, transition: transition, at: now)
    }

    /// Starts a transition: `status` until `transition` is due (`end` at once without one), with the document
    /// changed to match.
    mutating func begin<Shape: StatusCarrying>(
        _ shape: inout Shape, through status: String, to end: String, transition: PendingTransition?, at now: Date
    ) throws {
        self.transition = transition
        self.status = transition == nil ? end : status
        shape.statusText = self.status
        shape.failureReason = nil
        shape.stamp(modified: now)
        document = try StoredDocument.encode(shape)
    }

    /// Starts a deletion: Deleting until it is removed after `delay`; false when the delay is zero and the resource
    /// is to be removed at once.
    mutating func beginDeletion<Shape: StatusCarrying>(
        _ shape: inout Shape, after delay: Double, at now: Date,
        statuses: ResourceKindDeclaration.Statuses = .domainLike
    ) throws -> Bool {
        guard delay > 0 else { return false }
        shape.statusText = statuses.deleting
        shape.stamp(modified: now)
        status = statuses.deleting
        transition = PendingTransition(.removal, dueAt: now.addingTimeInterval(delay))
        document = try StoredDocument.encode(shape)
        return true
    }
}

extension DescribeDomainResponse: StatusCarrying {
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}

extension DescribeUserProfileResponse: StatusCarrying {
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}

extension DescribeSpaceResponse: StatusCarrying {
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}

extension DescribeAppResponse: StatusCarrying {
    /// DescribeApp has no modification time.
    mutating func stamp(modified date: Date) {}
}

extension DescribeImageResponse: StatusCarrying {
    var status: ImageStatus? {
        get { imageStatus }
        set { imageStatus = newValue }
    }
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}

extension DescribeImageVersionResponse: StatusCarrying {
    var status: ImageVersionStatus? {
        get { imageVersionStatus }
        set { imageVersionStatus = newValue }
    }
    mutating func stamp(modified date: Date) { lastModifiedTime = date }

    func failureReason(becoming status: ImageVersionStatus) -> String? {
        status == ImageVersionStatus.createFailed ? ImageVersionBaseImage.failureReason(baseImage ?? "") : nil
    }
}

/// What becomes of a version's BaseImage: SageMaker imports "an Amazon ECR URI in the following format:
/// `<acct-id>.dkr.ecr.<region>.amazonaws.com/<repo-name[:tag] or [@digest]>`" (the model's documentation of
/// `CreateImageVersionRequest.BaseImage`, whose pattern is `.*`): another path is accepted by the call, and the
/// version ends CREATE_FAILED (docs/behaviour.md).
enum ImageVersionBaseImage {
    static func isImportable(_ path: String) -> Bool {
        path.wholeMatch(
            of:
                /[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?/
        ) != nil
    }

    /// Our words: AWS's text for this failure is not public.
    static func failureReason(_ path: String) -> String {
        "Unable to import BaseImage [\(path)]: it must be an Amazon ECR image URI "
            + "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag or @digest])."
    }
}

extension StoredResource {
    /// The status column, read as a kind's own status values.
    func status<Status: VocabularyValue>(as _: Status.Type) -> Status { Status(rawValue: status) }
}
