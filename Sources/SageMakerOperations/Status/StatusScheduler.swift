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

    /// Holds and failure rules (the control API).
    let controls: EmulatorControls?

    public init(
        store: Store, clock: any EmulatorClock, pollInterval: Double = 0.02, deletedAppRetention: Double = 86_400,
        controls: EmulatorControls? = nil, logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.pollInterval = pollInterval
        self.deletedAppRetention = deletedAppRetention
        self.controls = controls
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await runDueTransitions()
                } catch is CancellationError {
                    return
                } catch is PostgresStoreUnavailable {
                    // The store logs the database's going away and its return, once each; the next poll tries again.
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
        try await apply(upTo: clock.now(), early: false)
    }

    /// Completes every pending transition now, whenever it was due (the control API's "complete"); held resources
    /// stay as they are, and Deleted apps stay listed for their retention.
    @discardableResult
    public func completeAll() async throws -> Int {
        try await apply(upTo: .distantFuture, early: true)
    }

    /// How long a held resource's transition waits before the scheduler looks at it again.
    static var holdRecheck: Double { 0.25 }

    private func apply(upTo limit: Date, early: Bool) async throws -> Int {
        let now = clock.now()
        var applied = 0
        let retention = deletedAppRetention
        while true {
            let due = try await store.dueTransitions(at: limit, limit: 256)
            var progressed = 0
            for resource in due {
                if early, resource.kind == .app, resource.status(as: AppStatus.self) == .deleted { continue }
                if let controls, controls.isHeld(resource) {
                    // Out of the way of the others until it is released.
                    try await postpone(resource, until: now.addingTimeInterval(Self.holdRecheck))
                    progressed += 1
                    continue
                }
                let failure = controls?.faults.transitionFault(for: resource)
                let step = Step(limit: limit, early: early, now: now, retention: retention, failure: failure)
                let done: Bool
                if failure == nil, resource.kind == .domain,
                    resource.transition?.outcome == .status(DomainStatus.inService.rawValue),
                    SharedRStudioApp.mayRun(resource.document)
                {
                    // An RStudio domain's shared app starts with the domain's InService, in the same write: a client
                    // that sees the domain InService (on any replica) sees the app too.
                    done = try await store.transaction { tx in
                        var stored = try tx.fetch(resource.kind, scope: resource.scope, id: resource.id)
                        guard try step.advance(&stored), let domain = stored else { return false }
                        try tx.update(domain)
                        try SharedRStudioApp.ensure(for: domain, in: tx)
                        return true
                    }
                } else {
                    done = try await store.mutate(resource.kind, scope: resource.scope, id: resource.id) { stored in
                        try step.advance(&stored)
                    }
                }
                guard done else { continue }
                applied += 1
                progressed += 1
                if let failure {
                    logger.notice(
                        "status transition failed on purpose",
                        metadata: [
                            "kind": "\(resource.kind.rawValue)", "id": "\(resource.id)", "status": "\(failure.status)",
                            "fault": "\(failure.rule)",
                        ])
                    continue
                }
                logger.debug(
                    "status transition",
                    metadata: ["kind": "\(resource.kind.rawValue)", "id": "\(resource.id)"])
            }
            if due.count < 256 || progressed == 0 { return applied }
        }
    }

    /// One due transition applied to a resource as read: its new status (or the failure a fault rule asks for), or its
    /// removal; false when the transition is no longer pending or not yet due (another replica, or a request, got
    /// there first).
    struct Step: Sendable {
        let limit: Date
        let early: Bool
        let now: Date
        let retention: Double
        let failure: (status: String, reason: String, rule: String)?

        func advance(_ stored: inout StoredResource?) throws -> Bool {
            guard var record = stored, let transition = record.transition, transition.dueAt <= limit else {
                return false
            }
            let stamp = early ? now : transition.dueAt
            if let failure {
                record.status = failure.status
                record.transition = nil
                record.document = try StatusScheduler.document(
                    record, status: failure.status, at: stamp, reason: failure.reason)
                stored = record
                return true
            }
            switch transition.outcome {
            case .removal:
                stored = nil
            case .status(let status):
                record.status = status
                record.transition = nil
                if record.kind == .app, status == AppStatus.deleted.rawValue {
                    record.transition = PendingTransition(.removal, dueAt: stamp.addingTimeInterval(retention))
                }
                record.document = try StatusScheduler.document(record, status: status, at: stamp)
                stored = record
            }
            return true
        }
    }

    /// Moves a held resource's pending transition to `date`.
    private func postpone(_ resource: StoredResource, until date: Date) async throws {
        try await store.mutate(resource.kind, scope: resource.scope, id: resource.id) { stored in
            guard var record = stored, var transition = record.transition, transition.dueAt < date else { return }
            transition.dueAt = date
            record.transition = transition
            stored = record
        }
    }

    /// The stored document with its new status (and, where the shape has one, modification time).
    static func document(
        _ record: StoredResource, status: String, at date: Date, reason: String? = nil
    ) throws -> Data {
        try ResourceKindDeclaration.of(record.kind).document.restamp(record.document, status, date, reason)
    }
}
