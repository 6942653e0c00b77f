import Foundation
import SageMakerStorage
import Synchronization

/// What a running emulator lets a test change (docs/control-api.md): the transitions' delays, held resources, fault
/// rules, the clock's offset, and the history of changes. One instance is shared by the service, the scheduler and
/// the control API.
public final class EmulatorControls: Sendable {
    private struct State {
        var delays: StatusDelays
        var holds: Set<String> = []
    }

    public let faults: FaultRules
    public let history: ResourceHistory
    /// The delays the server started with, which a full reset restores.
    public let initialDelays: StatusDelays
    private let state: Mutex<State>
    private let holdCount = Atomic<Int>(0)

    public init(delays: StatusDelays, faults: FaultRules = FaultRules(), history: ResourceHistory = ResourceHistory()) {
        initialDelays = delays
        state = Mutex(State(delays: delays))
        self.faults = faults
        self.history = history
    }

    /// The delays in force now.
    public var delays: StatusDelays { state.withLock { $0.delays } }

    public func setDelays(_ delays: StatusDelays) {
        state.withLock { $0.delays = delays }
    }

    /// Keeps a resource (named by its id, as in `d-abc123` or `d-abc123/alice`, or by its ARN) in its status:
    /// its transitions wait until it is released.
    public func hold(_ resource: String) {
        state.withLock { state in
            state.holds.insert(resource)
            holdCount.store(state.holds.count, ordering: .releasing)
        }
    }

    /// Releases a held resource; false when it was not held.
    @discardableResult
    public func release(_ resource: String) -> Bool {
        state.withLock { state in
            let removed = state.holds.remove(resource) != nil
            holdCount.store(state.holds.count, ordering: .releasing)
            return removed
        }
    }

    public var holds: [String] { state.withLock { $0.holds.sorted() } }

    func isHeld(_ resource: StoredResource) -> Bool {
        guard holdCount.load(ordering: .acquiring) > 0 else { return false }
        let arn = ResourceNames.arn(resource.kind, resource.scope, id: resource.id)
        return state.withLock { $0.holds.contains(resource.id) || $0.holds.contains(arn) }
    }

    /// Forgets what refers to resources that were replaced wholesale (a restored state): holds and history.
    public func forgetResources() {
        history.removeAll()
        state.withLock { state in
            state.holds = []
            holdCount.store(0, ordering: .releasing)
        }
    }

    /// Forgets what a reset takes: for everything, the holds, faults, history and delays (back to the start-up
    /// ones); for one account (and region), its faults, its history and the holds of its resources.
    public func reset(account: String?, region: String?) {
        faults.removeAll(account: account, region: region)
        history.removeAll(account: account, region: region)
        state.withLock { state in
            if let account {
                state.holds = state.holds.filter { hold in
                    guard let arn = ResourceArn(hold) else { return true }
                    return !(arn.scope.account == account && (region == nil || arn.scope.region == region))
                }
            } else {
                state.holds = []
                state.delays = initialDelays
            }
            holdCount.store(state.holds.count, ordering: .releasing)
        }
    }
}

/// The clock the emulator runs on: the system's, moved by an offset that a test can set (the control API's
/// `/_emulator/clock`). Signatures are checked against the system clock, never this one.
public final class SteerableClock: EmulatorClock {
    private let base: any EmulatorClock
    private let offset = Mutex<Double>(0)

    public init(base: any EmulatorClock) {
        self.base = base
    }

    public func now() -> Date { base.now().addingTimeInterval(offset.withLock { $0 }) }

    public func sleep(seconds: Double) async throws { try await base.sleep(seconds: seconds) }

    /// Seconds this clock runs ahead of its base.
    public var offsetSeconds: Double { offset.withLock { $0 } }

    /// Moves the clock forward by `seconds` (never backward: AWS time does not run back).
    public func advance(by seconds: Double) {
        offset.withLock { $0 += max(0, seconds) }
    }

    /// Back to the base clock's time.
    public func resetOffset() {
        offset.withLock { $0 = 0 }
    }
}

extension SageMakerService {
    /// Whether a resource named as a hold names it (its ARN, or its id in any account and region: `d-...`,
    /// `d-.../alice`) exists now.
    public func resourceExists(named name: String) async throws -> Bool {
        if let arn = ResourceArn(name) {
            return try await store.fetch(arn.kind, scope: arn.scope, id: arn.id) != nil
        }
        for scope in try await store.countsByScope().keys {
            for kind in ResourceKind.allCases where try await store.fetch(kind, scope: scope, id: name) != nil {
                return true
            }
        }
        return false
    }
}
