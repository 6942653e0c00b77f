import Foundation
import SageMakerModel
import SageMakerStorage

/// The rules every stored resource keeps, as code: its document is its Describe wire form, the document's status is
/// the status column, and its key is its ARN after `<kind>/` in its own account and region. The lifecycle keeps them;
/// tests check every row after every step (`ResourceLifecycleTests`).
public enum ResourceInvariants {
    /// What is wrong with `resource`, or nil when it keeps every rule.
    public static func violation(of resource: StoredResource) -> String? {
        let kind = resource.kind
        let expectedArn = ResourceNames.arn(kind, resource.scope, id: resource.id)
        let document: (arn: String?, status: String?)
        do {
            document = try ResourceKindDeclaration.of(kind).document.read(resource.document)
        } catch {
            return "\(kind.rawValue) \(resource.id): the document is not its Describe form (\(error))"
        }
        if document.arn != expectedArn {
            return "\(kind.rawValue) \(resource.id): ARN \(document.arn ?? "none") is not \(expectedArn)"
        }
        if document.status != resource.status {
            return "\(kind.rawValue) \(resource.id): document status \(document.status ?? "none") is not the "
                + "column's \(resource.status)"
        }
        return nil
    }
}
