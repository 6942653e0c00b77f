import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerServer

@main
struct SageMakerEmulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagemaker-emulator",
        abstract: "A local Amazon SageMaker Studio domain control plane for the AWS CLI, boto3 and every AWS SDK.",
        discussion: "With no subcommand, or with `serve`, it serves the API; these are serve's options.\n\n"
            + EmulatorOptions.help(.serve),
        version: EmulatorVersion.description,
        subcommands: [Serve.self, Seed.self, Control.self],
        defaultSubcommand: Serve.self)
}

/// Reads the options (command line, then environment, then defaults: `EmulatorOptions`), builds the app and runs it.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the SageMaker API (the default subcommand).", discussion: EmulatorOptions.help(.serve))

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var options: [String] = []

    func run() async throws {
        // `sagemaker-emulator --version` reaches the default subcommand with the option unparsed.
        if options == ["--version"] {
            print(EmulatorVersion.description)
            return
        }
        let values = try validated {
            try OptionValues(.serve, arguments: options, environment: ProcessInfo.processInfo.environment)
        }
        let configuration = try validated { try EmulatorConfiguration(values) }
        let formatName = try validated { try values.value(EmulatorOptions.logFormat) }
        guard let format = EmulatorLogHandler.Format(rawValue: formatName) else {
            throw ValidationError("--log-format must be text or json")
        }
        LoggingSystem.bootstrap { label in EmulatorLogHandler(label: label, format: format) }
        var logger = Logger(label: "sagemaker-emulator")
        let levelName = try validated { try values.value(EmulatorOptions.logLevel) }
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        logger.logLevel = level
        // A port already taken is said before the data directory is created or opened.
        do {
            try ListenAddress.checkAvailable(host: configuration.host, port: configuration.port)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
        // A refused configuration or a data directory in use is said in one line, without the usage text.
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
        logger.notice(
            "sagemaker-emulator stopped", metadata: ["address": "\(configuration.host):\(configuration.port)"])
    }
}

/// Fills a data directory with domains and user profiles, for benchmarks at scale.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a data directory with InService domains and user profiles (for benchmarks).",
        discussion: EmulatorOptions.help(.seed))

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var options: [String] = []

    func run() async throws {
        let values = try validated {
            try OptionValues(.seed, arguments: options, environment: ProcessInfo.processInfo.environment)
        }
        let seeder = try validated { try StateSeeder(values) }
        let storage = try validated { try EmulatorConfiguration.storage(values) }
        let started = Date()
        let created = try await seeder.seed(storage, logger: Logger(label: "sagemaker-emulator.seed"))
        print("created \(created) resources in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}

/// An option error as Argument Parser reports it: one line, and the exit status of a usage error.
func validated<Value>(_ read: () throws -> Value) throws -> Value {
    do {
        return try read()
    } catch let error as OptionError {
        throw ValidationError(error.description)
    }
}
