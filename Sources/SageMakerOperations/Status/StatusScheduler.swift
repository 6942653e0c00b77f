import AWSWire
import Foundation
import Logging
import SageMakerModel
import SageMakerStorage
import ServiceLifecycle

/// Applies due status transitions of every resource (Pending -> InService, Updating -> InService, Deleting -> gone;
/// apps Deleting -> Deleted -> purged). Transitions live in the store, so one that was due while the server was
/// down completes after a restart.
public struct StatusScheduler<Store: ResourceStore>: Service {
    let store: Store
    let clock: any EmulatorClock
    let pollInterval: Double
    /// How long a Deleted app stays listed.
    let deletedAppRetention: Double
    let logger: Logger

    public init(
        store: Store, clock: any EmulatorClock, pollInterval: Double = 0.02, deletedAppRetention: Double = 86_400,
        logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.pollInterval = pollInterval
        self.deletedAppRetention = deletedAppRetention
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await runDueTransitions()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("status transition failed", metadata: ["error": "\(error)"])
                }
                try? await clock.sleep(seconds: pollInterval)
            }
        }
    }

    /// Applies every transition due now; returns how many were applied.
    @discardableResult
    public func runDueTransitions() async throws -> Int {
        let now = clock.now()
        var applied = 0
        let retention = deletedAppRetention
        while true {
            let due = try await store.dueTransitions(at: now, limit: 256)
            for resource in due {
                let done = try await store.mutate(resource.kind, scope: resource.scope, id: resource.id) { stored in
                    guard var record = stored, let transition = record.transition, transition.dueAt <= now else {
                        return false
                    }
                    switch transition.outcome {
                    case .removal:
                        stored = nil
                    case .status(let status):
                        record.status = status
                        record.transition = nil
                        if record.kind == .app, status == AppStatus.deleted {
                            record.transition = PendingTransition(
                                .removal, dueAt: transition.dueAt.addingTimeInterval(retention))
                        }
                        record.document = try Self.document(record, status: status, at: transition.dueAt)
                        stored = record
                    }
                    return true
                }
                if done {
                    applied += 1
                    if resource.kind == .domain, resource.transition?.outcome == .status(DomainStatus.inService),
                       SharedRStudioApp.mayRun(resource.document),
                       let domain = try await store.fetch(.domain, scope: resource.scope, id: resource.id)
                    {
                        try await SharedRStudioApp.ensure(for: domain, in: store)
                    }
                    logger.debug(
                        "status transition",
                        metadata: ["kind": "\(resource.kind.rawValue)", "id": "\(resource.id)"])
                }
            }
            if due.count < 256 { return applied }
        }
    }

    /// The stored document with its new status (and, where the shape has one, modification time).
    static func document(_ record: StoredResource, status: String, at date: Date) throws -> Data {
        try ResourceKindDeclaration.of(record.kind).document.restamp(record.document, status, date)
    }
}
