import AWSSigV4
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SageMakerOperations
import SageMakerServer

@main
struct SageMakerEmulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagemaker-emulator",
        abstract: "A local Amazon SageMaker Studio domain control plane for the AWS CLI, boto3 and every AWS SDK.",
        subcommands: [Serve.self, Seed.self],
        defaultSubcommand: Serve.self)
}

/// Reads options, falling back to environment variables, then to defaults; builds the app and runs it.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the SageMaker API (the default subcommand).",
        discussion: "Every option can also be set with the environment variable named in its help.")

    @Option(help: "Address to listen on. [env: SAGEMAKER_EMULATOR_HOST] (default: 127.0.0.1)")
    var host: String?
    @Option(help: "Port to listen on. [env: SAGEMAKER_EMULATOR_PORT] (default: 9090)")
    var port: Int?
    @Option(help: "Directory of the SQLite database. [env: SAGEMAKER_EMULATOR_DATA_DIR] (default: ./sagemaker-data)")
    var dataDir: String?
    @Flag(help: "Keep all state in memory; nothing survives a restart. [env: SAGEMAKER_EMULATOR_IN_MEMORY=1]")
    var inMemory = false
    @Option(help: "Status transition durations: fast or realistic. [env: SAGEMAKER_EMULATOR_STATUS_PROFILE] (default: fast)")
    var statusProfile: String?
    @Option(help: "Seconds from Pending to InService for domains. [env: SAGEMAKER_EMULATOR_DOMAIN_CREATE_DELAY]")
    var domainCreateDelay: Double?
    @Option(help: "Seconds from Updating to InService for domains. [env: SAGEMAKER_EMULATOR_DOMAIN_UPDATE_DELAY]")
    var domainUpdateDelay: Double?
    @Option(help: "Seconds from Deleting to gone for domains. [env: SAGEMAKER_EMULATOR_DOMAIN_DELETE_DELAY]")
    var domainDeleteDelay: Double?
    @Option(help: "Seconds each user profile transition takes (create, update, delete). [env: SAGEMAKER_EMULATOR_USER_PROFILE_DELAY]")
    var userProfileDelay: Double?
    @Option(help: "Seconds each space transition takes (create, update, delete). [env: SAGEMAKER_EMULATOR_SPACE_DELAY]")
    var spaceDelay: Double?
    @Option(help: "Seconds from Pending to InService for apps. [env: SAGEMAKER_EMULATOR_APP_CREATE_DELAY]")
    var appCreateDelay: Double?
    @Option(help: "Seconds from Deleting to Deleted for apps. [env: SAGEMAKER_EMULATOR_APP_DELETE_DELAY]")
    var appDeleteDelay: Double?
    @Option(help: "Seconds a Deleted app stays listed before it is purged. [env: SAGEMAKER_EMULATOR_DELETED_APP_RETENTION] (default: 86400)")
    var deletedAppRetention: Double?
    @Option(help: "Quota of domains per account and region. [env: SAGEMAKER_EMULATOR_MAX_DOMAINS] (default: 100)")
    var maxDomains: Int?
    @Option(help: "Quota of custom images per domain. [env: SAGEMAKER_EMULATOR_MAX_CUSTOM_IMAGES_PER_DOMAIN] (default: 30)")
    var maxCustomImagesPerDomain: Int?
    @Option(
        help: "Quota of lifecycle configurations per domain. [env: SAGEMAKER_EMULATOR_MAX_LIFECYCLE_CONFIGS_PER_DOMAIN] (default: 30)")
    var maxLifecycleConfigsPerDomain: Int?
    @Option(help: "Quota of user profiles per domain. [env: SAGEMAKER_EMULATOR_MAX_USER_PROFILES_PER_DOMAIN] (default: 1000)")
    var maxUserProfilesPerDomain: Int?
    @Option(help: "Quota of spaces per domain. [env: SAGEMAKER_EMULATOR_MAX_SPACES_PER_DOMAIN] (default: 1000)")
    var maxSpacesPerDomain: Int?
    @Option(help: "Quota of apps (not Deleted or Failed) per user profile or space. [env: SAGEMAKER_EMULATOR_MAX_APPS_PER_OWNER] (default: 20)")
    var maxAppsPerOwner: Int?
    @Option(help: "Account of unsigned requests and non-numeric access keys. [env: SAGEMAKER_EMULATOR_DEFAULT_ACCOUNT] (default: 123456789012)")
    var defaultAccount: String?
    @Option(help: "Region of unsigned requests. [env: SAGEMAKER_EMULATOR_DEFAULT_REGION] (default: us-east-1)")
    var defaultRegion: String?
    @Option(help: "Largest request body accepted, in bytes. [env: SAGEMAKER_EMULATOR_MAX_BODY_BYTES] (default: 1048576)")
    var maxBodyBytes: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error. [env: SAGEMAKER_EMULATOR_LOG_LEVEL] (default: info)")
    var logLevel: String?
    @Option(help: "Authentication: off (the access key names the account) or verify (SigV4 against --credentials-file). [env: SAGEMAKER_EMULATOR_AUTH] (default: off)")
    var auth: String?
    @Option(help: "Identities for --auth verify: an AWS shared-credentials file whose sections have aws_access_key_id, aws_secret_access_key and aws_account_id. [env: SAGEMAKER_EMULATOR_CREDENTIALS_FILE]")
    var credentialsFile: String?
    @Flag(help: "Serve with --auth off on an address other than loopback. [env: SAGEMAKER_EMULATOR_ALLOW_UNAUTHENTICATED=1]")
    var allowUnauthenticated = false
    @Option(help: "Seconds a connection may stay silent (between requests or inside one) before it is closed. [env: SAGEMAKER_EMULATOR_IDLE_TIMEOUT] (default: 60)")
    var idleTimeout: Double?
    @Option(help: "Seconds a request has to arrive whole, head to end of body. [env: SAGEMAKER_EMULATOR_REQUEST_TIMEOUT] (default: 60)")
    var requestTimeout: Double?
    @Option(help: "Largest stored resource (its Describe document with tags), in bytes. [env: SAGEMAKER_EMULATOR_MAX_DOCUMENT_BYTES] (default: 262144)")
    var maxDocumentBytes: Int?
    @Option(help: "Connections served at once (lowered to fit the file descriptor limit). [env: SAGEMAKER_EMULATOR_MAX_CONNECTIONS] (default: 4096)")
    var maxConnections: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func setting<T>(_ option: T?, _ name: String, _ parse: (String) -> T?) throws -> T? {
            if let option { return option }
            guard let raw = environment["SAGEMAKER_EMULATOR_" + name], !raw.isEmpty else { return nil }
            guard let value = parse(raw) else {
                throw ValidationError("SAGEMAKER_EMULATOR_\(name)=\(raw) is not a valid value")
            }
            return value
        }
        let profileName = try setting(statusProfile, "STATUS_PROFILE", { $0 }) ?? "fast"
        guard var delays = StatusDelays.profile(named: profileName) else {
            throw ValidationError("--status-profile must be fast or realistic, not \(profileName)")
        }
        delays.domainCreate = try setting(domainCreateDelay, "DOMAIN_CREATE_DELAY", Double.init) ?? delays.domainCreate
        delays.domainUpdate = try setting(domainUpdateDelay, "DOMAIN_UPDATE_DELAY", Double.init) ?? delays.domainUpdate
        delays.domainDelete = try setting(domainDeleteDelay, "DOMAIN_DELETE_DELAY", Double.init) ?? delays.domainDelete
        delays.userProfile = try setting(userProfileDelay, "USER_PROFILE_DELAY", Double.init) ?? delays.userProfile
        delays.space = try setting(spaceDelay, "SPACE_DELAY", Double.init) ?? delays.space
        delays.appCreate = try setting(appCreateDelay, "APP_CREATE_DELAY", Double.init) ?? delays.appCreate
        delays.appDelete = try setting(appDeleteDelay, "APP_DELETE_DELAY", Double.init) ?? delays.appDelete
        delays.deletedAppRetention = try setting(deletedAppRetention, "DELETED_APP_RETENTION", Double.init)
            ?? delays.deletedAppRetention
        var quotas = Quotas()
        quotas.userProfilesPerDomain = try setting(
            maxUserProfilesPerDomain, "MAX_USER_PROFILES_PER_DOMAIN", Int.init) ?? quotas.userProfilesPerDomain
        quotas.spacesPerDomain = try setting(maxSpacesPerDomain, "MAX_SPACES_PER_DOMAIN", Int.init)
            ?? quotas.spacesPerDomain
        quotas.appsPerOwner = try setting(maxAppsPerOwner, "MAX_APPS_PER_OWNER", Int.init) ?? quotas.appsPerOwner
        quotas.domainsPerRegion = try setting(maxDomains, "MAX_DOMAINS", Int.init) ?? quotas.domainsPerRegion
        quotas.customImagesPerDomain = try setting(
            maxCustomImagesPerDomain, "MAX_CUSTOM_IMAGES_PER_DOMAIN", Int.init) ?? quotas.customImagesPerDomain
        quotas.lifecycleConfigsPerDomain = try setting(
            maxLifecycleConfigsPerDomain, "MAX_LIFECYCLE_CONFIGS_PER_DOMAIN", Int.init)
            ?? quotas.lifecycleConfigsPerDomain
        func flag(_ option: Bool, _ name: String) -> Bool {
            option || environment["SAGEMAKER_EMULATOR_" + name].map { ["1", "true"].contains($0) } == true
        }
        let memory = flag(inMemory, "IN_MEMORY")

        var configuration = EmulatorConfiguration()
        configuration.host = try setting(host, "HOST", { $0 }) ?? configuration.host
        configuration.port = try setting(port, "PORT", Int.init) ?? configuration.port
        configuration.storage = memory
            ? .memory : .sqlite(directory: try setting(dataDir, "DATA_DIR", { $0 }) ?? "sagemaker-data")
        configuration.operations = OperationsConfiguration(delays: delays, quotas: quotas)
        configuration.defaultAccount = try setting(defaultAccount, "DEFAULT_ACCOUNT", { $0 }) ?? configuration.defaultAccount
        configuration.defaultRegion = try setting(defaultRegion, "DEFAULT_REGION", { $0 }) ?? configuration.defaultRegion
        configuration.maxBodyBytes = try setting(maxBodyBytes, "MAX_BODY_BYTES", Int.init) ?? configuration.maxBodyBytes
        configuration.idleTimeout = try setting(idleTimeout, "IDLE_TIMEOUT", Double.init) ?? configuration.idleTimeout
        configuration.requestTimeout = try setting(requestTimeout, "REQUEST_TIMEOUT", Double.init)
            ?? configuration.requestTimeout
        configuration.maxConnections = try setting(maxConnections, "MAX_CONNECTIONS", Int.init)
            ?? configuration.maxConnections
        configuration.maxDocumentBytes = try setting(maxDocumentBytes, "MAX_DOCUMENT_BYTES", Int.init)
            ?? configuration.maxDocumentBytes
        configuration.allowUnauthenticated = flag(allowUnauthenticated, "ALLOW_UNAUTHENTICATED")
        switch try setting(auth, "AUTH", { $0 }) ?? "off" {
        case "off":
            configuration.authentication = .off
        case "verify":
            guard let path = try setting(credentialsFile, "CREDENTIALS_FILE", { $0 }) else {
                throw ValidationError("--auth verify needs --credentials-file (or SAGEMAKER_EMULATOR_CREDENTIALS_FILE)")
            }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read the credentials file \(path): \(error.localizedDescription)")
            }
            do {
                let credentials = try SharedCredentials(parsing: text)
                guard !credentials.identities.isEmpty else {
                    throw ValidationError("the credentials file \(path) has no identity")
                }
                configuration.authentication = .verify(credentials)
            } catch let error as SharedCredentials.ParseError {
                throw ValidationError("the credentials file \(path): \(error.description)")
            }
        case let other:
            throw ValidationError("--auth must be off or verify, not \(other)")
        }

        var logger = Logger(label: "sagemaker-emulator")
        let levelName = try setting(logLevel, "LOG_LEVEL", { $0 }) ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        logger.logLevel = level
        // A refused configuration or a data directory in use is said in one line, without the usage text.
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }
}

/// Fills a data directory with domains and user profiles, for benchmarks at scale.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a data directory with InService domains and user profiles (for benchmarks).")

    @Option(help: "Directory of the SQLite database.")
    var dataDir: String = "sagemaker-data"
    @Option(help: "Domains to create.")
    var domains: Int
    @Option(help: "User profiles to create in each domain.")
    var userProfilesPerDomain: Int = 0
    @Option(help: "Account that owns them.")
    var account: String = "123456789012"
    @Option(help: "Region they live in.")
    var region: String = "us-east-1"
    @Option(help: "Domain names are PREFIX-N.")
    var prefix: String = "seed"

    func run() async throws {
        let seeder = StateSeeder(
            domains: domains, userProfilesPerDomain: userProfilesPerDomain, account: account, region: region,
            prefix: prefix)
        let started = Date()
        let created = try await seeder.seed(.sqlite(directory: dataDir))
        print("created \(created) resources in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
