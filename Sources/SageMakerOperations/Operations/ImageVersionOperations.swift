import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreateImageVersion, DescribeImageVersion, UpdateImageVersion, DeleteImageVersion, ListImageVersions, ListAliases.
/// A version is `<image>/<number>` under its image; numbers count up from 1 for each image and are never reused.
extension SageMakerService {
    public func createImageVersion(
        _ input: CreateImageVersionRequest, context: OperationContext
    ) async throws
        -> CreateImageVersionResponse
    {
        let name = input.required.imageName
        let aliases = input.aliases ?? []
        try ImageVersionAliases.checkDistinct(aliases)
        // The number is taken inside the transaction; the row's key carries it, so the key is built there too.
        let arn = try await store.transaction { tx in
            let image = try Self.image(name, tx, context)
            guard image.status(as: ImageStatus.self) == .created else {
                // AWS's text, as quoted in aws-samples/sagemaker-studio-custom-image-samples issue 17.
                throw AWSError.validation("Image \(name) is in an invalid state.")
            }
            let versions = try tx.list(.imageVersion, scope: context.scope, parentId: name)
            try ImageVersionAliases.checkFree(aliases, among: versions, image: name, except: nil)
            let document = try StoredDocument.decode(DescribeImageResponse.self, from: image.document)
            let counter = "image-version/\(name)/\(SortedListing.key(document.creationTime))"
            let number = try tx.nextCounterValue(counter, scope: context.scope, start: 1)
            return (number, document.imageArn)
        }
        let (number, imageArn) = arn
        let id = ImageVersionAliases.id(image: name, version: number)
        let importable = ImageVersionBaseImage.isImportable(input.required.baseImage)
        let created = try await createResource(
            .imageVersion, id: id, parentId: name, tags: try ResourceLabels(aliases: aliases).column(of: .imageVersion),
            endingIn: (importable ? ImageVersionStatus.created : .createFailed).rawValue, context: context
        ) { tx, arn, status, now in
            // The image may have gone between the two transactions.
            _ = try Self.image(name, tx, context)
            var version = DescribeImageVersionResponse(
                baseImage: input.baseImage, containerImage: input.baseImage, creationTime: now,
                horovod: input.horovod, imageArn: imageArn, imageVersionArn: arn,
                imageVersionStatus: ImageVersionStatus(rawValue: status),
                jobType: input.jobType, lastModifiedTime: now, mlFramework: input.mlFramework,
                processor: input.processor, programmingLang: input.programmingLang, releaseNotes: input.releaseNotes,
                vendorGuidance: input.vendorGuidance, version: number)
            if let reason = version.failureReason(becoming: ImageVersionStatus(rawValue: status)) {
                version.failureReason = reason
            }
            return version
        }
        return CreateImageVersionResponse(imageVersionArn: created)
    }

    public func describeImageVersion(
        _ input: DescribeImageVersionRequest, context: OperationContext
    ) async throws
        -> DescribeOutput<DescribeImageVersionResponse>
    {
        let name = input.required.imageName
        let record = try await store.transaction { tx in
            try Self.version(of: name, number: input.version, alias: input.alias, tx, context)
        }
        return .encoded(Array(record.document))
    }

    /// Metadata members sent replace the stored ones; aliases are added and removed. The version stays CREATED.
    public func updateImageVersion(
        _ input: UpdateImageVersionRequest, context: OperationContext
    ) async throws
        -> UpdateImageVersionResponse
    {
        let name = input.required.imageName
        let added = input.aliasesToAdd ?? []
        let removed = Set(input.aliasesToDelete ?? [])
        try ImageVersionAliases.checkDistinct(added)
        let now = now()
        let arn = try await store.transaction { tx in
            var record = try Self.version(of: name, number: input.version, alias: input.alias, tx, context)
            var version = try StoredDocument.decode(DescribeImageVersionResponse.self, from: record.document)
            let arn = version.imageVersionArn ?? ""
            guard ResourceKindDeclaration.imageVersion.updatableFrom.contains(record.status) else {
                throw ResourceKindDeclaration.imageVersion.refused("update", arn, status: record.status)
            }
            let versions = try tx.list(.imageVersion, scope: context.scope, parentId: name)
            try ImageVersionAliases.checkFree(added, among: versions, image: name, except: record.id)
            var labels = try ResourceLabels(of: record)
            labels.aliases = labels.aliases.filter { !removed.contains($0) }
            labels.aliases += added.filter { !labels.aliases.contains($0) }
            try labels.write(to: &record)
            if let value = input.horovod { version.horovod = value }
            if let value = input.jobType { version.jobType = value }
            if let value = input.mlFramework { version.mlFramework = value }
            if let value = input.processor { version.processor = value }
            if let value = input.programmingLang { version.programmingLang = value }
            if let value = input.releaseNotes { version.releaseNotes = value }
            if let value = input.vendorGuidance { version.vendorGuidance = value }
            try record.beginUpdate(&version, transition: nil, at: now, statuses: .image)
            try tx.update(record)
            return arn
        }
        return UpdateImageVersionResponse(imageVersionArn: arn)
    }

    /// The version goes DELETING and is removed after the image delay; its aliases go with it.
    public func deleteImageVersion(
        _ input: DeleteImageVersionRequest, context: OperationContext
    ) async throws
        -> DeleteImageVersionResponse
    {
        let name = input.required.imageName
        let record = try await store.transaction { tx in
            try Self.version(of: name, number: input.version, alias: input.alias, tx, context)
        }
        try await deleteResource(
            .imageVersion, id: record.id, as: DescribeImageVersionResponse.self, context: context
        ) { _, _, _ in }
        return DeleteImageVersionResponse()
    }

    public func listImageVersions(
        _ input: ListImageVersionsRequest, context: OperationContext
    ) async throws
        -> ListImageVersionsResponse
    {
        let name = input.required.imageName
        guard try await store.fetch(.image, scope: context.scope, id: name) != nil else {
            throw ResourceKindDeclaration.image.notFound(name, context)
        }
        let window = TimeWindow(
            createdAfter: input.creationTimeAfter, createdBefore: input.creationTimeBefore,
            modifiedAfter: input.lastModifiedTimeAfter, modifiedBefore: input.lastModifiedTimeBefore)
        let sortBy = input.sortBy ?? ImageVersionSortBy.creationTime
        let order: ResourceOrder =
            switch sortBy {
            case ImageVersionSortBy.version: .name
            case ImageVersionSortBy.lastModifiedTime: .modified
            default: .created
            }
        let page = try await listSorted(
            .imageVersion, parent: .exactly(name), as: ImageVersion.self, listing: "ListImageVersions",
            nextToken: input.nextToken, maxResults: input.maxResults,
            order: order,
            descending: (input.sortOrder ?? ImageVersionSortOrder.descending) == ImageVersionSortOrder.descending,
            context: context,
            include: { version, _ in window.contains(created: version.creationTime, modified: version.lastModifiedTime)
            })
        return ListImageVersionsResponse(imageVersions: page.items, nextToken: page.nextToken)
    }

    /// The aliases of an image ("Lists the aliases of a specified image or image version"): of one version
    /// (`Version`), only `Alias` if some version has it, or (naming neither) of every version, in version order; each
    /// version's in the order they were added.
    public func listAliases(_ input: ListAliasesRequest, context: OperationContext) async throws -> ListAliasesResponse
    {
        let name = input.required.imageName
        let aliases = try await store.transaction { tx -> [String] in
            if input.version == nil, input.alias == nil {
                _ = try Self.image(name, tx, context)
                return try tx.list(.imageVersion, scope: context.scope, parentId: name)
                    .sorted { ImageVersionAliases.number($0) < ImageVersionAliases.number($1) }
                    .flatMap { try ResourceLabels(of: $0).aliases }
            }
            let record = try Self.version(of: name, number: input.version, alias: input.alias, tx, context)
            return try ResourceLabels(of: record).aliases.filter { alias in input.alias.map { $0 == alias } ?? true }
        }
        let after = try cursor(input.nextToken, listing: "ListAliases", context: context).flatMap { Int($0) } ?? 0
        let size = Self.pageSize(input.maxResults)
        let page = Array(aliases.dropFirst(after).prefix(size))
        let next =
            after + size < aliases.count ? token(String(after + size), listing: "ListAliases", context: context) : nil
        return ListAliasesResponse(nextToken: next, sageMakerImageVersionAliases: page)
    }

    /// The image named `name`, which must exist.
    static func image(
        _ name: String, _ tx: any ResourceTransaction, _ context: OperationContext
    ) throws
        -> StoredResource
    {
        guard let image = try tx.fetch(.image, scope: context.scope, id: name) else {
            throw ResourceKindDeclaration.image.notFound(name, context)
        }
        return image
    }

    /// The version a request names: by number, by alias, or (naming neither) the latest one.
    static func version(
        of name: String, number: Int?, alias: String?, _ tx: any ResourceTransaction, _ context: OperationContext
    ) throws -> StoredResource {
        if number != nil, alias != nil {
            throw AWSError.validation("Only one of Version and Alias can be specified.")
        }
        _ = try image(name, tx, context)
        if let number {
            let id = ImageVersionAliases.id(image: name, version: number)
            guard let version = try tx.fetch(.imageVersion, scope: context.scope, id: id) else {
                throw ResourceKindDeclaration.imageVersion.notFound(id, context)
            }
            return version
        }
        let versions = try tx.list(.imageVersion, scope: context.scope, parentId: name)
        if let alias {
            guard let version = try versions.first(where: { try ResourceLabels(of: $0).aliases.contains(alias) }) else {
                throw AWSError.resourceNotFound("ImageVersion with Alias [\(alias)] of Image [\(name)] does not exist.")
            }
            return version
        }
        guard let latest = versions.max(by: { ImageVersionAliases.number($0) < ImageVersionAliases.number($1) }) else {
            // AWS's text, as quoted in aws-samples/sagemaker-studio-custom-image-samples issue 17.
            throw AWSError.resourceNotFound(
                "Latest ImageVersion with ImageName \(name) does not exist. Please provide a valid ImageName.")
        }
        return latest
    }
}

/// Image versions take no tags (CreateImageVersion has none, and AddTags refuses their ARN), so their row's tag
/// column holds their aliases instead: a JSON array of strings, in the order they were added. Their document stays
/// their Describe form, which has no aliases.
enum ImageVersionAliases {
    static func id(image: String, version: Int) -> String { image + "/" + String(version) }

    static func number(_ record: StoredResource) -> Int {
        record.id.split(separator: "/").last.flatMap { Int($0) } ?? 0
    }

    static func checkDistinct(_ aliases: [String]) throws(AWSError) {
        if Set(aliases).count != aliases.count {
            throw .validation("Aliases must be unique.")
        }
    }

    /// An alias names one version of an image.
    static func checkFree(
        _ aliases: [String], among versions: [StoredResource], image: String, except id: String?
    )
        throws
    {
        for version in versions where version.id != id {
            if let taken = try ResourceLabels(of: version).aliases.first(where: aliases.contains) {
                throw AWSError.validation(
                    "Alias [\(taken)] is already associated with version \(number(version)) of Image [\(image)].")
            }
        }
    }
}
