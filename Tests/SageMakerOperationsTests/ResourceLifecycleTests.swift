import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage
import Testing

@testable import SageMakerOperations

/// The lifecycle written once (`ResourceLifecycle`) keeps the stored rows' rules for every kind, and answers every
/// kind's refusals in the same words.
@Suite struct ResourceLifecycleTests {
    /// Every row of every kind, in every scope the tests use.
    func violations(_ harness: Harness) async throws -> [String] {
        var found: [String] = []
        for kind in ResourceKind.allCases {
            for row in try await harness.store.list(kind, scope: alice.scope, parentId: nil, after: 0, limit: .max) {
                if let violation = ResourceInvariants.violation(of: row) { found.append(violation) }
            }
        }
        return found
    }

    @Test func everyKindKeepsTheStoredRulesThroughItsLifecycle() async throws {
        let delays = StatusDelays(
            domainCreate: 5, domainUpdate: 5, domainDelete: 5, userProfile: 2, space: 2, appCreate: 2, appDelete: 2)
        let harness = try await Harness(delays: delays)
        var checked = 0
        func check(_ step: String) async throws {
            let found = try await violations(harness)
            #expect(found.isEmpty, "after \(step): \(found)")
            checked += 1
        }
        try await harness.createLifecycleConfig("lcc")
        try await harness.createAppImageConfig("aic")
        let domainId = try await harness.createDomain("lifecycle")
        try await check("CreateDomain (Pending)")
        try await harness.advance(6)
        try await check("domain InService")
        try await harness.createProfile(domainId, "Alice")
        try await check("CreateUserProfile (Pending)")
        _ = try await harness.service.createSpace(
            CreateSpaceRequest(domainId: domainId, spaceName: "shared"), context: alice)
        try await check("CreateSpace (Pending)")
        try await harness.advance(3)
        try await check("profile and space InService")
        _ = try await harness.service.updateUserProfile(
            UpdateUserProfileRequest(
                domainId: domainId, userProfileName: "alice",
                userSettings: UserSettings(
                    securityGroups: ["sg-1"])), context: alice)
        _ = try await harness.service.updateSpace(
            UpdateSpaceRequest(domainId: domainId, spaceDisplayName: "Shared", spaceName: "shared"), context: alice)
        try await check("UpdateUserProfile, UpdateSpace (Updating)")
        try await harness.advance(3)
        try await harness.createApp(domainId, profile: "alice")
        try await check("CreateApp (Pending)")
        try await harness.advance(3)
        try await harness.update(UpdateDomainRequest(domainId: domainId, tagPropagation: TagPropagation.enabled))
        try await check("UpdateDomain (Updating), app InService")
        try await harness.advance(6)
        try await harness.service.deleteApp(
            DeleteAppRequest(
                appName: "default", appType: AppType.jupyterLab, domainId: domainId, userProfileName: "alice"),
            context: alice)
        try await check("DeleteApp (Deleting)")
        try await harness.advance(3)
        try await harness.service.deleteUserProfile(
            DeleteUserProfileRequest(domainId: domainId, userProfileName: "alice"), context: alice)
        try await harness.service.deleteSpace(
            DeleteSpaceRequest(domainId: domainId, spaceName: "shared"), context: alice)
        try await check("DeleteUserProfile, DeleteSpace (Deleting), app Deleted")
        try await harness.advance(3)
        try await check("profile and space gone")
        #expect(checked == 11)
    }

    @Test func aTrackingServerKeepsTheStoredRulesThroughEveryTransition() async throws {
        let harness = try await Harness(delays: StatusDelays(domainCreate: 1, domainUpdate: 1, domainDelete: 1))
        let service = harness.service
        func expect(_ status: TrackingServerStatus, after step: String) async throws {
            let found = try await violations(harness)
            #expect(found.isEmpty, "after \(step): \(found)")
            let document = try await service.describeMlflowTrackingServer(
                DescribeMlflowTrackingServerRequest(trackingServerName: "runs"), context: alice
            ).value()
            #expect(document.trackingServerStatus == status, "after \(step)")
            let running = [TrackingServerStatus.created, TrackingServerStatus.updated, TrackingServerStatus.started]
            #expect(document.isActive == (running.contains(status) ? "Active" : "Inactive"), "after \(step)")
        }
        _ = try await service.createMlflowTrackingServer(
            CreateMlflowTrackingServerRequest(
                artifactStoreUri: "s3://bucket/runs", roleArn: "arn:aws:iam::111122223333:role/r",
                trackingServerName: "runs"), context: alice)
        try await expect(TrackingServerStatus.creating, after: "create")
        try await harness.advance(1)
        try await expect(TrackingServerStatus.created, after: "create's delay")
        _ = try await service.updateMlflowTrackingServer(
            UpdateMlflowTrackingServerRequest(trackingServerName: "runs", trackingServerSize: "Large"), context: alice)
        try await expect(TrackingServerStatus.updating, after: "update")
        try await harness.advance(1)
        try await expect(TrackingServerStatus.updated, after: "update's delay")
        _ = try await service.stopMlflowTrackingServer(
            StopMlflowTrackingServerRequest(trackingServerName: "runs"), context: alice)
        try await expect(TrackingServerStatus.stopping, after: "stop")
        try await harness.advance(1)
        try await expect(TrackingServerStatus.stopped, after: "stop's delay")
        _ = try await service.startMlflowTrackingServer(
            StartMlflowTrackingServerRequest(trackingServerName: "runs"), context: alice)
        try await expect(TrackingServerStatus.starting, after: "start")
        try await harness.advance(1)
        try await expect(TrackingServerStatus.started, after: "start's delay")
        _ = try await service.deleteMlflowTrackingServer(
            DeleteMlflowTrackingServerRequest(trackingServerName: "runs"), context: alice)
        try await harness.advance(1)
        #expect(try await harness.store.fetch(.mlflowTrackingServer, scope: alice.scope, id: "runs") == nil)
    }

    @Test func theInvariantsCatchABrokenRow() throws {
        let scope = alice.scope
        let domain = DescribeDomainResponse(
            domainArn: ResourceNames.arn(.domain, scope, id: "d-1"), domainId: "d-1", status: DomainStatus.inService)
        let good = StoredResource(
            kind: .domain, scope: scope, id: "d-1", nameKey: "n", status: DomainStatus.inService.rawValue,
            document: try StoredDocument.encode(domain))
        #expect(ResourceInvariants.violation(of: good) == nil)
        var otherStatus = good
        otherStatus.status = DomainStatus.updating.rawValue
        #expect(ResourceInvariants.violation(of: otherStatus)?.contains("status") == true)
        var otherKey = good
        otherKey.id = "d-2"
        #expect(ResourceInvariants.violation(of: otherKey)?.contains("ARN") == true)
        var notTheShape = good
        notTheShape.document = Data("[1]".utf8)
        #expect(ResourceInvariants.violation(of: notTheShape)?.contains("Describe form") == true)
    }

    @Test func everyKindSaysNotFoundAndRefusesInTheSameWords() async throws {
        let harness = try await Harness(
            delays: StatusDelays(domainCreate: 5, domainUpdate: 5, domainDelete: 5, userProfile: 5, space: 5))
        let domainId = try await harness.readyDomain()
        let missing: [(String, () async throws -> Void)] = [
            ("UserProfile", { _ = try await harness.profile(domainId, "nobody") }),
            (
                "Space",
                {
                    _ = try await harness.service.describeSpace(
                        DescribeSpaceRequest(domainId: domainId, spaceName: "none"), context: alice)
                }
            ),
            ("App", { _ = try await harness.app(domainId, profile: "nobody") }),
            (
                "Studio Lifecycle Config",
                {
                    _ = try await harness.service.describeStudioLifecycleConfig(
                        DescribeStudioLifecycleConfigRequest(studioLifecycleConfigName: "none"), context: alice)
                }
            ),
            (
                "AppImageConfig",
                {
                    _ = try await harness.service.describeAppImageConfig(
                        DescribeAppImageConfigRequest(appImageConfigName: "none"), context: alice)
                }
            ),
            ("Domain", { _ = try await harness.describe("d-000000000000") }),
        ]
        for (label, call) in missing {
            let error = await awsError(call)
            #expect(error?.code == .resourceNotFound, "\(label)")
            #expect(error?.message.hasPrefix("\(label) [arn:aws:sagemaker:us-east-1:111111111111:") == true, "\(label)")
            #expect(error?.message.hasSuffix("] does not exist.") == true, "\(label)")
        }
        // A profile still Pending can be neither updated nor deleted.
        try await harness.createProfile(domainId, "pending")
        let update = await awsError {
            _ = try await harness.service.updateUserProfile(
                UpdateUserProfileRequest(domainId: domainId, userProfileName: "pending"), context: alice)
        }
        #expect(update?.code == .resourceInUse)
        #expect(update?.message.hasPrefix("Unable to update UserProfile [") == true)
        #expect(update?.message.hasSuffix("] because it is in Pending status.") == true)
        let delete = await awsError {
            try await harness.service.deleteUserProfile(
                DeleteUserProfileRequest(domainId: domainId, userProfileName: "pending"), context: alice)
        }
        #expect(delete?.message.hasPrefix("Unable to delete UserProfile [") == true)
    }
}
