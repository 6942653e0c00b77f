import Foundation
import HummingbirdCore
import NIOCore
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
    if case .off = configuration.authentication, !configuration.allowUnauthenticated,
        !EmulatorConfiguration.isLoopback(configuration.host)
    {
        throw UnsafeConfiguration(
            description: "refusing to serve \(configuration.host) without authentication: anyone who reaches it could "
                + "act as any account. Use --auth verify with --credentials-file, or pass --allow-unauthenticated")
    }
    let store = try openStore(configuration.storage, maxDocumentBytes: configuration.maxDocumentBytes)
    let service = try await SageMakerService.open(store: store, clock: clock, configuration: configuration.operations)
    let scheduler = StatusScheduler(
        store: store, clock: clock, pollInterval: configuration.schedulerInterval,
        deletedAppRetention: configuration.operations.delays.deletedAppRetention, logger: logger)
    // One source of request ids for the router and the connections' parser refusals, so that none repeats.
    let requestIDs = RequestIDs()
    let router = buildRouter(
        service: service, configuration: configuration, clock: clock, logger: logger, requestIDs: requestIDs)
    let softLimit = FileDescriptorLimit.raise()
    let maxConnections = FileDescriptorLimit.connections(wanted: configuration.maxConnections, softLimit: softLimit)
    let requestTimeout = TimeAmount.milliseconds(Int64(configuration.requestTimeout * 1000))
    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(requestTimeout: requestTimeout, requestIDs: requestIDs, logger: logger)],
        idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))
    return Application(
        router: router,
        server: .http1(configuration: http),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
        services: [scheduler],
        onServerRunning: { channel in
            logger.notice(
                "sagemaker-emulator listening",
                metadata: [
                    "address": .string(channel.localAddress?.description ?? "?"),
                    "store": .string(configuration.storage.logDescription),
                    "max_connections": .stringConvertible(maxConnections),
                    "file_descriptor_limit": .stringConvertible(softLimit),
                ])
        },
        logger: logger)
}

extension EmulatorConfiguration.Storage {
    /// Where the state lives, for the start-up line: `sqlite:<absolute data directory>` or `memory`.
    var logDescription: String {
        switch self {
        case .memory: "memory (nothing survives a restart)"
        case .sqlite(let directory):
            "sqlite:" + URL(fileURLWithPath: directory).standardizedFileURL.path + "/sagemaker.sqlite"
        }
    }
}

/// A configuration that would be unsafe to serve.
public struct UnsafeConfiguration: Error, CustomStringConvertible {
    public let description: String
}

/// The store a configuration names, created and migrated if needed.
func openStore(
    _ storage: EmulatorConfiguration.Storage, maxDocumentBytes: Int = SQLiteResourceStore.defaultMaxDocumentBytes
) throws -> SQLiteResourceStore {
    switch storage {
    case .memory:
        return try SQLiteResourceStore(maxDocumentBytes: maxDocumentBytes)
    case .sqlite(let directory):
        return try SQLiteResourceStore(directory: DataDirectory(path: directory), maxDocumentBytes: maxDocumentBytes)
    }
}

/// The router alone, for in-process tests.
public func buildRouter(
    service: some SageMakerHandler, configuration: EmulatorConfiguration, clock: any EmulatorClock = SystemClock(),
    logger: Logger
) -> Router<EmulatorRequestContext> {
    buildRouter(service: service, configuration: configuration, clock: clock, logger: logger, requestIDs: RequestIDs())
}

func buildRouter(
    service: some SageMakerHandler, configuration: EmulatorConfiguration, clock: any EmulatorClock, logger: Logger,
    requestIDs: RequestIDs
) -> Router<EmulatorRequestContext> {
    let router = Router(context: EmulatorRequestContext.self)
    router.add(middleware: AWSProtocolMiddleware(requestIDs: requestIDs))
    router.add(middleware: CallerMiddleware(configuration: configuration, clock: clock))
    let responder = OperationResponder(handler: service, maxBodyBytes: configuration.maxBodyBytes)
    router.post("/") { request, context in try await responder.respond(request, context: context) }
    return router
}
