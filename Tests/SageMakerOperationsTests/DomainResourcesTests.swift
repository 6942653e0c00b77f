import AWSWire
import Foundation
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import Testing

extension Harness {
    /// An InService domain.
    func readyDomain(_ configure: (inout CreateDomainRequest) -> Void = { _ in }) async throws -> String {
        let id = try await createDomain("domain-\(UUID().uuidString.prefix(8))", configure)
        try await advance(6)
        return id
    }

    func createProfile(_ domainId: String, _ name: String, settings: UserSettings? = nil) async throws {
        let request = CreateUserProfileRequest(domainId: domainId, userProfileName: name, userSettings: settings)
        try ValidationReport.validate(request)
        _ = try await service.createUserProfile(request, context: alice)
    }

    func profile(_ domainId: String, _ name: String) async throws -> DescribeUserProfileResponse {
        try await service.describeUserProfile(
            DescribeUserProfileRequest(domainId: domainId, userProfileName: name), context: alice
        ).value()
    }

    func createApp(
        _ domainId: String, profile: String? = nil, space: String? = nil, type: AppType = .jupyterLab,
        name: String = "default", spec: ResourceSpec? = nil
    ) async throws {
        let request = CreateAppRequest(
            appName: name, appType: type, domainId: domainId, resourceSpec: spec, spaceName: space,
            userProfileName: profile)
        try ValidationReport.validate(request)
        _ = try await service.createApp(request, context: alice)
    }

    func app(
        _ domainId: String, profile: String, type: AppType = .jupyterLab, name: String = "default"
    ) async throws
        -> DescribeAppResponse
    {
        try await service.describeApp(
            DescribeAppRequest(appName: name, appType: type, domainId: domainId, userProfileName: profile),
            context: alice
        ).value()
    }
}

@Suite struct DomainResourcesTests {
    /// AWS's DescribeUserProfile shows what was sent (terraform-provider-aws's testAccUserProfile_basic asserts no
    /// UserSettings for a profile created without them): the domain's defaults are not copied in.
    @Test func profilesStoreWhatWasSentNotACopyOfTheDomainDefaults() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain {
            $0.defaultUserSettings = UserSettings(
                executionRole: role, securityGroups: ["sg-domain"],
                sharingSettings: SharingSettings(notebookOutputOption: "Allowed", s3OutputPath: "s3://domain"))
        }
        let own = UserSettings(
            securityGroups: ["sg-alice"], sharingSettings: SharingSettings(s3OutputPath: "s3://alice"))
        try await harness.createProfile(domainId, "Alice", settings: own)
        let profile = try await harness.profile(domainId, "alice")  // names are case-insensitive
        #expect(profile.status == "Pending")
        #expect(profile.userProfileName == "Alice")
        #expect(profile.userProfileArn == "arn:aws:sagemaker:us-east-1:111111111111:user-profile/\(domainId)/alice")
        #expect(profile.homeEfsFileSystemUid == "200001")
        #expect(profile.userSettings == own)
        try await harness.advance(1)
        #expect(try await harness.profile(domainId, "ALICE").status == "InService")
        try await harness.createProfile(domainId, "bob")
        let bob = try await harness.profile(domainId, "bob")
        #expect(bob.userSettings == nil)
        #expect(bob.homeEfsFileSystemUid == "200002")
    }

    /// The domain's defaults are resolved when an app is created, so an UpdateDomain reaches existing profiles' new
    /// apps; the profile's own settings still win.
    @Test func appsOfExistingProfilesFollowTheDomainDefaultsInForce() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain {
            $0.defaultUserSettings = UserSettings(
                executionRole: role,
                kernelGatewayAppSettings: KernelGatewayAppSettings(
                    defaultResourceSpec: ResourceSpec(instanceType: "ml.m5.large")))
        }
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        try await harness.update(
            UpdateDomainRequest(
                defaultUserSettings: UserSettings(
                    kernelGatewayAppSettings: KernelGatewayAppSettings(
                        defaultResourceSpec: ResourceSpec(instanceType: "ml.c5.xlarge"))),
                domainId: domainId))
        try await harness.advance(6)
        try await harness.createApp(domainId, profile: "alice", type: "KernelGateway", name: "kg")
        #expect(
            try await harness.app(domainId, profile: "alice", type: "KernelGateway", name: "kg").resourceSpec?
                .instanceType == "ml.c5.xlarge")
    }

    @Test func appsTakeTheirResourceSpecFromProfileThenDomainThenService() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain {
            $0.defaultUserSettings = UserSettings(
                executionRole: role,
                kernelGatewayAppSettings: KernelGatewayAppSettings(
                    defaultResourceSpec: ResourceSpec(instanceType: "ml.m5.large")))
        }
        try await harness.createProfile(
            domainId, "alice",
            settings: UserSettings(
                jupyterLabAppSettings: JupyterLabAppSettings(
                    defaultResourceSpec: ResourceSpec(instanceType: "ml.t3.large"))))
        try await harness.advance(1)
        try await harness.createApp(domainId, profile: "alice", type: "JupyterLab")
        try await harness.createApp(domainId, profile: "alice", type: "KernelGateway", name: "kg")
        try await harness.createApp(domainId, profile: "alice", type: "JupyterServer")
        try await harness.createApp(
            domainId, profile: "alice", type: "CodeEditor", spec: ResourceSpec(instanceType: "ml.c5.large"))
        #expect(try await harness.app(domainId, profile: "alice").resourceSpec?.instanceType == "ml.t3.large")
        #expect(
            try await harness.app(domainId, profile: "alice", type: "KernelGateway", name: "kg").resourceSpec?
                .instanceType == "ml.m5.large")
        #expect(
            try await harness.app(domainId, profile: "alice", type: "JupyterServer").resourceSpec?.instanceType
                == "system")
        #expect(
            try await harness.app(domainId, profile: "alice", type: "CodeEditor").resourceSpec?.instanceType
                == "ml.c5.large")
        let app = try await harness.app(domainId, profile: "alice")
        #expect(app.appArn == "arn:aws:sagemaker:us-east-1:111111111111:app/\(domainId)/alice/jupyterlab/default")
        #expect(app.status == "Pending")
    }

    @Test func appsGoDeletingThenDeletedAndArePurgedAfterTheRetention() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        try await harness.createApp(domainId, profile: "alice")
        try await harness.advance(1)
        #expect(try await harness.app(domainId, profile: "alice").status == "InService")
        let delete = DeleteAppRequest(
            appName: "default", appType: "JupyterLab", domainId: domainId, userProfileName: "alice")
        try await harness.service.deleteApp(delete, context: alice)
        #expect(try await harness.app(domainId, profile: "alice").status == "Deleting")
        #expect(await awsError { try await harness.service.deleteApp(delete, context: alice) }?.code == .resourceInUse)
        try await harness.advance(1)
        #expect(try await harness.app(domainId, profile: "alice").status == "Deleted")
        let listed = try await harness.service.listApps(ListAppsRequest(domainIdEquals: domainId), context: alice)
        #expect(listed.apps?.map(\.status) == ["Deleted"])
        // Deleting it again is the refusal Terraform's provider treats as "already gone".
        let again = await awsError { try await harness.service.deleteApp(delete, context: alice) }
        #expect(again?.code == .validation)
        #expect(again?.message.contains("has already been deleted") == true)
        // A Deleted app gives its name up.
        try await harness.createApp(domainId, profile: "alice")
        #expect(try await harness.app(domainId, profile: "alice").status == "Pending")
        try await harness.advance(1)
        try await harness.service.deleteApp(delete, context: alice)
        try await harness.advance(1)
        try await harness.advance(86_400)
        #expect(await awsError { _ = try await harness.app(domainId, profile: "alice") }?.code == .resourceNotFound)
    }

    @Test func deletesAreRefusedWhileChildrenExist() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        let domainArn = "arn:aws:sagemaker:us-east-1:111111111111:domain/\(domainId)"
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        let space = CreateSpaceRequest(
            domainId: domainId, ownershipSettings: OwnershipSettings(ownerUserProfileName: "alice"),
            spaceName: "notebook", spaceSettings: SpaceSettings(appType: "JupyterLab"),
            spaceSharingSettings: SpaceSharingSettings(sharingType: "Private"))
        _ = try await harness.service.createSpace(space, context: alice)
        try await harness.advance(1)
        try await harness.createApp(domainId, space: "notebook")
        try await harness.advance(1)

        let domainError = await awsError {
            try await harness.service.deleteDomain(DeleteDomainRequest(domainId: domainId), context: alice)
        }
        #expect(domainError?.code == .resourceInUse)
        #expect(
            domainError?.message
                == "Unable to delete Domain [\(domainArn)] because UserProfile(s) are associated with it.")
        let profileArn = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/\(domainId)/alice"
        let deleteProfile = DeleteUserProfileRequest(domainId: domainId, userProfileName: "alice")
        let profileError = await awsError { try await harness.service.deleteUserProfile(deleteProfile, context: alice) }
        #expect(
            profileError?.message
                == "Unable to delete UserProfile [\(profileArn)] because Space(s) are associated with it.")
        let deleteSpace = DeleteSpaceRequest(domainId: domainId, spaceName: "notebook")
        let spaceError = await awsError { try await harness.service.deleteSpace(deleteSpace, context: alice) }
        #expect(
            spaceError?.message
                == "Unable to delete Space [arn:aws:sagemaker:us-east-1:111111111111:space/\(domainId)/notebook] because App(s) are associated with it."
        )

        // Torn down in the order AWS demands, everything goes.
        try await harness.service.deleteApp(
            DeleteAppRequest(appName: "default", appType: "JupyterLab", domainId: domainId, spaceName: "notebook"),
            context: alice)
        try await harness.advance(1)
        try await harness.service.deleteSpace(deleteSpace, context: alice)
        try await harness.advance(1)
        try await harness.service.deleteUserProfile(deleteProfile, context: alice)
        try await harness.advance(1)
        try await harness.service.deleteDomain(DeleteDomainRequest(domainId: domainId), context: alice)
        try await harness.advance(6)
        #expect(await awsError { _ = try await harness.describe(domainId) }?.code == .resourceNotFound)
    }

    @Test func updateDomainNetworkChangesWaitForAppsToStop() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        try await harness.createApp(domainId, profile: "alice")
        try await harness.advance(1)
        let before = try await harness.describe(domainId)
        let toVpcOnly = UpdateDomainRequest(
            appNetworkAccessType: "VpcOnly", defaultUserSettings: UserSettings(securityGroups: ["sg-1"]),
            domainId: domainId, subnetIds: ["subnet-1"], vpcId: "vpc-1")
        let error = await awsError { try await harness.update(toVpcOnly) }
        #expect(error?.code == .validation)

        #expect(
            error?.message
                == "Unable to update Domain [\(before.domainArn!)] with InService App. Delete all InService apps in the domain including shared Apps for [domain-shared] User Profile, and try again."
        )
        #expect(try await harness.describe(domainId) == before)
        let identity = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    domainId: domainId,
                    domainSettingsForUpdate: DomainSettingsForUpdate(executionRoleIdentityConfig: "USER_PROFILE_NAME")))
        }
        #expect(identity?.code == .validation)
        // Other members still update while apps run, and so does adding a subnet; removing one does not (model doc
        // of UpdateDomainRequest.SubnetIds).
        try await harness.update(UpdateDomainRequest(domainId: domainId, tagPropagation: "ENABLED"))
        try await harness.advance(6)
        try await harness.update(UpdateDomainRequest(domainId: domainId, subnetIds: ["subnet-1", "subnet-2"]))
        try await harness.advance(6)
        #expect(try await harness.describe(domainId).subnetIds == ["subnet-1", "subnet-2"])
        let removal = await awsError {
            try await harness.update(UpdateDomainRequest(domainId: domainId, subnetIds: ["subnet-2"]))
        }
        #expect(removal?.message.hasPrefix("Unable to update Domain [") == true)
        try await harness.service.deleteApp(
            DeleteAppRequest(appName: "default", appType: "JupyterLab", domainId: domainId, userProfileName: "alice"),
            context: alice)
        // Deleting apps still block network changes.
        #expect(await awsError { try await harness.update(toVpcOnly) }?.code == .validation)
        try await harness.advance(1)
        try await harness.update(toVpcOnly)
        try await harness.advance(6)
        #expect(try await harness.describe(domainId).appNetworkAccessType == "VpcOnly")
    }

    @Test func referencesMustExistAndLifecycleConfigsInUseCannotBeDeleted() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        let missing = "arn:aws:sagemaker:us-east-1:111111111111:studio-lifecycle-config/missing"
        let withMissing = UpdateDomainRequest(
            defaultUserSettings: UserSettings(
                jupyterLabAppSettings: JupyterLabAppSettings(lifecycleConfigArns: [missing])),
            domainId: domainId)
        let error = await awsError { try await harness.update(withMissing) }
        #expect(error?.code == .resourceNotFound)
        #expect(error?.message == "Studio Lifecycle Config [\(missing)] does not exist.")
        let imageError = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(
                        kernelGatewayAppSettings: KernelGatewayAppSettings(
                            customImages: [CustomImage(appImageConfigName: "nope", imageName: "image")])),
                    domainId: domainId))
        }
        #expect(
            imageError?.message
                == "AppImageConfig [arn:aws:sagemaker:us-east-1:111111111111:app-image-config/nope] does not exist.")

        let arn = try await harness.createLifecycleConfig("setup")
        try await harness.update(
            UpdateDomainRequest(
                defaultUserSettings: UserSettings(
                    jupyterLabAppSettings: JupyterLabAppSettings(lifecycleConfigArns: [arn])),
                domainId: domainId))
        let delete = DeleteStudioLifecycleConfigRequest(studioLifecycleConfigName: "setup")
        let inUse = await awsError { try await harness.service.deleteStudioLifecycleConfig(delete, context: alice) }
        #expect(inUse?.code == .resourceInUse)
        #expect(
            inUse?.message
                == "Unable to delete Studio Lifecycle Config [\(arn)] because it is in use by Domain [arn:aws:sagemaker:us-east-1:111111111111:domain/\(domainId)]."
        )
        try await harness.advance(6)
        try await harness.update(
            UpdateDomainRequest(
                defaultUserSettings: UserSettings(
                    jupyterLabAppSettings: JupyterLabAppSettings(lifecycleConfigArns: [])),
                domainId: domainId))
        try await harness.service.deleteStudioLifecycleConfig(delete, context: alice)
        #expect(
            await awsError { try await harness.service.deleteStudioLifecycleConfig(delete, context: alice) }?.code
                == .resourceNotFound)
    }

    @Test func quotasOfProfilesSpacesAndApps() async throws {
        let harness = try await Harness(quotas: Quotas(userProfilesPerDomain: 1, spacesPerDomain: 1, appsPerOwner: 1))
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "alice")
        let profiles = await awsError { try await harness.createProfile(domainId, "bob") }
        #expect(profiles?.code == .resourceLimitExceeded)
        #expect(
            profiles?.message.hasPrefix(
                "The account-level service limit 'User profiles per domain' is 1 User profiles, with current utilization of 1 User profiles and a request delta of 1 User profiles."
            ) == true)
        _ = try await harness.service.createSpace(
            CreateSpaceRequest(domainId: domainId, spaceName: "one"), context: alice)
        let spaces = await awsError {
            _ = try await harness.service.createSpace(
                CreateSpaceRequest(domainId: domainId, spaceName: "two"), context: alice)
        }
        #expect(spaces?.code == .resourceLimitExceeded)
        try await harness.advance(1)
        try await harness.createApp(domainId, profile: "alice")
        let apps = await awsError { try await harness.createApp(domainId, profile: "alice", type: "CodeEditor") }
        #expect(
            apps?.message.hasPrefix("The account-level service limit 'Apps per user profile or space' is 1 Apps")
                == true)
    }

    @Test func listingsSortFilterAndPageWithoutSkippingOrRepeating() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        for index in 0..<7 {
            try await harness.createProfile(domainId, "user-\(index)")
            harness.clock.advance(by: 0.01)
        }
        var seen: [String] = []
        var token: String?
        repeat {
            let page = try await harness.service.listUserProfiles(
                ListUserProfilesRequest(
                    domainIdEquals: domainId, maxResults: 3, nextToken: token, sortOrder: "Descending"),
                context: alice)
            seen += page.userProfiles?.compactMap(\.userProfileName) ?? []
            token = page.nextToken
        } while token != nil
        #expect(seen == (0..<7).reversed().map { "user-\($0)" })
        let filtered = try await harness.service.listUserProfiles(
            ListUserProfilesRequest(userProfileNameContains: "R-3"), context: alice)
        #expect(filtered.userProfiles?.map(\.userProfileName) == ["user-3"])
        let other = OperationContext(account: "222222222222", region: "us-east-1", requestId: "r")
        let firstPage = try await harness.service.listUserProfiles(
            ListUserProfilesRequest(maxResults: 3), context: alice)
        #expect(
            await awsError {
                _ = try await harness.service.listUserProfiles(
                    ListUserProfilesRequest(nextToken: firstPage.nextToken), context: other)
            }?.code == .validation)
    }

    @Test func tagsOnEveryArnOfTheFamily() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "Alice")
        let arn = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/\(domainId)/alice"
        _ = try await harness.service.addTags(
            AddTagsInput(resourceArn: arn, tags: [Tag(key: "team", value: "a"), Tag(key: "env", value: "x")]),
            context: alice)
        _ = try await harness.service.addTags(
            AddTagsInput(resourceArn: arn, tags: [Tag(key: "team", value: "b")]), context: alice)
        #expect(
            try await harness.service.listTags(ListTagsInput(resourceArn: arn), context: alice).tags == [
                Tag(key: "team", value: "b"), Tag(key: "env", value: "x"),
            ])
        _ = try await harness.service.deleteTags(
            DeleteTagsInput(resourceArn: arn, tagKeys: ["team", "absent"]), context: alice)
        #expect(
            try await harness.service.listTags(ListTagsInput(resourceArn: arn), context: alice).tags == [
                Tag(key: "env", value: "x")
            ])
        let other = OperationContext(account: "222222222222", region: "us-east-1", requestId: "r")
        #expect(
            await awsError { _ = try await harness.service.listTags(ListTagsInput(resourceArn: arn), context: other) }?
                .code == .validation)
        let missing = arn + "x"
        #expect(
            await awsError {
                _ = try await harness.service.addTags(AddTagsInput(resourceArn: missing, tags: []), context: alice)
            }?.code == .validation)
    }

    @Test func ssoDomainsNeedIdentityCenterUsersAndRefusePresignedUrls() async throws {
        let harness = try await Harness()
        let sso = try await harness.readyDomain { $0.authMode = "SSO" }
        let missing = await awsError { try await harness.createProfile(sso, "alice") }
        #expect(
            missing?.message
                == "SingleSignOnUserIdentifier and SingleSignOnUserValue are required for a domain in SSO mode.")
        _ = try await harness.service.createUserProfile(
            CreateUserProfileRequest(
                domainId: sso, singleSignOnUserIdentifier: "UserName", singleSignOnUserValue: "alice@example.com",
                userProfileName: "alice"),
            context: alice)
        try await harness.advance(1)
        #expect(try await harness.profile(sso, "alice").singleSignOnUserValue == "alice@example.com")
        let url = await awsError {
            _ = try await harness.service.createPresignedDomainUrl(
                CreatePresignedDomainUrlRequest(domainId: sso, userProfileName: "alice"), context: alice)
        }
        #expect(url?.code == .validation)
        let iam = try await harness.readyDomain()
        let extra = await awsError {
            _ = try await harness.service.createUserProfile(
                CreateUserProfileRequest(
                    domainId: iam, singleSignOnUserIdentifier: "UserName", singleSignOnUserValue: "x",
                    userProfileName: "bob"),
                context: alice)
        }
        #expect(extra?.code == .validation)
    }

    @Test func addingRStudioWhileAppsRunIsRefusedButNotOnceTheyStopped() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        try await harness.createApp(domainId, profile: "alice")
        try await harness.advance(1)
        let rstudio = UpdateDomainRequest(
            domainId: domainId,
            domainSettingsForUpdate: DomainSettingsForUpdate(
                rStudioServerProDomainSettingsForUpdate: RStudioServerProDomainSettingsForUpdate(
                    domainExecutionRoleArn: role)))
        #expect(await awsError { try await harness.update(rstudio) }?.code == .validation)
        try await harness.service.deleteApp(
            DeleteAppRequest(appName: "default", appType: "JupyterLab", domainId: domainId, userProfileName: "alice"),
            context: alice)
        // Deleting apps no longer count for RStudio (only InService and Pending do).
        try await harness.update(rstudio)
        try await harness.advance(6)
        #expect(
            try await harness.describe(domainId).domainSettings?.rStudioServerProDomainSettings?.domainExecutionRoleArn
                == role)
    }
}

@Suite struct AppCreationTests {
    /// Model docs of CreateDomain.Tags and CreateUserProfile.Tags: their tags are added to apps created afterwards;
    /// tags added later are not applied to existing apps.
    @Test func newAppsTakeTheTagsOfTheirDomainAndOwner() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain {
            $0.tags = [Tag(key: "team", value: "ml"), Tag(key: "cost", value: "domain")]
        }
        let profile = CreateUserProfileRequest(
            domainId: domainId, tags: [Tag(key: "cost", value: "alice")], userProfileName: "alice")
        _ = try await harness.service.createUserProfile(profile, context: alice)
        try await harness.advance(1)
        let request = CreateAppRequest(
            appName: "default", appType: AppType.jupyterLab, domainId: domainId, tags: [Tag(key: "app", value: "1")],
            userProfileName: "alice")
        let arn = try #require(try await harness.service.createApp(request, context: alice).appArn)
        func tags() async throws -> [String: String] {
            let listed = try await harness.service.listTags(ListTagsInput(resourceArn: arn), context: alice).tags ?? []
            return Dictionary(uniqueKeysWithValues: listed.map { ($0.key ?? "", $0.value ?? "") })
        }
        #expect(try await tags() == ["team": "ml", "cost": "alice", "app": "1"])
        let domainArn = try #require(try await harness.describe(domainId).domainArn)
        _ = try await harness.service.addTags(
            AddTagsInput(resourceArn: domainArn, tags: [Tag(key: "late", value: "x")]), context: alice)
        #expect(try await tags()["late"] == nil)
    }

    /// Model doc of CreateAppRequest.ResourceSpec: a KernelGateway app needs an instance type from somewhere.
    @Test func aKernelGatewayAppNeedsAnInstanceTypeFromSomewhere() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        try await harness.createProfile(domainId, "alice")
        try await harness.advance(1)
        let refused = await awsError {
            try await harness.createApp(domainId, profile: "alice", type: AppType.kernelGateway, name: "kg")
        }
        #expect(refused?.code == .validation)
        #expect(refused?.message.contains("InstanceType") == true)
        try await harness.createApp(
            domainId, profile: "alice", type: AppType.kernelGateway, name: "kg",
            spec: ResourceSpec(instanceType: AppInstanceType.mlM5Large))
        #expect(
            try await harness.app(domainId, profile: "alice", type: AppType.kernelGateway, name: "kg")
                .resourceSpec?.instanceType == AppInstanceType.mlM5Large)
        // Other app types keep the service's default.
        try await harness.createApp(domainId, profile: "alice", type: AppType.jupyterLab)
        #expect(
            try await harness.app(domainId, profile: "alice").resourceSpec?.instanceType == AppInstanceType.mlT3Medium)
    }
}

@Suite struct DomainSettingsEvidenceTests {
    /// Model doc of DomainSettings.AmazonQSettings: the domain's AuthMode must be SSO.
    @Test func amazonQNeedsAnSSODomain() async throws {
        let harness = try await Harness()
        let enabled = DomainSettings(amazonQSettings: AmazonQSettings(status: FeatureStatus.enabled))
        let refused = await awsError { _ = try await harness.createDomain("q-iam") { $0.domainSettings = enabled } }
        #expect(refused?.code == .validation)
        #expect(refused?.message == "AmazonQSettings can only be enabled for domains in SSO auth mode.")
        _ = try await harness.createDomain("q-sso") {
            $0.authMode = AuthMode.sso
            $0.domainSettings = enabled
        }
        let iam = try await harness.readyDomain()
        let update = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    domainId: iam,
                    domainSettingsForUpdate: DomainSettingsForUpdate(
                        amazonQSettings: AmazonQSettings(status: FeatureStatus.enabled))))
        }
        #expect(update?.code == .validation)
    }

    /// Model doc of SecurityGroupIdForDomainBoundary: the group between a domain's RSessionGateway apps and its
    /// RStudioServerPro app; only domains with RStudio have one.
    @Test func onlyRStudioDomainsHaveABoundaryGroup() async throws {
        let harness = try await Harness()
        let vpcOnly = try await harness.readyDomain {
            $0.appNetworkAccessType = AppNetworkAccessType.vpcOnly
            $0.defaultUserSettings = UserSettings(executionRole: role, securityGroups: ["sg-1"])
        }
        #expect(try await harness.describe(vpcOnly).securityGroupIdForDomainBoundary == nil)
        let domainId = try await harness.readyDomain()
        try await harness.update(
            UpdateDomainRequest(
                domainId: domainId,
                domainSettingsForUpdate: DomainSettingsForUpdate(
                    rStudioServerProDomainSettingsForUpdate: RStudioServerProDomainSettingsForUpdate(
                        domainExecutionRoleArn: role))))
        let group = try #require(try await harness.describe(domainId).securityGroupIdForDomainBoundary)
        #expect(group.hasPrefix("sg-") && group.count == 20)
        try await harness.advance(6)
        try await harness.update(UpdateDomainRequest(domainId: domainId, tagPropagation: TagPropagation.enabled))
        #expect(try await harness.describe(domainId).securityGroupIdForDomainBoundary == group)
    }

    /// DescribeSpace has a Url (model doc: the user appends `&redirect=<app>`).
    @Test func spacesHaveAUrl() async throws {
        let harness = try await Harness()
        let domainId = try await harness.readyDomain()
        _ = try await harness.service.createSpace(
            CreateSpaceRequest(domainId: domainId, spaceName: "team space"), context: alice)
        let space = try await harness.service.describeSpace(
            DescribeSpaceRequest(domainId: domainId, spaceName: "team space"), context: alice
        ).value()
        #expect(space.url == "https://\(domainId).studio.us-east-1.sagemaker.aws?spaceName=team%20space")
    }
}

@Suite struct VpcOnlySecurityGroupTests {
    /// AWS's own VpcOnly sample (aws-samples/sagemaker-domain-vpconly-canvas-with-terraform) creates a VpcOnly domain
    /// whose groups are in `DomainSettings.SecurityGroupIds`, none in its defaults, and names groups in each profile:
    /// the domain needs none in its defaults. The model doc of UserSettings.SecurityGroups keeps the rule on
    /// profiles (their own, unless the domain's defaults have them), and one fewer than the maximum of 5 (SageMaker's
    /// NFS group).
    @Test func vpcOnlyDomainsNeedNoDefaultGroupsTheirProfilesDo() async throws {
        let harness = try await Harness()
        let sample = try await harness.createDomain("aws-sample") {
            $0.appNetworkAccessType = AppNetworkAccessType.vpcOnly
            $0.domainSettings = DomainSettings(securityGroupIds: ["sg-domain"])
        }
        try await harness.advance(6)
        let profileless = await awsError { try await harness.createProfile(sample, "no-groups") }
        #expect(
            profileless?.message == "UserSettings.SecurityGroups are required for user profiles in a VpcOnly "
                + "domain whose DefaultUserSettings have none.")
        try await harness.createProfile(sample, "sample-user", settings: UserSettings(securityGroups: ["sg-user"]))
        let five = await awsError {
            _ = try await harness.createDomain("five") {
                $0.defaultUserSettings = UserSettings(executionRole: role, securityGroups: (1...5).map { "sg-\($0)" })
            }
        }
        #expect(five?.message.hasPrefix("At most 4 SecurityGroups can be specified") == true)
        // A domain turned VpcOnly without groups in its defaults is accepted too.
        let domainId = try await harness.readyDomain()
        try await harness.update(
            UpdateDomainRequest(
                appNetworkAccessType: AppNetworkAccessType.vpcOnly, domainId: domainId, subnetIds: ["subnet-1"],
                vpcId: "vpc-1"))
        try await harness.advance(6)
        let fiveOnUpdate = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(securityGroups: (1...5).map { "sg-\($0)" }), domainId: domainId))
        }
        #expect(fiveOnUpdate?.message.hasPrefix("At most 4 SecurityGroups can be specified") == true)
        try await harness.update(
            UpdateDomainRequest(
                defaultUserSettings: UserSettings(securityGroups: ["sg-domain"]), domainId: domainId))
        try await harness.advance(6)
        // The domain's defaults have groups: a profile needs none of its own.
        try await harness.createProfile(domainId, "alice")
        let tooMany = await awsError {
            try await harness.createProfile(
                domainId, "bob", settings: UserSettings(securityGroups: (1...5).map { "sg-\($0)" }))
        }
        #expect(tooMany?.code == .validation)
    }
}

@Suite struct RStudioAccessTests {
    /// terraform-provider-aws issue 33034: a UserGroup with AccessStatus DISABLED is refused.
    @Test func aUserGroupNeedsAccessEnabled() async throws {
        let harness = try await Harness()
        let disabled = RStudioServerProAppSettings(
            accessStatus: RStudioServerProAccessStatus.disabled, userGroup: RStudioServerProUserGroup.rStudioUser)
        let created = await awsError {
            _ = try await harness.createDomain("rs") {
                $0.defaultUserSettings = UserSettings(executionRole: role, rStudioServerProAppSettings: disabled)
            }
        }
        #expect(
            created?.message.hasPrefix("Unable to create Domain [arn:aws:sagemaker:us-east-1:111111111111:domain/d-")
                == true)
        #expect(
            created?.message.hasSuffix(
                "] with update to RStudioServerProAppSettings. Make sure AccessStatus is set to ENABLED if UserGroup is specified."
            ) == true)
        let domainId = try await harness.readyDomain()
        let updated = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(rStudioServerProAppSettings: disabled), domainId: domainId))
        }
        #expect(updated?.message.hasPrefix("Unable to update Domain [") == true)
        let profile = await awsError {
            try await harness.createProfile(
                domainId, "alice", settings: UserSettings(rStudioServerProAppSettings: disabled))
        }
        #expect(profile?.message.hasPrefix("Unable to create UserProfile [") == true)
        var enabled = disabled
        enabled.accessStatus = RStudioServerProAccessStatus.enabled
        try await harness.createProfile(domainId, "bob", settings: UserSettings(rStudioServerProAppSettings: enabled))
    }
}
