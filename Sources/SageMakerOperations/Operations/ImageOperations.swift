import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateImage, DescribeImage, UpdateImage, DeleteImage, ListImages: the images that custom images in Studio
/// settings name (`CustomImages` entries), through the declared lifecycle of `ResourceKindDeclaration.image`.
extension SageMakerService {
    public func createImage(_ input: CreateImageRequest, context: OperationContext) async throws -> CreateImageResponse
    {
        let name = input.required.imageName
        let tags = try input.tags.map(StoredDocument.encode)
        let arn = try await createResource(.image, id: name, tags: tags, context: context) { _, arn, status, now in
            DescribeImageResponse(
                creationTime: now, description: input.description, displayName: input.displayName, imageArn: arn,
                imageName: name, imageStatus: ImageStatus(rawValue: status), lastModifiedTime: now,
                roleArn: input.roleArn)
        }
        return CreateImageResponse(imageArn: arn)
    }

    public func describeImage(
        _ input: DescribeImageRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeImageResponse>
    {
        try await describeResource(.image, id: input.required.imageName, context: context)
    }

    /// Members sent replace the stored ones; `DeleteProperties` removes Description or DisplayName, which may not be
    /// sent in the same request. The image is UPDATING, then CREATED.
    public func updateImage(_ input: UpdateImageRequest, context: OperationContext) async throws -> UpdateImageResponse
    {
        let deleted = Set(input.deleteProperties ?? [])
        for property in deleted.sorted()
        where (property == "Description" && input.description != nil)
            || (property == "DisplayName" && input.displayName != nil)
        {
            throw AWSError.validation("\(property) cannot be both updated and deleted in the same request.")
        }
        let arn = try await updateResource(
            .image, id: input.required.imageName, as: DescribeImageResponse.self, context: context
        ) { image, _ in
            if let value = input.description { image.description = value }
            if let value = input.displayName { image.displayName = value }
            if let value = input.roleArn { image.roleArn = value }
            if deleted.contains("Description") { image.description = nil }
            if deleted.contains("DisplayName") { image.displayName = nil }
        }
        return UpdateImageResponse(imageArn: arn)
    }

    /// Deletes the image and every version of it (AWS: "Deletes a SageMaker AI image and all versions of the
    /// image"): all go DELETING and are removed after the image delay.
    public func deleteImage(_ input: DeleteImageRequest, context: OperationContext) async throws -> DeleteImageResponse
    {
        let name = input.required.imageName
        let delay = controls.delays.image
        let now = now()
        try await deleteResource(.image, id: name, as: DescribeImageResponse.self, context: context) { _, _, tx in
            for var version in try tx.list(.imageVersion, scope: context.scope, parentId: name) {
                var document = try StoredDocument.decode(DescribeImageVersionResponse.self, from: version.document)
                try version.beginDeletion(&document, after: delay, at: now, statuses: .image)
                    ? tx.update(version) : tx.remove(version)
            }
        }
        return DeleteImageResponse()
    }

    public func listImages(_ input: ListImagesRequest, context: OperationContext) async throws -> ListImagesResponse {
        let window = TimeWindow(
            createdAfter: input.creationTimeAfter, createdBefore: input.creationTimeBefore,
            modifiedAfter: input.lastModifiedTimeAfter, modifiedBefore: input.lastModifiedTimeBefore)
        let sortBy = input.sortBy ?? ImageSortBy.creationTime
        let order: ResourceOrder =
            switch sortBy {
            case ImageSortBy.imageName: .name
            case ImageSortBy.lastModifiedTime: .modified
            default: .created
            }
        let page = try await listSorted(
            .image, parent: .exactly(""), as: Image.self, listing: "ListImages", nextToken: input.nextToken,
            maxResults: input.maxResults,
            order: order,
            descending: (input.sortOrder ?? ImageSortOrder.descending) == ImageSortOrder.descending, context: context,
            include: { image, _ in
                if let part = input.nameContains, !(image.imageName ?? "").contains(part) { return false }
                return window.contains(created: image.creationTime, modified: image.lastModifiedTime)
            })
        return ListImagesResponse(images: page.items, nextToken: page.nextToken)
    }
}
