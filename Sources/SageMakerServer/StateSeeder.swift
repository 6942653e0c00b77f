import Foundation
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// Fills a data directory with many domains and user profiles through the operations layer (the same code, rules and
/// storage as requests, without HTTP), for benchmarks at scale. Everything is created InService.
public struct StateSeeder: Sendable {
    public var domains: Int
    public var userProfilesPerDomain: Int
    public var account: String
    public var region: String
    /// Domain names are `<prefix>-<n>`.
    public var prefix: String
    /// Domains created at once.
    public var concurrency: Int

    public init(
        domains: Int, userProfilesPerDomain: Int, account: String, region: String, prefix: String = "seed",
        concurrency: Int = 64
    ) {
        self.domains = domains
        self.userProfilesPerDomain = userProfilesPerDomain
        self.account = account
        self.region = region
        self.prefix = prefix
        self.concurrency = concurrency
    }

    /// The seeder the `seed` command's options describe.
    public init(_ values: OptionValues) throws(OptionError) {
        self.init(
            domains: try values.value(EmulatorOptions.domains),
            userProfilesPerDomain: try values.value(EmulatorOptions.userProfilesPerDomain),
            account: try values.value(EmulatorOptions.account), region: try values.value(EmulatorOptions.region),
            prefix: try values.value(EmulatorOptions.prefix))
    }

    /// Seeds the store of `storage`; returns the number of resources created.
    @discardableResult
    public func seed(_ storage: EmulatorConfiguration.Storage, logger: Logger) async throws -> Int {
        let store = try await openStore(storage, logger: logger)
        defer { (store as? PostgresResourceStore)?.close() }
        return try await seed(store)
    }

    private func seed(_ store: some ResourceStore) async throws -> Int {
        let immediate = StatusDelays(
            domainCreate: 0, domainUpdate: 0, domainDelete: 0, userProfile: 0, space: 0, appCreate: 0, appDelete: 0)
        let quotas = Quotas(domainsPerRegion: Int.max, userProfilesPerDomain: Int.max)
        let service = try await SageMakerService.open(
            store: store, clock: SystemClock(), configuration: OperationsConfiguration(delays: immediate, quotas: quotas))
        let context = OperationContext(account: account, region: region, requestId: "seed")
        let role = "arn:aws:iam::\(account):role/Seed"
        return try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            var created = 0
            func addDomain() {
                let index = next
                next += 1
                group.addTask {
                    let domain = try await service.createDomain(
                        CreateDomainRequest(
                            authMode: AuthMode.iam, defaultUserSettings: UserSettings(executionRole: role),
                            domainName: "\(prefix)-\(index)"),
                        context: context)
                    for profile in 0..<userProfilesPerDomain {
                        _ = try await service.createUserProfile(
                            CreateUserProfileRequest(domainId: domain.domainId, userProfileName: "user-\(profile)"),
                            context: context)
                    }
                    return 1 + userProfilesPerDomain
                }
            }
            while next < min(concurrency, domains) { addDomain() }
            while let count = try await group.next() {
                created += count
                if next < domains { addDomain() }
            }
            return created
        }
    }
}
