import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// AddTags, ListTags, DeleteTags on the ARN of any resource of the family.
extension SageMakerService {
    /// Tags per resource (AWS: 50).
    static var maxTagsPerResource: Int { 50 }

    public func addTags(_ input: AddTagsInput, context: OperationContext) async throws -> AddTagsOutput {
        let added = input.tags ?? []
        let tags = try await changeTags(input.required.resourceArn, context) { tags in
            for tag in added {
                if let index = tags.firstIndex(where: { $0.key == tag.key }) {
                    tags[index] = tag
                } else {
                    tags.append(tag)
                }
            }
            if tags.count > Self.maxTagsPerResource {
                throw AWSError.validation(
                    "The resource can have at most \(Self.maxTagsPerResource) tags; the request would give it \(tags.count)."
                )
            }
        }
        return AddTagsOutput(tags: tags)
    }

    public func deleteTags(_ input: DeleteTagsInput, context: OperationContext) async throws -> DeleteTagsOutput {
        let keys = Set(input.tagKeys ?? [])
        _ = try await changeTags(input.required.resourceArn, context) { tags in
            tags.removeAll { keys.contains($0.key ?? "") }
        }
        return DeleteTagsOutput()
    }

    public func listTags(_ input: ListTagsInput, context: OperationContext) async throws -> ListTagsOutput {
        let arn = input.required.resourceArn
        let target = try Self.taggable(arn, context)
        guard let record = try await store.fetch(target.kind, scope: target.scope, id: target.id),
            !(record.kind == .app && AppStatus.isGone(record.status))
        else { throw Self.untaggable(arn) }
        let tags = try ResourceLabels(of: record).tags
        let start = try cursor(input.nextToken, listing: "ListTags:" + arn, context: context).flatMap { Int($0) } ?? 0
        let size = input.maxResults ?? 50
        let page = Array(tags.dropFirst(start).prefix(size))
        let next = start + size < tags.count ? String(start + size) : nil
        return ListTagsOutput(nextToken: token(next, listing: "ListTags:" + arn, context: context), tags: page)
    }

    /// Applies `change` to the stored tags of the resource an ARN names; returns them afterwards.
    func changeTags(
        _ arn: String, _ context: OperationContext, _ change: @escaping @Sendable (inout [Tag]) throws -> Void
    ) async throws -> [Tag] {
        let target = try Self.taggable(arn, context)
        let missing = Self.untaggable(arn)
        return try await store.mutate(target.kind, scope: target.scope, id: target.id) { resource in
            guard var record = resource, !(record.kind == .app && AppStatus.isGone(record.status)) else {
                throw missing
            }
            var labels = try ResourceLabels(of: record)
            try change(&labels.tags)
            try labels.write(to: &record)
            resource = record
            return labels.tags
        }
    }

    /// The resource an ARN names, which must be of this family and in the caller's account and region.
    static func taggable(_ arn: String, _ context: OperationContext) throws(AWSError) -> ResourceArn {
        guard let target = ResourceArn(arn), target.scope == context.scope else { throw untaggable(arn) }
        var normalized = target
        if target.kind == .userProfile { normalized.id = target.id.lowercased() }
        return normalized
    }

    /// The real service answers tagging calls on a missing (or Deleted) resource with a ValidationException
    /// (amazon-sagemaker-feedback issue 108).
    static func untaggable(_ arn: String) -> AWSError {
        .validation("Resource [\(arn)] does not exist.")
    }
}
