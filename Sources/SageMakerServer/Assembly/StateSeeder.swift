import AWSWire
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

    /// The first domain and its profiles are created through the operations layer (the same code and rules as
    /// requests, without HTTP); every other domain is a copy of them with its own id, name, ARNs, file system and
    /// times, written in batches of transactions (millions of resources in minutes, where one durable commit per
    /// resource would take hours).
    private func seed(_ store: some ResourceStore) async throws -> Int {
        guard domains > 0 else { return 0 }
        let immediate = StatusDelays(
            domainCreate: 0, domainUpdate: 0, domainDelete: 0, userProfile: 0, space: 0, appCreate: 0, appDelete: 0)
        let quotas = Quotas(domainsPerRegion: Int.max, userProfilesPerDomain: Int.max)
        let service = try await SageMakerService.open(
            store: store, clock: SystemClock(),
            configuration: OperationsConfiguration(delays: immediate, quotas: quotas))
        let context = OperationContext(account: account, region: region, requestId: "seed")
        let role = "arn:aws:iam::\(account):role/Seed"
        let domainId =
            try await service.createDomain(
                CreateDomainRequest(
                    authMode: AuthMode.iam, defaultUserSettings: UserSettings(executionRole: role),
                    domainName: "\(prefix)-0"),
                context: context
            ).domainId ?? ""
        for profile in 0..<userProfilesPerDomain {
            _ = try await service.createUserProfile(
                CreateUserProfileRequest(domainId: domainId, userProfileName: "user-\(profile)"), context: context)
        }
        let scope = ResourceScope(account: account, region: region)
        guard let domain = try await store.fetch(.domain, scope: scope, id: domainId) else { return 0 }
        let template = SeedTemplate(
            domain: domain,
            profiles: try await store.list(.userProfile, scope: scope, parentId: domainId, after: 0, limit: Int.max),
            counters: try await store.contents().counters.filter { $0.scope == scope && $0.name.hasSuffix(domainId) },
            prefix: prefix, domains: domains)
        // SQLite commits a batch in one write; PostgreSQL runs a transaction's body again after each read it asks
        // for, so its batches are one domain each, many at once.
        let (batch, parallel) = store is PostgresResourceStore ? (1, 16) : (200, 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 1
            func addBatch() {
                let range = next..<min(next + batch, domains)
                next = range.upperBound
                group.addTask {
                    let copies = try range.map(template.copy)
                    try await store.transaction { tx in
                        for copy in copies {
                            try tx.insert(copy.domain, limit: nil)
                            for profile in copy.profiles { try tx.insert(profile, limit: nil) }
                            for counter in copy.counters {
                                _ = try tx.nextCounterValue(counter.name, scope: counter.scope, start: counter.value)
                            }
                        }
                    }
                }
            }
            while next < domains, next <= parallel * batch { addBatch() }
            while try await group.next() != nil {
                if next < domains { addBatch() }
            }
        }
        return domains * (1 + userProfilesPerDomain)
    }
}

/// The first seeded domain and its profiles, and how to copy them as domain number n.
struct SeedTemplate: Sendable {
    let domain: StoredResource
    let profiles: [StoredResource]
    let counters: [StoredCounter]
    let prefix: String
    let domains: Int
    let created: Date
    /// Where this seeding's ids start (random, so that seeding twice into one store gives new ids).
    let firstId: Int64

    init(domain: StoredResource, profiles: [StoredResource], counters: [StoredCounter], prefix: String, domains: Int) {
        self.domain = domain
        self.profiles = profiles
        self.counters = counters
        self.prefix = prefix
        self.domains = domains
        created = Date()
        firstId = Int64.random(in: 0..<(Self.idSpace - Int64(domains)))
    }

    /// 36^12: the ids of 12 base-36 digits.
    static let idSpace: Int64 = 4_738_381_338_321_616_896

    struct Copy {
        var domain: StoredResource
        var profiles: [StoredResource]
        var counters: [StoredCounter]
    }

    /// Domain number `index`: an id of its own (`d-` and 12 base-36 digits), created 20 ms after the one before, so
    /// that the last copy is created just before the template.
    func copy(_ index: Int) throws -> Copy {
        let digits = String(firstId + Int64(index), radix: 36)
        let id = "d-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
        let time = created.addingTimeInterval(-Double(domains - index) * 0.02)
        var document = try WireCodec.decodeShape(DescribeDomainResponse.self, from: domain.document)
        let renamed = { (text: String?) in text.map { $0.replacingOccurrences(of: domain.id, with: id) } }
        document.domainId = id
        document.domainName = "\(prefix)-\(index)"
        document.domainArn = renamed(document.domainArn)
        document.url = renamed(document.url)
        document.homeEfsFileSystemId = "fs-" + String(format: "%017x", index)
        document.creationTime = time
        document.lastModifiedTime = time
        var copiedDomain = StoredResource(
            kind: .domain, scope: domain.scope, id: id, nameKey: "\(prefix)-\(index)".lowercased(),
            status: domain.status, document: Data(WireCodec.encode(shape: document)))
        copiedDomain.tags = domain.tags
        var copiedProfiles: [StoredResource] = []
        for (offset, profile) in profiles.enumerated() {
            var profileDocument = try WireCodec.decodeShape(DescribeUserProfileResponse.self, from: profile.document)
            profileDocument.domainId = id
            profileDocument.userProfileArn = renamed(profileDocument.userProfileArn)
            profileDocument.creationTime = time.addingTimeInterval(Double(offset + 1) * 0.001)
            profileDocument.lastModifiedTime = profileDocument.creationTime
            copiedProfiles.append(
                StoredResource(
                    kind: .userProfile, scope: profile.scope, parentId: id,
                    id: profile.id.replacingOccurrences(of: domain.id, with: id), nameKey: profile.nameKey,
                    status: profile.status, document: Data(WireCodec.encode(shape: profileDocument)), tags: profile.tags
                ))
        }
        let copiedCounters = counters.map { counter in
            StoredCounter(
                scope: counter.scope, name: counter.name.replacingOccurrences(of: domain.id, with: id),
                value: counter.value)
        }
        return Copy(domain: copiedDomain, profiles: copiedProfiles, counters: copiedCounters)
    }
}
