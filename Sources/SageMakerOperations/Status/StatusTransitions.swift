import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// A Describe shape with a status that the scheduler moves on.
protocol StatusCarrying: Codable, WireEncodable, WireDecodable {
    var status: String? { get set }
    var failureReason: String? { get set }
    mutating func stamp(modified date: Date)
}

extension StoredResource {
    /// Starts an update of a domain, user profile or space: Updating until `transition` is due (InService at once
    /// without one), with the document changed to match.
    mutating func beginUpdate<Shape: StatusCarrying>(
        _ shape: inout Shape, transition: PendingTransition?, at now: Date,
        statuses: ResourceKindDeclaration.Statuses = .domainLike
    ) throws {
        self.transition = transition
        status = transition == nil ? statuses.ready : statuses.updating
        shape.status = status
        shape.failureReason = nil
        shape.stamp(modified: now)
        document = try StoredDocument.encode(shape)
    }

    /// Starts a deletion: Deleting until it is removed after `delay`; false when the delay is zero and the resource
    /// is to be removed at once.
    mutating func beginDeletion<Shape: StatusCarrying>(
        _ shape: inout Shape, after delay: Double, at now: Date, statuses: ResourceKindDeclaration.Statuses = .domainLike
    ) throws -> Bool {
        guard delay > 0 else { return false }
        shape.status = statuses.deleting
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
    var status: String? {
        get { imageStatus }
        set { imageStatus = newValue }
    }
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}

extension DescribeImageVersionResponse: StatusCarrying {
    var status: String? {
        get { imageVersionStatus }
        set { imageVersionStatus = newValue }
    }
    mutating func stamp(modified date: Date) { lastModifiedTime = date }
}
