import Foundation
import NIOCore
import SageMakerOperations
import Testing

@testable import SageMakerServer

/// The options are declared once (`EmulatorOptions`): the README's tables, the environment variables and the
/// precedence all follow from the declarations.
@Suite struct OptionsTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// `EmulatorOptions.all` is kept by hand: every `Setting` the file declares is in it (once), and nothing else is.
    /// (Swift cannot enumerate a type's static members, so the declarations are read from the source.)
    @Test func everyDeclaredSettingIsListed() throws {
        let source = try String(
            contentsOf: Self.readme.deletingLastPathComponent().appendingPathComponent(
                "Sources/SageMakerServer/Configuration/EmulatorOptions.swift"), encoding: .utf8)
        var declared: [String] = []
        for match in source.matches(of: /static let (\w+) = Setting[<(]/) { declared.append(String(match.1)) }
        for match in source.matches(of: /static let (\w+): \[Setting<[^>]+>\] =/) { declared.append(String(match.1)) }
        let listed = EmulatorOptions.all.map(\.name)
        #expect(Set(listed).count == listed.count, "an option is listed twice")
        // Each declared setting's option (or each of a list's) is in `all`.
        #expect(declared.count >= 30)
        let allBlock = try #require(
            source.firstRange(of: "public static let all:").map { String(source[$0.lowerBound...]) })
        for name in declared where name != "delays" {
            #expect(allBlock.contains("\(name).option"), "\(name) is declared but not in EmulatorOptions.all")
        }
        let delays = EmulatorOptions.delays.map(\.option.name)
        #expect(Set(delays).isSubset(of: Set(listed)))
        #expect(listed.count == declared.count - 1 + delays.count, "declared \(declared), listed \(listed)")
    }

    /// `UPDATE_README=1 swift test --no-parallel --filter OptionsTests` writes the tables from the declarations.
    @Test(arguments: EmulatorOption.Command.allCases) func theReadmeTableIsTheDeclaredOptions(
        command: EmulatorOption.Command
    ) throws {
        var text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = "<!-- options: \(command.rawValue) -->\n"
        let end = "\n<!-- end of options -->"
        let range = try #require(
            text.range(of: start).flatMap { opening in
                text[opening.upperBound...].range(of: end).map { opening.upperBound..<$0.lowerBound }
            }, "README.md has no table between \(start) and \(end)")
        let expected = EmulatorOptions.markdownTable(command)
        if ProcessInfo.processInfo.environment["UPDATE_README"] == "1" {
            text.replaceSubrange(range, with: expected)
            try text.write(to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[range]) == expected, "README.md's table of \(command.rawValue) should be:\n\(expected)")
    }

    @Test func everyOptionIsReadFromTheVariableTheDocsName() throws {
        for option in EmulatorOptions.all {
            for command in option.commands {
                let values = try OptionValues(command, arguments: [], environment: [option.environmentVariable: "7"])
                #expect(values.text(of: option) == "7", "\(option.environmentVariable) should set --\(option.name)")
            }
        }
        #expect(Set(EmulatorOptions.all.map(\.name)).count == EmulatorOptions.all.count)
    }

    @Test func theCommandLineWinsOverTheEnvironmentWhichWinsOverTheDefault() throws {
        let environment = ["SAGEMAKER_EMULATOR_PORT": "9092"]
        #expect(try OptionValues(.serve, arguments: [], environment: [:]).value(EmulatorOptions.port) == 9090)
        #expect(try OptionValues(.serve, arguments: [], environment: environment).value(EmulatorOptions.port) == 9092)
        for arguments in [["--port", "9093"], ["--port=9093"]] {
            let values = try OptionValues(.serve, arguments: arguments, environment: environment)
            #expect(try values.value(EmulatorOptions.port) == 9093)
        }
        // An empty variable is no setting.
        #expect(
            try OptionValues(.serve, arguments: [], environment: ["SAGEMAKER_EMULATOR_PORT": ""])
                .value(EmulatorOptions.port) == 9090)
    }

    @Test func refusalsNameWhereTheValueCameFrom() throws {
        let bad = #expect(throws: OptionError.self) {
            try OptionValues(.serve, arguments: [], environment: ["SAGEMAKER_EMULATOR_PORT": "abc"])
                .value(EmulatorOptions.port)
        }
        #expect(bad?.description == "SAGEMAKER_EMULATOR_PORT=abc is not a valid value")
        let negative = #expect(throws: OptionError.self) {
            try OptionValues(.serve, arguments: ["--idle-timeout", "-1"], environment: [:]).value(
                EmulatorOptions.idleTimeout)
        }
        #expect(negative?.description == "--idle-timeout -1 is not a valid value")
        let unknown = #expect(throws: OptionError.self) {
            try OptionValues(.serve, arguments: ["--domains", "3"], environment: [:])
        }
        #expect(unknown?.description == "unknown option '--domains' for serve")
        #expect(throws: OptionError.self) { try OptionValues(.serve, arguments: ["--port"], environment: [:]) }
        #expect(throws: OptionError.self) { try OptionValues(.serve, arguments: ["9090"], environment: [:]) }
        for count in ["0", "1001"] {
            let pool = #expect(throws: OptionError.self) {
                try EmulatorConfiguration(
                    OptionValues(.serve, arguments: ["--database-connections", count], environment: [:]))
            }
            #expect(pool?.description == "--database-connections must be between 1 and 1000")
        }
        #expect(
            try EmulatorConfiguration(
                OptionValues(.serve, arguments: ["--database-connections", "3"], environment: [:])
            ).databaseConnections == 3)
        for count in ["0", "257", "-1", "x"] {
            let loops = #expect(throws: OptionError.self) {
                try EmulatorConfiguration(OptionValues(.serve, arguments: ["--event-loops", count], environment: [:]))
            }
            #expect(loops?.description == "--event-loops \(count) is not a valid value")
        }
        let loops = try EmulatorConfiguration(
            OptionValues(.serve, arguments: [], environment: ["SAGEMAKER_EMULATOR_EVENT_LOOPS": "5"]))
        #expect(loops.eventLoops == 5 && loops.eventLoopThreads == 5)
        let byDefault = try EmulatorConfiguration(OptionValues(.serve, arguments: [], environment: [:]))
        #expect(byDefault.eventLoops == nil && byDefault.eventLoopThreads == max(1, System.coreCount / 2))
    }

    @Test func theConfigurationFollowsTheOptions() throws {
        let values = try OptionValues(
            .serve,
            arguments: ["--in-memory", "--status-profile", "realistic", "--space-delay", "0", "--max-domains", "3"],
            environment: ["SAGEMAKER_EMULATOR_ALLOW_UNAUTHENTICATED": "1", "SAGEMAKER_EMULATOR_HOST": "0.0.0.0"])
        let configuration = try EmulatorConfiguration(values)
        #expect(configuration.storage == .memory)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.allowUnauthenticated)
        #expect(configuration.operations.delays.domainCreate == StatusDelays.realistic.domainCreate)
        #expect(configuration.operations.delays.space == 0)
        #expect(configuration.operations.quotas.domainsPerRegion == 3)
        #expect(configuration.operations.quotas.appsPerOwner == Quotas().appsPerOwner)
        let defaults = try EmulatorConfiguration(OptionValues(.serve, arguments: [], environment: [:]))
        #expect(defaults.storage == .sqlite(directory: "sagemaker-data"))
        #expect(defaults.maxDocumentBytes == 256 << 10)
        #expect(defaults.operations.delays == .fast)
        let noFile = #expect(throws: OptionError.self) {
            try EmulatorConfiguration(OptionValues(.serve, arguments: ["--auth", "verify"], environment: [:]))
        }
        #expect(noFile?.description.contains("--credentials-file") == true)
    }

    @Test func seedAndServeShareTheDataDirectory() throws {
        let environment = ["SAGEMAKER_EMULATOR_DATA_DIR": "/tmp/shared-data"]
        for command in EmulatorOption.Command.allCases {
            #expect(
                try OptionValues(command, arguments: [], environment: environment).value(EmulatorOptions.dataDir)
                    == "/tmp/shared-data")
        }
        let seeder = try StateSeeder(
            OptionValues(.seed, arguments: ["--domains", "5", "--prefix", "p"], environment: [:]))
        #expect(seeder.domains == 5)
        #expect(seeder.prefix == "p")
        #expect(seeder.userProfilesPerDomain == 0)
    }
}
