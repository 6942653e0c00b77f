import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage
import Testing

@testable import SageMakerOperations

/// Images and image versions through the declared lifecycle: their statuses, numbering, aliases, the stored rows'
/// rules after every step, and custom images in domain settings that must name them.
@Suite struct ImageTests {
    func violations(_ harness: Harness) async throws -> [String] {
        var found: [String] = []
        for kind in [ResourceKind.image, .imageVersion] {
            for row in try await harness.store.list(kind, scope: alice.scope, parentId: nil, after: 0, limit: .max) {
                if let violation = ResourceInvariants.violation(of: row) { found.append(violation) }
            }
        }
        return found
    }

    func status(_ harness: Harness, _ name: String) async throws -> ImageStatus? {
        try await harness.service.describeImage(DescribeImageRequest(imageName: name), context: alice).value()
            .imageStatus
    }

    func version(
        _ harness: Harness, _ name: String, number: Int? = nil, alias: String? = nil
    ) async throws
        -> DescribeImageVersionResponse
    {
        try await harness.service.describeImageVersion(
            DescribeImageVersionRequest(alias: alias, imageName: name, version: number), context: alice
        ).value()
    }

    @Test func imagesAndVersionsMoveThroughTheirStatuses() async throws {
        let harness = try await Harness(
            delays: StatusDelays(domainCreate: 0, domainUpdate: 0, domainDelete: 0, image: 2))
        let service = harness.service
        _ = try await service.createImage(
            CreateImageRequest(
                description: "team image", imageName: "team", roleArn: "arn:aws:iam::111111111111:role/R"),
            context: alice)
        #expect(try await status(harness, "team") == ImageStatus.creating)
        let early = await awsError {
            _ = try await service.createImageVersion(
                CreateImageVersionRequest(
                    baseImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:1", clientToken: "a",
                    imageName: "team"), context: alice)
        }
        #expect(early?.code == .validation && early?.message == "Image team is in an invalid state.")
        let duplicate = await awsError {
            _ = try await service.createImage(
                CreateImageRequest(imageName: "team", roleArn: "arn:aws:iam::111111111111:role/R"), context: alice)
        }
        #expect(
            duplicate?.code == .resourceInUse
                && duplicate?.message
                    == "The Image with ImageName team already exists. Please use a different ImageName."
        )
        try await harness.advance(3)
        #expect(try await status(harness, "team") == ImageStatus.created)
        let noVersion = await awsError { _ = try await version(harness, "team") }
        #expect(
            noVersion?.code == .resourceNotFound
                && noVersion?.message
                    == "Latest ImageVersion with ImageName team does not exist. Please provide a valid ImageName."
        )

        let first = try await service.createImageVersion(
            CreateImageVersionRequest(
                aliases: ["stable"], baseImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:1", clientToken: "a",
                imageName: "team"),
            context: alice)
        #expect(first.imageVersionArn == "arn:aws:sagemaker:us-east-1:\(alice.account):image-version/team/1")
        #expect(try await version(harness, "team", number: 1).imageVersionStatus == ImageVersionStatus.creating)
        #expect(try await violations(harness).isEmpty)
        try await harness.advance(3)
        _ = try await service.createImageVersion(
            CreateImageVersionRequest(
                baseImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:2", clientToken: "b", imageName: "team"),
            context: alice)
        try await harness.advance(3)
        let latest = try await version(harness, "team")
        #expect(latest.version == 2 && latest.imageVersionStatus == ImageVersionStatus.created)
        #expect(latest.containerImage == "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:2")
        #expect(try await version(harness, "team", alias: "stable").version == 1)
        let taken = await awsError {
            _ = try await service.updateImageVersion(
                UpdateImageVersionRequest(aliasesToAdd: ["stable"], imageName: "team", version: 2), context: alice)
        }
        #expect(taken?.code == .validation)
        _ = try await service.updateImageVersion(
            UpdateImageVersionRequest(aliasesToAdd: ["next"], imageName: "team", jobType: "TRAINING", version: 2),
            context: alice)
        #expect(try await version(harness, "team", alias: "next").jobType == "TRAINING")
        let aliases = try await service.listAliases(ListAliasesRequest(imageName: "team", version: 2), context: alice)
        #expect(aliases.sageMakerImageVersionAliases == ["next"])
        // Naming only the image lists every version's aliases, in version order, a page at a time.
        let onePage = try await service.listAliases(
            ListAliasesRequest(imageName: "team", maxResults: 1), context: alice)
        #expect(onePage.sageMakerImageVersionAliases == ["stable"])
        let rest = try await service.listAliases(
            ListAliasesRequest(imageName: "team", maxResults: 1, nextToken: onePage.nextToken), context: alice)
        #expect(rest.sageMakerImageVersionAliases == ["next"] && rest.nextToken == nil)

        _ = try await service.updateImage(
            UpdateImageRequest(deleteProperties: ["Description"], displayName: "Team", imageName: "team"),
            context: alice)
        #expect(try await status(harness, "team") == ImageStatus.updating)
        #expect(try await violations(harness).isEmpty)
        try await harness.advance(3)
        let image = try await service.describeImage(DescribeImageRequest(imageName: "team"), context: alice).value()
        #expect(image.imageStatus == ImageStatus.created && image.description == nil && image.displayName == "Team")

        _ = try await service.deleteImageVersion(
            DeleteImageVersionRequest(alias: "stable", imageName: "team"), context: alice)
        #expect(try await version(harness, "team", number: 1).imageVersionStatus == ImageVersionStatus.deleting)
        try await harness.advance(3)
        let gone = await awsError { _ = try await version(harness, "team", number: 1) }
        #expect(gone?.code == .resourceNotFound)
        // Numbers are not reused.
        _ = try await service.createImageVersion(
            CreateImageVersionRequest(
                baseImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:3", clientToken: "c", imageName: "team"),
            context: alice)
        #expect(try await version(harness, "team").version == 3)
        try await harness.advance(3)

        _ = try await service.deleteImage(DeleteImageRequest(imageName: "team"), context: alice)
        #expect(try await status(harness, "team") == ImageStatus.deleting)
        #expect(try await version(harness, "team", number: 3).imageVersionStatus == ImageVersionStatus.deleting)
        #expect(try await violations(harness).isEmpty)
        try await harness.advance(3)
        for kind in [ResourceKind.image, .imageVersion] {
            #expect(
                try await harness.store.list(kind, scope: alice.scope, parentId: nil, after: 0, limit: .max).isEmpty)
        }
    }

    /// The model documents BaseImage as an Amazon ECR URI with a pattern of `.*`: another path is taken, and the
    /// version ends CREATE_FAILED with a FailureReason, after the delay or at once without one.
    @Test(arguments: [2.0, 0.0]) func aVersionOfAnImageOutsideECRFailsToCreate(delay: Double) async throws {
        let harness = try await Harness(
            delays: StatusDelays(domainCreate: 0, domainUpdate: 0, domainDelete: 0, image: delay))
        try await harness.createImage("team")
        _ = try await harness.service.createImageVersion(
            CreateImageVersionRequest(baseImage: "docker.io/library/python:3.12", clientToken: "a", imageName: "team"),
            context: alice)
        if delay > 0 {
            let creating = try await version(harness, "team", number: 1)
            #expect(creating.imageVersionStatus == ImageVersionStatus.creating && creating.failureReason == nil)
            try await harness.advance(3)
        }
        let failed = try await version(harness, "team", number: 1)
        #expect(failed.imageVersionStatus == ImageVersionStatus.createFailed)
        #expect(failed.failureReason?.hasPrefix("Unable to import BaseImage [docker.io/library/python:3.12]") == true)
        #expect(try await violations(harness).isEmpty)
        #expect(ImageVersionBaseImage.isImportable("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/lab:v1.2"))
        #expect(
            ImageVersionBaseImage.isImportable(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team@sha256:" + String(repeating: "a", count: 64)))
        #expect(!ImageVersionBaseImage.isImportable("12345.dkr.ecr.us-east-1.amazonaws.com/team:1"))
        _ = try await harness.service.deleteImageVersion(
            DeleteImageVersionRequest(imageName: "team", version: 1), context: alice)
    }

    @Test func customImagesMustNameAnImageAndVersionThatExist() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        try await harness.advance(6)
        try await harness.createAppImageConfig("config")
        func attach(_ image: CustomImage) async throws {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(
                        kernelGatewayAppSettings: KernelGatewayAppSettings(customImages: [image])),
                    domainId: id))
        }
        let before = try await harness.describe(id)
        let missingImage = await awsError {
            try await attach(CustomImage(appImageConfigName: "config", imageName: "team"))
        }
        #expect(missingImage?.code == .resourceNotFound)
        #expect(
            missingImage?.message == "Image [arn:aws:sagemaker:us-east-1:\(alice.account):image/team] does not exist.")
        try await harness.createImage("team", versions: 1)
        let missingVersion = await awsError {
            try await attach(CustomImage(appImageConfigName: "config", imageName: "team", imageVersionNumber: 2))
        }
        #expect(
            missingVersion?.message
                == "ImageVersion [arn:aws:sagemaker:us-east-1:\(alice.account):image-version/team/2] does not exist.")
        #expect(try await harness.describe(id) == before)
        try await attach(CustomImage(appImageConfigName: "config", imageName: "team", imageVersionNumber: 1))
    }

    /// An image version's tags and aliases share the record's tags column, each apart: tagging keeps the aliases,
    /// aliases changed afterwards keep the tags, and a column written before 0.11 (the alias list alone) still reads.
    @Test func tagsAndAliasesOfAVersionStayApart() async throws {
        var record = StoredResource(
            kind: .imageVersion, scope: alice.scope, parentId: "team", id: "team/1", nameKey: "1", status: "CREATED",
            document: Data("{}".utf8), tags: Data(#"["stable","v1"]"#.utf8))
        var labels = try ResourceLabels(of: record)
        #expect(labels == ResourceLabels(aliases: ["stable", "v1"]))
        labels.tags = [SageMakerModel.Tag(key: "team", value: "ml")]
        try labels.write(to: &record)
        let both = ResourceLabels(tags: [SageMakerModel.Tag(key: "team", value: "ml")], aliases: ["stable", "v1"])
        #expect(try ResourceLabels(of: record) == both)
        labels.aliases = []
        try labels.write(to: &record)
        #expect(try ResourceLabels(of: record) == ResourceLabels(tags: [SageMakerModel.Tag(key: "team", value: "ml")]))
        labels.tags = []
        try labels.write(to: &record)
        #expect(record.tags == nil)
        // Another kind's column is its tag list, as before.
        var domain = StoredResource(
            kind: .domain, scope: alice.scope, id: "d-1", nameKey: "d", status: "InService", document: Data("{}".utf8))
        try ResourceLabels(tags: [SageMakerModel.Tag(key: "k", value: "v")]).write(to: &domain)
        let stored = try JSONDecoder().decode([SageMakerModel.Tag].self, from: domain.tags ?? Data())
        #expect(stored == [SageMakerModel.Tag(key: "k", value: "v")])
        // A column that cannot be read is an error, never an empty list that a write would then overwrite.
        domain.tags = Data("not json".utf8)
        #expect(throws: (any Error).self) { _ = try ResourceLabels(of: domain) }
    }
}
