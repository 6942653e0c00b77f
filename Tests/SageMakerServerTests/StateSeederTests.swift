import Foundation
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerServer
import SageMakerStorage
import Testing

/// `sagemaker-emulator seed` makes the first domain through the operations and copies it for the others: the copies
/// must be resources the operations treat as their own.
@Suite struct StateSeederTests {
    @Test func copiedDomainsAndProfilesAreWholeResources() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sm-seed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = EmulatorConfiguration.Storage.sqlite(directory: directory.path)
        let logger = Logger(label: "seed-test")
        // More domains than one batch of copies, seeded twice into the same directory.
        #expect(
            try await StateSeeder(domains: 450, userProfilesPerDomain: 3, account: "123456789012", region: "us-east-1")
                .seed(storage, logger: logger) == 450 * 4)
        #expect(
            try await StateSeeder(
                domains: 20, userProfilesPerDomain: 3, account: "123456789012", region: "us-east-1", prefix: "again"
            ).seed(storage, logger: logger) == 20 * 4)

        let store = try SQLiteResourceStore(
            directory: DataDirectory(path: directory.path), indexer: ResourceIndexing.indexer)
        let service = try await SageMakerService.open(
            store: store, clock: SystemClock(), configuration: OperationsConfiguration())
        let context = OperationContext(account: "123456789012", region: "us-east-1", requestId: "test")
        var domains: [DomainDetails] = []
        var token: String?
        repeat {
            let page = try await service.listDomains(
                ListDomainsRequest(maxResults: 100, nextToken: token), context: context)
            domains += page.domains ?? []
            token = page.nextToken
        } while token != nil
        #expect(domains.count == 470)
        #expect(Set(domains.compactMap(\.domainId)).count == 470)
        #expect(
            Set(domains.compactMap(\.domainName))
                == Set((0..<450).map { "seed-\($0)" } + (0..<20).map { "again-\($0)" }))
        for domain in domains {
            let id = try #require(domain.domainId)
            #expect(id.wholeMatch(of: /d-[a-z0-9]{12}/) != nil)
            #expect(domain.domainArn == "arn:aws:sagemaker:us-east-1:123456789012:domain/\(id)")
            #expect(domain.url == "https://\(id).studio.us-east-1.sagemaker.aws")
        }
        // A copy, described and listed as the operations see it; its profiles, and the next one's uid.
        let copy = try #require(domains.first { $0.domainName == "seed-300" }?.domainId)
        let described = try await service.describeDomain(DescribeDomainRequest(domainId: copy), context: context)
        #expect(try described.value().domainName == "seed-300")
        let profiles =
            try await service.listUserProfiles(
                ListUserProfilesRequest(domainIdEquals: copy, maxResults: 10), context: context
            ).userProfiles ?? []
        #expect(profiles.map(\.userProfileName) == ["user-0", "user-1", "user-2"])
        let profile = try await service.describeUserProfile(
            DescribeUserProfileRequest(domainId: copy, userProfileName: "user-2"), context: context)
        #expect(
            try profile.value().userProfileArn == "arn:aws:sagemaker:us-east-1:123456789012:user-profile/\(copy)/user-2"
        )
        _ = try await service.createUserProfile(
            CreateUserProfileRequest(domainId: copy, userProfileName: "user-3"), context: context)
        let created = try await service.describeUserProfile(
            DescribeUserProfileRequest(domainId: copy, userProfileName: "user-3"), context: context)
        #expect(try created.value().homeEfsFileSystemUid == "200004")
    }
}
