import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// Reads a stored document inside a transaction.
extension ResourceTransaction {
    /// The domain, which must exist; decoded through the memo of decoded domain documents.
    func domain(
        _ domainId: String, _ context: OperationContext, documents: DecodedDocuments<DescribeDomainResponse>
    )
        throws -> (StoredResource, DescribeDomainResponse)
    {
        guard let record = try fetch(.domain, scope: context.scope, id: domainId) else {
            throw ResourceKindDeclaration.domain.notFound(domainId, context)
        }
        return (record, try documents.decode(record))
    }

    /// The domain a new user profile, space or app goes into, which must exist and be InService; its row (for its
    /// tags) and its decoded document.
    func domainForNewChild(
        _ domainId: String, creating kind: String, _ arn: String, _ context: OperationContext,
        documents: DecodedDocuments<DescribeDomainResponse>
    ) throws -> (StoredResource, DescribeDomainResponse) {
        let (record, domain) = try self.domain(domainId, context, documents: documents)
        guard record.status(as: DomainStatus.self) == .inService else {
            throw ResourceErrors.parentNotInService(
                creating: kind, arn, parentKind: ResourceKindDeclaration.domain.label,
                parentArn: domain.domainArn ?? "", status: record.status)
        }
        return (record, domain)
    }

    /// The user profile or space a new resource goes into, which must exist and be InService.
    func parentForNewChild(
        _ kind: ResourceKind, id: String, creating childKind: String, _ arn: String, _ context: OperationContext
    ) throws -> StoredResource {
        let parent = ResourceKindDeclaration.of(kind)
        guard let record = try fetch(kind, scope: context.scope, id: id) else { throw parent.notFound(id, context) }
        guard record.status(as: DomainStatus.self) == .inService else {
            throw ResourceErrors.parentNotInService(
                creating: childKind, arn, parentKind: parent.label, parentArn: parent.arn(context.scope, id: id),
                status: record.status)
        }
        return record
    }

    /// Checks that every lifecycle configuration and custom image a settings shape names exists.
    func checkReferences(_ settings: (some ReferenceCollecting)?, _ context: OperationContext) throws {
        guard let settings else { return }
        var references = ShapeReferences()
        settings.collectReferences(into: &references)
        for arn in references.lifecycleConfigArns.sorted() {
            let parsed = ResourceArn(arn)
            let found = try parsed.flatMap { parsed in
                parsed.kind == .studioLifecycleConfig && parsed.scope == context.scope
                    ? try fetch(.studioLifecycleConfig, scope: context.scope, id: parsed.id) : nil
            }
            if found == nil {
                throw AWSError.resourceNotFound("Studio Lifecycle Config [\(arn)] does not exist.")
            }
        }
        for name in references.appImageConfigNames.sorted() {
            if try fetch(.appImageConfig, scope: context.scope, id: name) == nil {
                throw ResourceKindDeclaration.appImageConfig.notFound(name, context)
            }
        }
        // Each custom image names an image, and the version it pins (if any), that exist.
        for image in references.customImages.sorted() {
            if try fetch(.image, scope: context.scope, id: image.imageName) == nil {
                throw ResourceKindDeclaration.image.notFound(image.imageName, context)
            }
            if let number = image.imageVersionNumber {
                let id = ImageVersionAliases.id(image: image.imageName, version: number)
                if try fetch(.imageVersion, scope: context.scope, id: id) == nil {
                    throw ResourceKindDeclaration.imageVersion.notFound(id, context)
                }
            }
        }
    }
}
