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
            switch kind {
            case .domain:
                let shape = try StoredDocument.decode(DescribeDomainResponse.self, from: resource.document)
                document = (shape.domainArn, shape.status)
            case .userProfile:
                let shape = try StoredDocument.decode(DescribeUserProfileResponse.self, from: resource.document)
                document = (shape.userProfileArn, shape.status)
            case .space:
                let shape = try StoredDocument.decode(DescribeSpaceResponse.self, from: resource.document)
                document = (shape.spaceArn, shape.status)
            case .app:
                let shape = try StoredDocument.decode(DescribeAppResponse.self, from: resource.document)
                document = (shape.appArn, shape.status)
            case .studioLifecycleConfig:
                let shape = try StoredDocument.decode(DescribeStudioLifecycleConfigResponse.self, from: resource.document)
                document = (shape.studioLifecycleConfigArn, ResourceKindDeclaration.configurationStatus)
            case .appImageConfig:
                let shape = try StoredDocument.decode(DescribeAppImageConfigResponse.self, from: resource.document)
                document = (shape.appImageConfigArn, ResourceKindDeclaration.configurationStatus)
            }
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
