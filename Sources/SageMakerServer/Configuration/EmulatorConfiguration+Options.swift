import AWSSigV4
import Foundation
import SageMakerOperations

extension EmulatorConfiguration {
    /// The configuration `serve` runs with: every option of `values` (command line, then environment, then default).
    public init(_ values: OptionValues) throws(OptionError) {
        typealias Options = EmulatorOptions
        let profileName = try values.value(Options.statusProfile)
        guard var delays = StatusDelays.profile(named: profileName) else {
            throw OptionError(description: "--status-profile must be fast or realistic, not \(profileName)")
        }
        for (field, setting) in zip(StatusDelays.fields, Options.delays) {
            if let value = try values.value(setting) { delays[keyPath: field.keyPath] = value }
        }
        delays.deletedAppRetention = try values.value(Options.deletedAppRetention)
        let quotas = Quotas(
            domainsPerRegion: try values.value(Options.maxDomains),
            customImagesPerDomain: try values.value(Options.maxCustomImagesPerDomain),
            lifecycleConfigsPerDomain: try values.value(Options.maxLifecycleConfigsPerDomain),
            userProfilesPerDomain: try values.value(Options.maxUserProfilesPerDomain),
            spacesPerDomain: try values.value(Options.maxSpacesPerDomain),
            appsPerOwner: try values.value(Options.maxAppsPerOwner))
        self.init(
            host: try values.value(Options.host), port: try values.value(Options.port),
            storage: try Self.storage(values),
            operations: OperationsConfiguration(delays: delays, quotas: quotas),
            defaultAccount: try values.value(Options.defaultAccount),
            defaultRegion: try values.value(Options.defaultRegion),
            maxBodyBytes: try values.value(Options.maxBodyBytes),
            authentication: try Self.authentication(values),
            allowUnauthenticated: try values.value(Options.allowUnauthenticated),
            idleTimeout: try values.value(Options.idleTimeout),
            requestTimeout: try values.value(Options.requestTimeout),
            maxConnections: try values.value(Options.maxConnections))
        maxDocumentBytes = try values.value(Options.maxDocumentBytes)
        databaseTimeout = try values.value(Options.databaseTimeout)
        databaseConnections = try values.value(Options.databaseConnections)
        guard (1...1000).contains(databaseConnections) else {
            throw OptionError(description: "--database-connections must be between 1 and 1000")
        }
        eventLoops = try values.value(Options.eventLoops)
        stateFile = try values.value(Options.state)
        adminKey = try values.value(Options.adminKey)
        if let adminKey, adminKey.utf8.count < 16 {
            throw OptionError(description: "--admin-key must be at least 16 characters")
        }
        switch try values.value(Options.controlAccess) {
        case "loopback": controlFromAnyCaller = false
        case "any": controlFromAnyCaller = true
        case let other: throw OptionError(description: "--control-access must be loopback or any, not \(other)")
        }
        upstream = try values.value(Options.upstream)
        if let upstream, upstream != "moto" {
            guard let url = URLComponents(string: upstream), ["http", "https"].contains(url.scheme), url.host != nil
            else { throw OptionError(description: "--upstream must be moto or an http(s) URL, not \(upstream)") }
        }
        journalSize = try values.value(Options.journalSize)
        guard journalSize >= 0 else { throw OptionError(description: "--journal-size must not be negative") }
    }

    /// Where the state lives: a PostgreSQL URL, memory, or the SQLite file in the data directory (the default).
    public static func storage(_ values: OptionValues) throws(OptionError) -> Storage {
        if let url = try values.value(EmulatorOptions.databaseURL) {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw OptionError(description: "--database-url must be a postgres:// URL")
            }
            if try values.value(EmulatorOptions.inMemory) {
                throw OptionError(description: "--database-url and --in-memory name two different stores: pick one")
            }
            return .postgres(url: url)
        }
        return try values.value(EmulatorOptions.inMemory)
            ? .memory : .sqlite(directory: try values.value(EmulatorOptions.dataDir))
    }

    private static func authentication(_ values: OptionValues) throws(OptionError) -> Authentication {
        switch try values.value(EmulatorOptions.auth) {
        case "off":
            return .off
        case "verify":
            guard let path = try values.value(EmulatorOptions.credentialsFile) else {
                throw OptionError(
                    description: "--auth verify needs --credentials-file (or SAGEMAKER_EMULATOR_CREDENTIALS_FILE)")
            }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw OptionError(
                    description: "cannot read the credentials file \(path): \(error.localizedDescription)")
            }
            let credentials: SharedCredentials
            do {
                credentials = try SharedCredentials(parsing: text)
            } catch {
                throw OptionError(description: "the credentials file \(path): \(error.description)")
            }
            guard !credentials.identities.isEmpty else {
                throw OptionError(description: "the credentials file \(path) has no identity")
            }
            return .verify(credentials)
        case let other:
            throw OptionError(description: "--auth must be off or verify, not \(other)")
        }
    }
}
