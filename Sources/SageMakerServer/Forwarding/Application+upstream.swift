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

/// The upstream of `--upstream`: moto started (and answering) before the server, or an endpoint URL; the services
/// that stop them with the server.
func openUpstream(
    _ configuration: EmulatorConfiguration, clock: any EmulatorClock, requestIDs: RequestIDs, faults: FaultRules,
    journal: RequestJournal, metrics: EmulatorMetrics, logger: Logger
) async throws -> (UpstreamRoom, [any Service]) {
    guard let upstream = configuration.upstream else {
        return (
            UpstreamRoom(
                forwarder: nil, endpoint: nil, supervisor: nil, requestIDs: requestIDs,
                defaultAccount: configuration.defaultAccount, metrics: metrics, logger: logger), []
        )
    }
    let endpoint = UpstreamEndpoint(url: upstream == "moto" ? nil : upstream, kind: upstream == "moto" ? "moto" : "url")
    var services: [any Service] = []
    var supervisor: MotoSupervisor?
    if upstream == "moto" {
        // moto's requests are recorded beside the SQLite file, and replayed at the next start (docs/upstream.md).
        var recording: String?
        if case .sqlite(let directory) = configuration.storage {
            recording = URL(fileURLWithPath: directory).appendingPathComponent("upstream-moto.jsonl").path
        }
        let started = MotoSupervisor(endpoint: endpoint, recording: recording, logger: logger)
        try await started.start()
        services.append(started)
        supervisor = started
    }
    var signatures: ForwardedSignatures?
    if case .verify(let credentials) = configuration.authentication {
        signatures = ForwardedSignatures(
            credentials: credentials, clock: clock, maxBodyBytes: configuration.maxBodyBytes)
    }
    let forwarder = UpstreamForwarder(
        endpoint: endpoint, eventLoopGroup: EventLoops.group(threads: configuration.eventLoopThreads), logger: logger)
    services.append(UpstreamClientService(forwarder: forwarder))
    return (
        UpstreamRoom(
            forwarder: forwarder, endpoint: endpoint, supervisor: supervisor, requestIDs: requestIDs,
            defaultAccount: configuration.defaultAccount, defaultRegion: configuration.defaultRegion,
            faults: faults, journal: journal, signatures: signatures, metrics: metrics, logger: logger),
        services
    )
}

/// Shuts the forwarder's HTTP client down with the server.
struct UpstreamClientService: Service {
    let forwarder: UpstreamForwarder

    func run() async throws {
        try? await gracefulShutdown()
        await forwarder.shutdown()
    }
}
