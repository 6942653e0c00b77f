import Foundation
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle

/// Assembles the emulator: picks the store, opens the service, wires middleware, routes and the scheduler.
/// `@main` and the tests both call this.
public func buildApplication(
    _ configuration: EmulatorConfiguration, clock: any EmulatorClock = SystemClock(), logger: Logger
) async throws -> some ApplicationProtocol {
    let store = try openStore(configuration.storage)
    let service = try await SageMakerService.open(store: store, clock: clock, configuration: configuration.operations)
    let scheduler = StatusScheduler(
        store: store, clock: clock, pollInterval: configuration.schedulerInterval,
        deletedAppRetention: configuration.operations.delays.deletedAppRetention, logger: logger)
    let router = buildRouter(service: service, configuration: configuration, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [scheduler],
        onServerRunning: { channel in
            logger.notice(
                "sagemaker-emulator listening",
                metadata: ["address": .string(channel.localAddress?.description ?? "?")])
        },
        logger: logger)
}

/// The store a configuration names, created and migrated if needed.
func openStore(_ storage: EmulatorConfiguration.Storage) throws -> SQLiteResourceStore {
    switch storage {
    case .memory:
        return try SQLiteResourceStore()
    case .sqlite(let directory):
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteResourceStore(path: (directory as NSString).appendingPathComponent("sagemaker.sqlite"))
    }
}

/// The router alone, for in-process tests.
public func buildRouter(
    service: some SageMakerHandler, configuration: EmulatorConfiguration, logger: Logger
) -> Router<EmulatorRequestContext> {
    let router = Router(context: EmulatorRequestContext.self)
    router.add(middleware: AWSProtocolMiddleware(logger: logger))
    router.add(
        middleware: SigV4CallerMiddleware(
            defaultAccount: configuration.defaultAccount, defaultRegion: configuration.defaultRegion))
    let responder = OperationResponder(handler: service, maxBodyBytes: configuration.maxBodyBytes)
    router.post("/") { request, context in try await responder.respond(request, context: context) }
    return router
}
