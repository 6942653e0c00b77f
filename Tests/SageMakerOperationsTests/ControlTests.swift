import Foundation
import Logging
import SageMakerModel
import SageMakerStorage
import Synchronization
import Testing

@testable import SageMakerOperations

@Suite struct FaultRuleTests {
    @Test func globsMatchWholeNames() {
        #expect(Glob.matches("d-*", "d-abc"))
        #expect(Glob.matches("*alice*", "d-1/alice"))
        #expect(Glob.matches("d-?c", "d-bc"))
        #expect(!Glob.matches("d-?c", "d-bbc"))
        #expect(!Glob.matches("d-*", "x-d-1"))
        #expect(Glob.matches("*", ""))
        #expect(Glob.matches("a*b*c", "aXbYbc"))
    }

    @Test func rulesAreCheckedAndGetDefaults() throws {
        let rules = FaultRules()
        let throttle = try rules.add(FaultRule(error: .init(code: "ThrottlingException")))
        #expect(throttle.id == "f-1" && throttle.hits == 0)
        #expect(throttle.error == .init(code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400))
        let unavailable = try rules.add(FaultRule(error: .init(code: "ServiceUnavailable")))
        #expect(unavailable.error?.httpStatus == 503)
        let failing = try rules.add(FaultRule(operation: "DeleteApp", failTransition: .init()))
        #expect(failing.failTransition?.status == AppStatus.failed.rawValue)
        for invalid in [
            FaultRule(),
            FaultRule(operation: "Nope", latency: 1),
            FaultRule(probability: 1.5, latency: 1),
            FaultRule(count: 0, latency: 1),
            FaultRule(latency: 301),
            FaultRule(error: .init(code: "")),
            FaultRule(error: .init(code: "X", httpStatus: 200)),
            FaultRule(failTransition: .init()),
            FaultRule(operation: "ListDomains", failTransition: .init()),
            FaultRule(operation: "UpdateApp", failTransition: .init()),
            FaultRule(operation: "UpdateImageVersion", failTransition: .init()),
            FaultRule(operation: "UpdateImage", failTransition: .init(status: "Update_Failed")),
            FaultRule(operation: "UpdateDomain", latency: 1, failTransition: .init()),
        ] {
            #expect(throws: InvalidFaultRule.self) { try rules.add(invalid) }
        }
        #expect(rules.rules.count == 3)
    }

    @Test func countsProbabilitiesAndFiltersDecideAMatch() throws {
        let rolls = Rolls([0.7, 0.2])
        let rules = FaultRules(random: { rolls.next() })
        _ = try rules.add(
            FaultRule(operation: "UpdateDomain", account: "111111111111", resource: "d-a*", count: 2, latency: 0))
        _ = try rules.add(FaultRule(operation: "ListDomains", probability: 0.5, latency: 0))
        func update(_ account: String, _ id: String) -> FaultRule? {
            rules.requestFault(operation: "UpdateDomain", account: account, region: "us-east-1", names: { [id] })
        }
        #expect(update("222222222222", "d-a1") == nil)
        #expect(update("111111111111", "d-b1") == nil)
        #expect(update("111111111111", "d-a1")?.hits == 1)
        #expect(update("111111111111", "d-a2")?.hits == 2)
        #expect(update("111111111111", "d-a3") == nil)  // spent
        let list = { rules.requestFault(operation: "ListDomains", account: "1", region: "r", names: { [] }) }
        #expect(list() == nil)  // rolled 0.7
        #expect(list() != nil)  // rolled 0.2
        rules.removeAll(account: "111111111111")
        #expect(rules.rules.map(\.operation) == ["ListDomains"])
    }
}

/// Rolls handed out in order.
final class Rolls: Sendable {
    private let values: Mutex<[Double]>
    init(_ values: [Double]) { self.values = Mutex(values) }
    func next() -> Double { values.withLock { $0.isEmpty ? 0 : $0.removeFirst() } }
}

@Suite struct ControlledTransitionTests {
    @Test func aFaultRuleEndsTheNextTransitionInAFailureWithItsReason() async throws {
        let harness = try await Harness()
        let controls = harness.service.controls
        let scheduler = StatusScheduler(
            store: harness.store, clock: harness.clock, controls: controls, logger: Logger(label: "test"))
        let id = try await harness.createDomain()
        harness.clock.advance(by: 5)
        try await scheduler.runDueTransitions()
        _ = try controls.faults.add(
            FaultRule(operation: "UpdateDomain", resource: id, count: 1, failTransition: .init(reason: "quota")))
        _ = try await harness.service.updateDomain(
            UpdateDomainRequest(defaultUserSettings: UserSettings(executionRole: role + "2"), domainId: id),
            context: alice)
        harness.clock.advance(by: 5)
        try await scheduler.runDueTransitions()
        let failed = try await harness.describe(id)
        #expect(failed.status == DomainStatus.updateFailed)
        #expect(failed.failureReason == "quota")
        // Spent: the next update completes.
        _ = try await harness.service.updateDomain(
            UpdateDomainRequest(defaultUserSettings: UserSettings(executionRole: role + "3"), domainId: id),
            context: alice)
        harness.clock.advance(by: 5)
        try await scheduler.runDueTransitions()
        let described = try await harness.describe(id)
        #expect(described.status == DomainStatus.inService && described.failureReason == nil)
    }

    @Test func aHeldResourceWaitsAndCompleteAllFinishesTheRest() async throws {
        let harness = try await Harness()
        let controls = harness.service.controls
        let scheduler = StatusScheduler(
            store: harness.store, clock: harness.clock, controls: controls, logger: Logger(label: "test"))
        let held = try await harness.createDomain("held")
        let free = try await harness.createDomain("free")
        controls.hold(ResourceNames.arn(.domain, alice.scope, id: held))
        #expect(try await scheduler.completeAll() == 1)
        harness.clock.advance(by: 60)
        try await scheduler.runDueTransitions()
        func status(_ id: String) async throws -> DomainStatus? {
            try await harness.describe(id).status
        }
        #expect(try await status(held) == DomainStatus.pending)
        #expect(try await status(free) == DomainStatus.inService)
        controls.release(ResourceNames.arn(.domain, alice.scope, id: held))
        harness.clock.advance(by: 1)
        try await scheduler.runDueTransitions()
        #expect(try await status(held) == DomainStatus.inService)
    }

    @Test func runtimeDelaysApplyToTheNextRequest() async throws {
        let harness = try await Harness()
        harness.service.controls.setDelays(StatusDelays(domainCreate: 0, domainUpdate: 0, domainDelete: 0))
        let id = try await harness.createDomain()
        let described = try await harness.describe(id)
        #expect(described.status == DomainStatus.inService)
    }
}

@Suite struct StateSnapshotTests {
    @Test func aSnapshotRoundTripsAndABrokenOneSaysWhere() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        let contents = try await harness.store.contents()
        let data = try StateSnapshot.encode(contents, generator: "test", exportedAt: Date())
        let decoded = try StateSnapshot.decode(data)
        #expect(decoded.resources.map(\.document) == contents.resources.map(\.document))
        #expect(decoded.resources.first?.transition == contents.resources.first?.transition)
        #expect(decoded.resources.first?.id == id)

        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var resources = try #require(object["resources"] as? [[String: Any]])
        resources[0]["account"] = "12345"
        object["resources"] = resources
        let broken = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: InvalidStateSnapshot.self) { try StateSnapshot.decode(broken) }
        do {
            _ = try StateSnapshot.decode(broken)
        } catch {
            #expect(error.description == "resources[0]: account must be 12 digits.")
        }
    }
}

@Suite struct HistoryTests {
    @Test func theRecordingStoreAttributesChangesAndSkipsNonChanges() async throws {
        let history = ResourceHistory(capacity: 3)
        let clock = ManualClock()
        let store = HistoryRecordingStore(
            try SQLiteResourceStore(indexer: ResourceIndexing.indexer), history: history, clock: clock)
        let scope = ResourceScope(account: "111111111111", region: "us-east-1")
        let record = StoredResource(
            kind: .space, scope: scope, parentId: "d-1", id: "d-1/s", nameKey: "s", status: "Pending",
            transition: PendingTransition(.status("InService"), dueAt: Date()), document: Data(#"{"A":1}"#.utf8))
        try await RequestAttribution.$current.withValue(
            RequestAttribution(requestId: "r-1", operation: "CreateSpace", accessKeyId: "AKIA1")
        ) {
            _ = try await store.insert(record, limit: nil)
        }
        // Only the due time moved: not a change.
        try await store.mutate(.space, scope: scope, id: "d-1/s") {
            $0?.transition?.dueAt = Date(timeIntervalSince1970: 0)
        }
        try await store.mutate(.space, scope: scope, id: "d-1/s") { stored in
            stored?.status = "InService"
            stored?.document = Data(#"{"A":2,"B":{"C":[1]}}"#.utf8)
        }
        let events = try #require(history.events(arn: ResourceNames.arn(.space, scope, id: "d-1/s")))
        #expect(events.map(\.event) == ["CreateSpace", "StatusTransition"])
        #expect(events[0].requestId == "r-1" && events[0].accessKeyId == "AKIA1")
        #expect(events[1].changes.map(\.path) == ["A", "B.C"])
        #expect(events[1].changes.map(\.after?.json) == ["2", "[1]"])
        try await store.mutate(.space, scope: scope, id: "d-1/s") { $0 = nil }
        try await store.transaction { tx in
            _ = try tx.insert(record, limit: nil)
        }
        try await store.transaction { tx in
            if let stored = try tx.fetch(.space, scope: scope, id: "d-1/s") { try tx.remove(stored) }
        }
        // Bounded: the oldest of five went.
        let kept = try #require(history.events(arn: ResourceNames.arn(.space, scope, id: "d-1/s")))
        #expect(kept.map(\.event) == ["Removal", "StatusTransition", "Removal"])
        #expect(kept.map(\.sequence) == [3, 4, 5])
    }

    @Test func theHistoryIsBoundedByBytesToo() {
        // Each entry costs its documents plus 256: three of 1,256 fit in 4,000 bytes.
        let history = ResourceHistory(capacity: 100, capacityBytes: 4_000)
        let scope = ResourceScope(account: "111111111111", region: "us-east-1")
        for index in 0..<10 {
            let resource = StoredResource(
                kind: .domain, scope: scope, id: "d-\(index)", nameKey: "n", status: "Pending",
                document: Data(repeating: UInt8(ascii: "a"), count: 1_000))
            history.record(before: nil, after: resource, at: Date())
        }
        let kept = history.events(account: nil, region: nil, kind: nil, limit: 100)
        #expect(kept.map(\.sequence) == [8, 9, 10])
        history.removeAll(account: "111111111111", region: "us-east-1")
        #expect(history.events(account: nil, region: nil, kind: nil, limit: 100).isEmpty)
    }
}
