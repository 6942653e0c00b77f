import Configuration
import SageMakerOperations
import SageMakerStorage

/// One option of `sagemaker-emulator`, declared once: its command-line name, its configuration key (from which
/// swift-configuration derives the environment variable), the commands that read it, its default as the docs show it,
/// and its help. The command line, `--help`, the environment and the README's table all come from these declarations.
public struct EmulatorOption: Sendable, Hashable {
    public enum Command: String, Sendable, CaseIterable {
        case serve
        case seed
    }

    /// `data-dir` for `--data-dir`.
    public let name: String
    /// True for an option that takes no value (`--in-memory`); its variable is true for `1` or `true`.
    public let isFlag: Bool
    public let commands: Set<Command>
    /// The default as written in the docs (empty when there is none).
    public let defaultText: String
    public let help: String

    /// The configuration key under `sagemaker.emulator`: the name in camel case (`dataDir`).
    public var key: String {
        let words = name.split(separator: "-")
        return words.enumerated().map {
            $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst()
        }
        .joined()
    }

    /// The environment variable swift-configuration reads for the key: `SAGEMAKER_EMULATOR_DATA_DIR`.
    public var environmentVariable: String {
        "SAGEMAKER_EMULATOR_" + name.uppercased().replacing("-", with: "_")
    }
}

/// A declared option with the type of its value, how that value is read from text, and the default in force when
/// neither the command line nor the environment sets it.
public struct Setting<Value: Sendable>: Sendable {
    public let option: EmulatorOption
    public let defaultValue: Value
    let parse: @Sendable (String) -> Value?

    init(
        _ name: String, _ commands: Set<EmulatorOption.Command> = [.serve], default defaultValue: Value,
        shown: String? = nil, help: String, parse: @escaping @Sendable (String) -> Value?
    ) {
        option = EmulatorOption(
            name: name, isFlag: false, commands: commands, defaultText: shown ?? "\(defaultValue)", help: help)
        self.defaultValue = defaultValue
        self.parse = parse
    }
}

extension Setting where Value == String {
    init(
        _ name: String, _ commands: Set<EmulatorOption.Command> = [.serve], default defaultValue: String,
        shown: String? = nil, help: String
    ) {
        self.init(name, commands, default: defaultValue, shown: shown, help: help) { $0 }
    }
}

extension Setting where Value == Int {
    init(_ name: String, _ commands: Set<EmulatorOption.Command> = [.serve], default defaultValue: Int, help: String) {
        self.init(name, commands, default: defaultValue, help: help) { Int($0) }
    }
}

extension Setting where Value == Double {
    init(_ name: String, default defaultValue: Double, help: String) {
        self.init(name, default: defaultValue, shown: Self.seconds(defaultValue), help: help) { Self.parseSeconds($0) }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A number of seconds: finite and not negative.
    static func parseSeconds(_ text: String) -> Double? { Double(text).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
}

extension Setting where Value == Double? {
    /// A delay that overrides the status profile's.
    init(delay name: String, help: String) {
        self.init(name, default: nil, shown: "profile", help: help) { Setting<Double>.parseSeconds($0) }
    }
}

extension Setting where Value == String? {
    init(_ name: String, _ commands: Set<EmulatorOption.Command> = [.serve], optional: Void, help: String) {
        self.init(name, commands, default: nil, shown: "", help: help) { $0 }
    }
}

extension Setting where Value == Bool {
    /// A flag: off unless given on the command line or its variable is `1` or `true`.
    init(flag name: String, help: String) {
        option = EmulatorOption(name: name, isFlag: true, commands: [.serve], defaultText: "off", help: help)
        defaultValue = false
        parse = { ["1", "true"].contains($0.lowercased()) }
    }
}

/// Every option of `sagemaker-emulator`, in the order of the docs.
public enum EmulatorOptions {
    public static let host = Setting("host", default: "127.0.0.1", help: "address to listen on")
    public static let port = Setting("port", default: 9090, help: "port to listen on")
    public static let dataDir = Setting(
        "data-dir", [.serve, .seed], default: "sagemaker-data", shown: "./sagemaker-data",
        help: "directory of the SQLite database (`sagemaker.sqlite`)")
    public static let inMemory = Setting<Bool>(
        flag: "in-memory", help: "keep all state in memory; nothing survives a restart")
    public static let databaseURL = Setting<String?>(
        "database-url", [.serve, .seed], optional: (),
        help: "a PostgreSQL database (`postgres://user:password@host:5432/name`) instead of the SQLite file: several "
            + "replicas may share it")
    public static let databaseTimeout = Setting(
        "database-timeout", default: 30.0,
        help: "seconds `--database-url`'s database has to answer: at start-up (migrations included) before start-up "
            + "fails, and afterwards on each connection a request uses before that connection is closed and the "
            + "request fails")
    public static let databaseConnections = Setting(
        "database-connections", default: 16,
        help: "connections to `--database-url`'s database this process opens at start-up and keeps (1 to 1000)")
    public static let statusProfile = Setting(
        "status-profile", default: "fast",
        help: "`fast`: every transition 0.1 s; `realistic`: AWS-like durations (domain create 300 s)")
    /// One option per delay of `StatusDelays.fields`, in its order.
    public static let delays: [Setting<Double?>] = StatusDelays.fields.map { Setting(delay: $0.option, help: $0.help) }
    public static let deletedAppRetention = Setting(
        "deleted-app-retention", default: StatusDelays.fast.deletedAppRetention,
        help: "seconds a Deleted app stays listed before it is purged")
    public static let maxDomains = Setting(
        "max-domains", default: Quotas().domainsPerRegion, help: "quota 'Total domains' per account and region")
    public static let maxCustomImagesPerDomain = Setting(
        "max-custom-images-per-domain", default: Quotas().customImagesPerDomain,
        help: "distinct custom images in a domain's default settings")
    public static let maxLifecycleConfigsPerDomain = Setting(
        "max-lifecycle-configs-per-domain", default: Quotas().lifecycleConfigsPerDomain,
        help: "distinct lifecycle configurations in a domain's default settings")
    public static let maxUserProfilesPerDomain = Setting(
        "max-user-profiles-per-domain", default: Quotas().userProfilesPerDomain, help: "user profiles per domain")
    public static let maxSpacesPerDomain = Setting(
        "max-spaces-per-domain", default: Quotas().spacesPerDomain, help: "spaces per domain")
    public static let maxAppsPerOwner = Setting(
        "max-apps-per-owner", default: Quotas().appsPerOwner,
        help: "apps that are not Deleted or Failed per user profile or space")
    public static let defaultAccount = Setting(
        "default-account", default: "123456789012", help: "account of unsigned requests and non-numeric access keys")
    public static let defaultRegion = Setting(
        "default-region", default: "us-east-1", help: "region of unsigned requests")
    public static let maxBodyBytes = Setting(
        "max-body-bytes", default: 1 << 20, help: "largest request body accepted; larger ones get HTTP 413")
    public static let logLevel = Setting(
        "log-level", default: "info", help: "trace, debug, info, notice, warning, error; one line per request at `info`"
    )
    public static let logFormat = Setting(
        "log-format", default: "text", help: "`text` (key=value lines) or `json` (one JSON object per line)")
    public static let auth = Setting(
        "auth", default: "off",
        help: "`off`: the access key names the account; `verify`: SigV4 checked against `--credentials-file`")
    public static let credentialsFile = Setting<String?>(
        "credentials-file", optional: (),
        help: "identities for `--auth verify`: a shared-credentials INI file whose sections have "
            + "`aws_access_key_id`, `aws_secret_access_key` and `aws_account_id`")
    public static let allowUnauthenticated = Setting<Bool>(
        flag: "allow-unauthenticated", help: "serve a non-loopback `--host` with `--auth off`")
    public static let idleTimeout = Setting(
        "idle-timeout", default: 60.0, help: "seconds a connection may stay silent before it is closed")
    public static let requestTimeout = Setting(
        "request-timeout", default: 60.0, help: "seconds a request has to arrive whole, head to end of body")
    public static let maxConnections = Setting(
        "max-connections", default: 4096,
        help: "connections served at once; lowered to the file descriptor limit (raised to its hard limit at "
            + "start-up) less 64")
    public static let eventLoops = Setting<Int?>(
        "event-loops", default: nil, shown: "half the cores",
        help: "threads that read and write the connections (1 to 256); the requests themselves are served on "
            + "Swift's pool of one thread per core"
    ) { text -> Int?? in
        // A count outside 1...256 is no value at all (refused), not a value of nil (the default).
        guard let count = Int(text), (1...256).contains(count) else { return .none }
        return .some(count)
    }
    public static let maxDocumentBytes = Setting(
        "max-document-bytes", default: SQLiteResourceStore.defaultMaxDocumentBytes,
        help: "largest stored resource (its Describe form with tags); a larger one is a `ValidationException`")
    public static let state = Setting<String?>(
        "state", optional: (),
        help: "a state file (`GET /_emulator/state`) to start from: it replaces what the store holds")
    public static let adminKey = Setting<String?>(
        "admin-key", optional: (),
        help: "a secret that opens the control API (`/_emulator/`) to callers beyond loopback "
            + "(`Authorization: Bearer <key>`); required for it under `--auth verify`")
    public static let controlAccess = Setting(
        "control-access", default: "loopback",
        help: "who may use the control API without `--admin-key`: `loopback` callers, or `any` caller (in a "
            + "container, whose network is the boundary; the image sets it)")
    public static let upstream = Setting<String?>(
        "upstream", optional: (),
        help: "where every request that is not for a SageMaker operation this emulator serves goes: `moto` (runs "
            + "`python3 -m moto.server` as a supervised child) or the URL of an AWS-compatible endpoint")
    public static let journalSize = Setting(
        "journal-size", default: 1000, help: "requests the request journal (`/_emulator/requests`) keeps")
    public static let domains = Setting("domains", [.seed], default: 0, help: "domains to create")
    public static let userProfilesPerDomain = Setting(
        "user-profiles-per-domain", [.seed], default: 0, help: "user profiles to create in each domain")
    public static let account = Setting("account", [.seed], default: "123456789012", help: "account that owns them")
    public static let region = Setting("region", [.seed], default: "us-east-1", help: "region they live in")
    public static let prefix = Setting("prefix", [.seed], default: "seed", help: "domain names are `<prefix>-<n>`")

    /// Every option, in the order of the docs.
    public static let all: [EmulatorOption] =
        [
            host.option, port.option, dataDir.option, inMemory.option, databaseURL.option, databaseTimeout.option,
            databaseConnections.option,
            statusProfile.option,
        ] + delays.map(\.option) + [
            deletedAppRetention.option, maxDomains.option,
            maxCustomImagesPerDomain.option, maxLifecycleConfigsPerDomain.option, maxUserProfilesPerDomain.option,
            maxSpacesPerDomain.option, maxAppsPerOwner.option, defaultAccount.option, defaultRegion.option,
            maxBodyBytes.option, logLevel.option, logFormat.option, auth.option, credentialsFile.option,
            allowUnauthenticated.option,
            idleTimeout.option, requestTimeout.option, maxConnections.option, eventLoops.option,
            maxDocumentBytes.option,
            state.option,
            adminKey.option, controlAccess.option, upstream.option, journalSize.option, domains.option,
            userProfilesPerDomain.option, account.option, region.option, prefix.option,
        ]

    public static func options(of command: EmulatorOption.Command) -> [EmulatorOption] {
        all.filter { $0.commands.contains(command) }
    }

    /// The options of `command` as `--help` lists them.
    public static func help(_ command: EmulatorOption.Command) -> String {
        var lines = wrapped("Options (each can also be set by its environment variable; the command line wins):")
        lines.append("")
        for option in options(of: command) {
            let usage = option.isFlag ? "--\(option.name)" : "--\(option.name) <value>"
            let variable = option.isFlag ? "\(option.environmentVariable)=1" : option.environmentVariable
            let shown = option.defaultText.isEmpty ? "" : " (default: \(option.defaultText))"
            lines.append("  \(usage)")
            lines += wrapped(option.help.replacing("`", with: "") + shown, indent: "      ")
            lines.append("      env: \(variable)")
        }
        return lines.joined(separator: "\n")
    }

    /// Help text broken into lines of at most `width` columns, each indented: Argument Parser would break longer
    /// lines itself, without the indent.
    static func wrapped(_ text: String, indent: String = "", width: Int = 78) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        lines.append(line)
        return lines
    }

    /// The README's table of the options of `command`.
    public static func markdownTable(_ command: EmulatorOption.Command) -> String {
        var lines = ["| option | environment variable | default | |", "|---|---|---|---|"]
        for option in options(of: command) {
            let variable = option.isFlag ? "\(option.environmentVariable)=1" : option.environmentVariable
            let shown = option.defaultText.isEmpty ? "" : option.isFlag ? option.defaultText : "`\(option.defaultText)`"
            lines.append("| `--\(option.name)` | `\(variable)` | \(shown) | \(option.help) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Why an option's value was refused, naming where it came from.
public struct OptionError: Error, CustomStringConvertible {
    public let description: String
}

/// The values of the options: the command line's first, then the environment's, then the declared defaults, read
/// through swift-configuration.
public struct OptionValues: Sendable {
    private let reader: ConfigReader
    private let commandLine: [String: String]

    /// `arguments` are the command's options as typed (`--port 9091`, `--port=9091`, `--in-memory`); unknown
    /// options, and options of another command, are refused.
    public init(
        _ command: EmulatorOption.Command, arguments: [String], environment: [String: String]
    ) throws(OptionError) {
        let options = EmulatorOptions.options(of: command)
        var given: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else { throw OptionError(description: "unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = options.first(where: { $0.name == name }) else {
                throw OptionError(description: "unknown option '--\(name)' for \(command.rawValue)")
            }
            if option.isFlag {
                given[option.key] = value ?? "true"
            } else {
                if value == nil, index < arguments.count {
                    value = arguments[index]
                    index += 1
                }
                guard let value else { throw OptionError(description: "missing value for '--\(name)'") }
                given[option.key] = value
            }
        }
        commandLine = given
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in given {
            values[AbsoluteConfigKey(["sagemaker", "emulator", key])] = ConfigValue(.string(value), isSecret: false)
        }
        reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: values),
            EnvironmentVariablesProvider(environmentVariables: environment),
        ]).scoped(to: "sagemaker.emulator")
    }

    /// The option's text as set (command line, then environment), or nil.
    func text(of option: EmulatorOption) -> String? { reader.string(forKey: ConfigKey(option.key)) }

    /// The option's value, or its default when it is not set; a value that does not parse is an `OptionError`.
    public func value<Value>(_ setting: Setting<Value>) throws(OptionError) -> Value {
        let option = setting.option
        guard let text = text(of: option), !text.isEmpty else { return setting.defaultValue }
        guard let value = setting.parse(text) else {
            let origin =
                commandLine[option.key] != nil ? "--\(option.name) \(text)" : "\(option.environmentVariable)=\(text)"
            throw OptionError(description: "\(origin) is not a valid value")
        }
        return value
    }
}
