import AWSWire
import Foundation
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import Testing

@Suite struct StatusMachineTests {
    @Test func createGoesPendingThenInService() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        #expect(try await harness.describe(id).status == "Pending")
        try await harness.advance(4.9)
        #expect(try await harness.describe(id).status == "Pending")
        try await harness.advance(0.2)
        let domain = try await harness.describe(id)
        #expect(domain.status == "InService")
        #expect(domain.lastModifiedTime! > domain.creationTime!)
    }

    @Test func updateGoesUpdatingThenInServiceAndRefusesUpdatesMeanwhile() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        let pending = await awsError {
            try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"))
        }
        #expect(pending?.code == .resourceInUse)
        #expect(pending?.message.contains("because it is in Pending status") == true)
        try await harness.advance(6)
        try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"))
        #expect(try await harness.describe(id).status == "Updating")
        let updating = await awsError {
            try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "DISABLED"))
        }
        #expect(updating?.code == .resourceInUse)
        try await harness.advance(6)
        let domain = try await harness.describe(id)
        #expect(domain.status == "InService")
        #expect(domain.tagPropagation == "ENABLED")
    }

    @Test(arguments: ["Failed", "Delete_Failed", "Deleting"])
    func blockedStatusesRefuseUpdate(status: String) async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        try await harness.advance(6)
        try await harness.store.mutate(
            .domain, scope: ResourceScope(account: alice.account, region: alice.region), id: id
        ) {
            $0?.status = status
        }
        let error = await awsError {
            try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"))
        }
        #expect(error?.code == .resourceInUse)
        #expect(
            error?.message
                == "Unable to update Domain [arn:aws:sagemaker:us-east-1:111111111111:domain/\(id)] because it is in \(status) status."
        )
    }

    @Test func updateFailedAcceptsAnUpdate() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        try await harness.advance(6)
        try await harness.store.mutate(
            .domain, scope: ResourceScope(account: alice.account, region: alice.region), id: id
        ) {
            $0?.status = "Update_Failed"
        }
        try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"))
        #expect(try await harness.describe(id).status == "Updating")
    }

    @Test func deleteGoesDeletingThenGone() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        let early = await awsError {
            try await harness.service.deleteDomain(DeleteDomainRequest(domainId: id), context: alice)
        }
        #expect(early?.code == .resourceInUse)
        try await harness.advance(6)
        try await harness.service.deleteDomain(
            DeleteDomainRequest(domainId: id, retentionPolicy: RetentionPolicy(homeEfsFileSystem: "Delete")),
            context: alice)
        #expect(try await harness.describe(id).status == "Deleting")
        try await harness.advance(6)
        let gone = await awsError { _ = try await harness.describe(id) }
        #expect(gone?.code == .resourceNotFound)
        #expect(gone?.message == "Domain [arn:aws:sagemaker:us-east-1:111111111111:domain/\(id)] does not exist.")
        // The name is free again.
        _ = try await harness.createDomain()
    }

    @Test func aTransitionDueWhileStoppedCompletesAfterRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sm-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let id: String
        let clock: ManualClock
        do {
            let first = try await Harness(store: SQLiteResourceStore(path: path, indexer: ResourceIndexing.indexer))
            id = try await first.createDomain()
            clock = first.clock
        }
        let second = try await Harness(store: SQLiteResourceStore(path: path, indexer: ResourceIndexing.indexer))
        second.clock.advance(by: clock.now().timeIntervalSince(second.clock.now()) + 10)
        #expect(try await second.describe(id).status == "Pending")
        #expect(try await second.scheduler.runDueTransitions() == 1)
        #expect(try await second.describe(id).status == "InService")
    }
}

@Suite struct ZeroDelayTests {
    @Test func aZeroDelayCompletesTheTransitionInsideTheRequest() async throws {
        let harness = try await Harness(delays: StatusDelays(domainCreate: 0, domainUpdate: 0, domainDelete: 0))
        let id = try await harness.createDomain()
        #expect(try await harness.describe(id).status == "InService")
        try await harness.update(UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"))
        try await harness.update(UpdateDomainRequest(domainId: id, vpcId: "vpc-2"))
        let domain = try await harness.describe(id)
        #expect(domain.status == "InService" && domain.tagPropagation == "ENABLED" && domain.vpcId == "vpc-2")
        try await harness.service.deleteDomain(DeleteDomainRequest(domainId: id), context: alice)
        #expect(await awsError { _ = try await harness.describe(id) }?.code == .resourceNotFound)
        #expect(try await harness.scheduler.runDueTransitions() == 0)
    }
}
