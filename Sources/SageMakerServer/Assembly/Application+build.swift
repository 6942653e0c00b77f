import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle
import Synchronization

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
    let metrics = EmulatorMetrics()
    let base = try await openStore(
        configuration.storage, maxDocumentBytes: configuration.maxDocumentBytes,
        databaseTimeout: configuration.databaseTimeout, databaseConnections: configuration.databaseConnections,
        commitObserver: { writes, duration in metrics.commit(writes: writes, duration: duration) },
        // The database connections' I/O runs on the server's own event loops: no threads of their own to wake.
        eventLoopGroup: EventLoops.group(threads: configuration.eventLoopThreads), logger: logger)
    do {
        if let stateFile = configuration.stateFile { try await loadState(stateFile, into: base) }
        return try await assemble(configuration, store: base, clock: clock, metrics: metrics, logger: logger)
    } catch {
        (base as? PostgresResourceStore)?.close()
        throw error
    }
}

/// The application over an open store (whichever implementation the configuration named).
private func assemble<Base: ResourceStore>(
    _ configuration: EmulatorConfiguration, store base: Base, clock: any EmulatorClock, metrics: EmulatorMetrics,
    logger: Logger
) async throws -> Application<
    EmulatorResponder<RouterResponder<EmulatorRequestContext>, RouterResponder<EmulatorRequestContext>>
> {
    // Transitions, timestamps and history run on a clock the control API can move; signatures keep the real one.
    let steerable = SteerableClock(base: clock)
    let controls = EmulatorControls(delays: configuration.operations.delays)
    let store = HistoryRecordingStore(base, history: controls.history, clock: steerable)
    let service = try await SageMakerService.open(
        store: store, clock: steerable, configuration: configuration.operations, controls: controls)
    let scheduler = StatusScheduler(
        store: store, clock: steerable, pollInterval: configuration.schedulerInterval,
        deletedAppRetention: configuration.operations.delays.deletedAppRetention, controls: controls, logger: logger)
    // One source of request ids for the router and the connections' parser refusals, so that none repeats.
    let requestIDs = RequestIDs()
    let journal = RequestJournal(capacity: configuration.journalSize)
    let router = buildRouter(
        service: service, configuration: configuration, clock: clock, logger: logger, requestIDs: requestIDs,
        faults: controls.faults, journal: journal, metrics: metrics)
    let (upstreamRoom, upstreamServices) = try await openUpstream(
        configuration, clock: clock, requestIDs: requestIDs, faults: controls.faults, journal: journal,
        metrics: metrics,
        logger: logger)
    let control = Router(context: EmulatorRequestContext.self)
    control.add(middleware: ControlErrorMiddleware(maxBodyBytes: ControlAPI<SQLiteResourceStore>.maxBodyBytes))
    var requiresKey = false
    if case .verify = configuration.authentication { requiresKey = true }
    control.add(
        middleware: ControlAccessMiddleware(
            adminKey: configuration.adminKey, requiresKey: requiresKey, anyCaller: configuration.controlFromAnyCaller,
            servedHost: configuration.host))
    ControlAPI(
        store: store, service: service, scheduler: scheduler, clock: steerable, journal: journal, metrics: metrics,
        storeDescription: configuration.storage.logDescription, started: .now,
        console: try Console(store: store, controls: controls, journal: journal, upstream: upstreamRoom.endpoint),
        upstreamRoom: upstreamRoom
    ).addRoutes(to: control)
    let responder = EmulatorResponder(
        aws: router.buildResponder(), control: control.buildResponder(), upstream: upstreamRoom)
    // A database client runs as a service too: first in the group, so that it shuts down last.
    var services: [any Service] = [scheduler] + upstreamServices
    if let database = base as? PostgresResourceStore { services.insert(database, at: 0) }
    let softLimit = FileDescriptorLimit.raise()
    let maxConnections = FileDescriptorLimit.connections(wanted: configuration.maxConnections, softLimit: softLimit)
    let requestTimeout = TimeAmount.milliseconds(Int64(configuration.requestTimeout * 1000))
    let http = HTTP1Channel.Configuration(
        additionalChannelHandlers: [
            ConnectionGuard(requestTimeout: requestTimeout, requestIDs: requestIDs, logger: logger)
        ],
        idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))
    return Application(
        responder: responder,
        server: HTTPServerBuilder { responder in
            EmulatorHTTPChannel(http: HTTP1Channel(responder: responder, configuration: http), upstream: upstreamRoom)
        },
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
        services: services,
        onServerRunning: { channel in
            logger.notice(
                "sagemaker-emulator listening",
                metadata: [
                    "address": .string(channel.localAddress?.description ?? "?"),
                    "console": .string(consoleURL(host: configuration.host, port: channel.localAddress?.port)),
                    "store": .string(configuration.storage.logDescription),
                    "max_connections": .stringConvertible(maxConnections),
                    "event_loops": .stringConvertible(configuration.eventLoopThreads),
                    "file_descriptor_limit": .stringConvertible(softLimit),
                ])
        },
        eventLoopGroupProvider: .shared(EventLoops.group(threads: configuration.eventLoopThreads)),
        logger: logger)
}

/// Where a browser on this machine opens the console: a wildcard host is reached on loopback.
func consoleURL(host: String, port: Int?) -> String {
    let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" || host == "[::]" ? "[::1]" : host
    let shown = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
    return "http://\(shown):\(port.map(String.init) ?? "?")/_emulator/console"
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
    requestIDs: RequestIDs, faults: FaultRules? = nil, journal: RequestJournal? = nil, metrics: EmulatorMetrics? = nil
) -> Router<EmulatorRequestContext> {
    let router = Router(context: EmulatorRequestContext.self)
    router.add(middleware: AWSProtocolMiddleware(requestIDs: requestIDs, journal: journal, metrics: metrics))
    router.add(middleware: CallerMiddleware(configuration: configuration, clock: clock))
    let responder = OperationResponder(handler: service, maxBodyBytes: configuration.maxBodyBytes, faults: faults)
    router.post("/") { request, context in try await responder.respond(request, context: context) }
    return router
}
