import AWSWire
import SageMakerModel

/// Errors shared by the operations of several resources.
enum ResourceErrors {
    /// A child resource can only be created in, or changed under, a parent that is InService.
    static func parentNotInService(
        creating kind: String, _ arn: String, parentKind: String, parentArn: String, status: String
    ) -> AWSError {
        .resourceInUse("Unable to create \(kind) [\(arn)] because \(parentKind) [\(parentArn)] is in \(status) status.")
    }

    static func inUse(deleting kind: String, _ arn: String, by children: String) -> AWSError {
        .resourceInUse("Unable to delete \(kind) [\(arn)] because \(children)(s) are associated with it.")
    }
}
