import AWSWire
import Foundation
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import Testing

@Suite struct UpdateDomainMergeTests {
    let base = DescribeDomainResponse(
        appNetworkAccessType: "PublicInternetOnly",
        defaultUserSettings: UserSettings(
            executionRole: role,
            jupyterServerAppSettings: JupyterServerAppSettings(
                defaultResourceSpec: ResourceSpec(
                    instanceType: "system", sageMakerImageArn: "arn:aws:sagemaker:us-east-1:123456789012:image/a")),
            securityGroups: ["sg-1", "sg-2"]),
        domainArn: "arn:aws:sagemaker:us-east-1:111111111111:domain/d-1",
        domainSettings: DomainSettings(securityGroupIds: ["sg-a"]),
        subnetIds: ["subnet-1"], vpcId: "vpc-1")

    @Test func nestedMembersLeftOutKeepTheirValues() throws {
        let request = UpdateDomainRequest(
            defaultUserSettings: UserSettings(
                jupyterServerAppSettings: JupyterServerAppSettings(
                    defaultResourceSpec: ResourceSpec(instanceType: "ml.t3.medium"))),
            domainId: "d-1")
        let merged = try UpdateDomainMerge.apply(request, to: base)
        let spec = merged.defaultUserSettings?.jupyterServerAppSettings?.defaultResourceSpec
        #expect(spec?.instanceType == "ml.t3.medium")
        #expect(spec?.sageMakerImageArn == "arn:aws:sagemaker:us-east-1:123456789012:image/a")
        #expect(merged.defaultUserSettings?.executionRole == role)
        #expect(merged.defaultUserSettings?.securityGroups == ["sg-1", "sg-2"])
    }

    @Test func listsThatAreSentReplaceTheStoredList() throws {
        let request = UpdateDomainRequest(
            defaultUserSettings: UserSettings(securityGroups: ["sg-9"]), domainId: "d-1",
            subnetIds: ["subnet-7", "subnet-8"])
        let merged = try UpdateDomainMerge.apply(request, to: base)
        #expect(merged.defaultUserSettings?.securityGroups == ["sg-9"])
        #expect(merged.subnetIds == ["subnet-7", "subnet-8"])
        let cleared = try UpdateDomainMerge.apply(
            UpdateDomainRequest(defaultUserSettings: UserSettings(customFileSystemConfigs: []), domainId: "d-1"),
            to: merged)
        #expect(cleared.defaultUserSettings?.customFileSystemConfigs == [])
    }

    @Test func domainSecurityGroupIdsCannotBeCleared() throws {
        for groups in [[], nil] as [[String]?] {
            let request = UpdateDomainRequest(
                domainId: "d-1",
                domainSettingsForUpdate: DomainSettingsForUpdate(
                    executionRoleIdentityConfig: "USER_PROFILE_NAME", securityGroupIds: groups))
            let merged = try UpdateDomainMerge.apply(request, to: base)
            #expect(merged.domainSettings?.securityGroupIds == ["sg-a"])
            #expect(merged.domainSettings?.executionRoleIdentityConfig == "USER_PROFILE_NAME")
        }
        let replaced = try UpdateDomainMerge.apply(
            UpdateDomainRequest(
                domainId: "d-1", domainSettingsForUpdate: DomainSettingsForUpdate(securityGroupIds: ["sg-b"])),
            to: base)
        #expect(replaced.domainSettings?.securityGroupIds == ["sg-b"])
    }

    @Test func rstudioSettingsForUpdateMergeIntoTheStoredSettings() throws {
        let first = try UpdateDomainMerge.apply(
            UpdateDomainRequest(
                domainId: "d-1",
                domainSettingsForUpdate: DomainSettingsForUpdate(
                    rStudioServerProDomainSettingsForUpdate: RStudioServerProDomainSettingsForUpdate(
                        domainExecutionRoleArn: role, rStudioConnectUrl: "https://connect.example.com"))),
            to: base)
        let second = try UpdateDomainMerge.apply(
            UpdateDomainRequest(
                domainId: "d-1",
                domainSettingsForUpdate: DomainSettingsForUpdate(
                    rStudioServerProDomainSettingsForUpdate: RStudioServerProDomainSettingsForUpdate(
                        domainExecutionRoleArn: role, rStudioPackageManagerUrl: "https://pm.example.com"))),
            to: first)
        let rstudio = second.domainSettings?.rStudioServerProDomainSettings
        #expect(rstudio?.rStudioConnectUrl == "https://connect.example.com")
        #expect(rstudio?.rStudioPackageManagerUrl == "https://pm.example.com")
        #expect(rstudio?.domainExecutionRoleArn == role)
        #expect(second.domainSettings?.securityGroupIds == ["sg-a"])
    }

    @Test func vpcOnlyNeedsVpcIdAndSubnets() throws {
        var noNetwork = base
        noNetwork.vpcId = nil
        noNetwork.subnetIds = nil
        let request = UpdateDomainRequest(appNetworkAccessType: "VpcOnly", domainId: "d-1")
        #expect(throws: AWSError.validation("VpcId and Subnet IDs are required for updating domains to VpcOnly mode."))
        {
            try UpdateDomainMerge.apply(request, to: noNetwork)
        }
        // Even a domain that has its VPC stored needs both in the request (terraform-provider-aws issue 45528).
        #expect(throws: AWSError.validation("VpcId and Subnet IDs are required for updating domains to VpcOnly mode."))
        {
            try UpdateDomainMerge.apply(request, to: base)
        }
        var complete = request
        complete.vpcId = "vpc-1"
        complete.subnetIds = ["subnet-1"]
        #expect(try UpdateDomainMerge.apply(complete, to: base).appNetworkAccessType == "VpcOnly")
    }

    @Test func appSecurityGroupManagementOnlyForRStudioDomains() throws {
        let request = UpdateDomainRequest(appSecurityGroupManagement: "Service", domainId: "d-1")
        #expect(throws: AWSError.validation("AppSecurityGroupManagement can only be set for Rstudio enabled domains."))
        {
            try UpdateDomainMerge.apply(request, to: base)
        }
        var rstudio = base
        rstudio.domainSettings?.rStudioServerProDomainSettings = RStudioServerProDomainSettings(
            domainExecutionRoleArn: role)
        #expect(try UpdateDomainMerge.apply(request, to: rstudio).appSecurityGroupManagement == "Service")
        let customer = UpdateDomainRequest(appSecurityGroupManagement: "Customer", domainId: "d-1")
        #expect(throws: AWSError.self) { try UpdateDomainMerge.apply(customer, to: rstudio) }
    }

    @Test func networkAccessCannotChangeOnceRStudioIsEnabled() throws {
        let request = UpdateDomainRequest(
            appNetworkAccessType: "VpcOnly", appSecurityGroupManagement: "Service", domainId: "d-1",
            domainSettingsForUpdate: DomainSettingsForUpdate(
                rStudioServerProDomainSettingsForUpdate: RStudioServerProDomainSettingsForUpdate(
                    domainExecutionRoleArn: role)),
            subnetIds: ["subnet-1"], vpcId: "vpc-1")
        let error = #expect(throws: AWSError.self) { try UpdateDomainMerge.apply(request, to: base) }
        #expect(error?.message.contains("AppNetworkAccessType cannot be changed") == true)
    }

    @Test func studioLandingUriNeedsTheWebPortal() throws {
        let request = UpdateDomainRequest(
            defaultUserSettings: UserSettings(defaultLandingUri: "studio::", studioWebPortal: "DISABLED"),
            domainId: "d-1")
        #expect(throws: AWSError.validation("StudioWebPortal is disabled for this domain/user.")) {
            try UpdateDomainMerge.apply(request, to: base)
        }
        let jupyter = UpdateDomainRequest(
            defaultUserSettings: UserSettings(defaultLandingUri: "app:JupyterServer:", studioWebPortal: "DISABLED"),
            domainId: "d-1")
        #expect(try UpdateDomainMerge.apply(jupyter, to: base).defaultUserSettings?.studioWebPortal == "DISABLED")
    }
}

@Suite struct DomainOperationTests {
    @Test func createFillsRealFormatsAndDefaults() async throws {
        let harness = try await Harness()
        let response = try await harness.service.createDomain(
            CreateDomainRequest(
                authMode: "SSO", defaultUserSettings: UserSettings(executionRole: role), domainName: "x"),
            context: alice)
        let id = try #require(response.domainId)
        #expect(id.wholeMatch(of: /d-[a-z0-9]{12}/) != nil)
        #expect(response.domainArn == "arn:aws:sagemaker:us-east-1:111111111111:domain/\(id)")
        #expect(response.url == "https://\(id).studio.us-east-1.sagemaker.aws")
        let domain = try await harness.describe(id)
        #expect(domain.homeEfsFileSystemId?.wholeMatch(of: /fs-[0-9a-f]{17}/) != nil)
        #expect(domain.tagPropagation == "DISABLED")
        #expect(domain.appNetworkAccessType == "PublicInternetOnly")
        #expect(domain.defaultUserSettings?.studioWebPortal == "ENABLED")
        #expect(domain.defaultUserSettings?.defaultLandingUri == "studio::")
        #expect(domain.defaultUserSettings?.autoMountHomeEFS == "Enabled")
        #expect(domain.singleSignOnManagedApplicationInstanceId != nil)
        #expect(domain.failureReason == nil && domain.domainSettings == nil)
        try ValidationReport.validate(domain)
    }

    @Test func domainNamesAreUniquePerAccountAndRegion() async throws {
        let harness = try await Harness()
        _ = try await harness.createDomain("same")
        let error = await awsError { _ = try await harness.createDomain("same") }
        #expect(error?.code == .resourceInUse)
        _ = try await harness.createDomain(
            "same", context: OperationContext(account: "222222222222", region: "us-east-1", requestId: "r"))
        _ = try await harness.createDomain(
            "same", context: OperationContext(account: alice.account, region: "eu-west-1", requestId: "r"))
    }

    @Test func otherAccountsAndRegionsCannotSeeOrTouchADomain() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        try await harness.advance(6)
        for other in [
            OperationContext(account: "222222222222", region: "us-east-1", requestId: "r"),
            OperationContext(account: alice.account, region: "eu-west-1", requestId: "r"),
        ] {
            #expect(await awsError { _ = try await harness.describe(id, context: other) }?.code == .resourceNotFound)
            #expect(
                await awsError {
                    try await harness.update(
                        UpdateDomainRequest(domainId: id, tagPropagation: "ENABLED"), context: other)
                }?.code == .resourceNotFound)
            #expect(
                await awsError {
                    try await harness.service.deleteDomain(DeleteDomainRequest(domainId: id), context: other)
                }?.code == .resourceNotFound)
            #expect(try await harness.service.listDomains(ListDomainsRequest(), context: other).domains == [])
        }
        #expect(try await harness.describe(id).status == "InService")
    }

    @Test func domainQuotaPerAccountAndRegion() async throws {
        let harness = try await Harness(quotas: Quotas(domainsPerRegion: 2))
        _ = try await harness.createDomain("a")
        _ = try await harness.createDomain("b")
        let error = await awsError { _ = try await harness.createDomain("c") }
        #expect(error?.code == .resourceLimitExceeded)
        #expect(
            error?.message
                == "The account-level service limit 'Total domains' is 2 Domains, with current utilization of 2 Domains and a request delta of 1 Domains. Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota."
        )
    }

    @Test func updateThatPassesTheCustomImageQuotaIsRefusedAndChangesNothing() async throws {
        let harness = try await Harness(quotas: Quotas(customImagesPerDomain: 2))
        let id = try await harness.createDomain()
        try await harness.advance(6)
        let images = (1...3).map { CustomImage(appImageConfigName: "config\($0)", imageName: "image\($0)") }
        for index in 1...3 {
            try await harness.createAppImageConfig("config\(index)")
            try await harness.createImage("image\(index)")
        }
        let before = try await harness.describe(id)
        let error = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(
                        kernelGatewayAppSettings: KernelGatewayAppSettings(customImages: images)),
                    domainId: id))
        }
        #expect(error?.code == .resourceLimitExceeded)
        #expect(
            error?.message.hasPrefix(
                "The account-level service limit 'Custom images per domain' is 2 Images, with current utilization of 0 Images and a request delta of 3 Images."
            ) == true)
        #expect(try await harness.describe(id) == before)
        try await harness.update(
            UpdateDomainRequest(
                defaultUserSettings: UserSettings(
                    kernelGatewayAppSettings: KernelGatewayAppSettings(customImages: Array(images.prefix(2)))),
                domainId: id))
    }

    @Test func lifecycleConfigurationQuotaCountsDistinctArnsAcrossDefaults() async throws {
        let harness = try await Harness(quotas: Quotas(lifecycleConfigsPerDomain: 2))
        let id = try await harness.createDomain()
        try await harness.advance(6)
        let lcc = { (name: String) in "arn:aws:sagemaker:us-east-1:111111111111:studio-lifecycle-config/\(name)" }
        for name in ["a", "b", "c"] { try await harness.createLifecycleConfig(name) }
        // The same ARN twice counts once.
        try await harness.update(
            UpdateDomainRequest(
                defaultSpaceSettings: DefaultSpaceSettings(
                    jupyterServerAppSettings: JupyterServerAppSettings(lifecycleConfigArns: [lcc("a")])),
                defaultUserSettings: UserSettings(
                    jupyterServerAppSettings: JupyterServerAppSettings(lifecycleConfigArns: [lcc("a"), lcc("b")])),
                domainId: id))
        try await harness.advance(6)
        let error = await awsError {
            try await harness.update(
                UpdateDomainRequest(
                    defaultUserSettings: UserSettings(
                        tensorBoardAppSettings: TensorBoardAppSettings(
                            defaultResourceSpec: ResourceSpec(lifecycleConfigArn: lcc("c")))),
                    domainId: id))
        }
        #expect(error?.code == .resourceLimitExceeded)
        #expect(
            error?.message.hasPrefix(
                "The account-level service limit 'Lifecycle configurations per domain' is 2 Lifecycle configurations, with current utilization of 2 Lifecycle configurations and a request delta of 1 Lifecycle configurations."
            ) == true)
    }

    @Test func concurrentUpdatesApplyWholeOrFail() async throws {
        let harness = try await Harness()
        let id = try await harness.createDomain()
        try await harness.advance(6)
        let outcomes = await withTaskGroup(of: (Int, AWSError?).self) { group in
            for index in 0..<20 {
                group.addTask {
                    let request = UpdateDomainRequest(
                        defaultUserSettings: UserSettings(
                            jupyterServerAppSettings: JupyterServerAppSettings(
                                defaultResourceSpec: ResourceSpec(
                                    instanceType: "system", sageMakerImageVersionAlias: "\(index).0"))),
                        domainId: id)
                    return (index, await awsError { try await harness.update(request) })
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.filter { $0.1 == nil }
        #expect(winners.count == 1)
        #expect(outcomes.allSatisfy { $0.1 == nil || $0.1?.code == .resourceInUse })
        let alias = try await harness.describe(id).defaultUserSettings?.jupyterServerAppSettings?.defaultResourceSpec?
            .sageMakerImageVersionAlias
        #expect(alias == winners.first.map { "\($0.0).0" })
    }

    @Test func listDomainsPagesWithoutSkippingOrRepeating() async throws {
        let harness = try await Harness()
        for index in 0..<12 { _ = try await harness.createDomain("d\(index)") }
        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await harness.service.listDomains(
                ListDomainsRequest(maxResults: 5, nextToken: token), context: alice)
            seen += page.domains!.map { $0.domainName! }
            token = page.nextToken
            pages += 1
            if pages == 1 { for index in 12..<15 { _ = try await harness.createDomain("d\(index)") } }
        } while token != nil
        #expect(seen == (0..<15).map { "d\($0)" })
        #expect(pages == 3)
        let first = try await harness.service.listDomains(ListDomainsRequest(), context: alice)
        #expect(first.domains?.count == 10)
        let stolen = try #require(first.nextToken)
        let bob = OperationContext(account: "222222222222", region: "us-east-1", requestId: "r")
        #expect(
            await awsError {
                _ = try await harness.service.listDomains(ListDomainsRequest(nextToken: stolen), context: bob)
            }?.code == .validation)
        #expect(
            await awsError {
                _ = try await harness.service.listDomains(ListDomainsRequest(nextToken: "garbage"), context: alice)
            }?.code == .validation)
        // Same signature, another account written into the payload.
        let parts = stolen.split(separator: ".")
        let payload = String(decoding: Data(base64Encoded: String(parts[0]))!, as: UTF8.self)
            .replacingOccurrences(of: alice.account, with: bob.account)
        let forged = Data(payload.utf8).base64EncodedString() + "." + parts[1]
        #expect(
            await awsError {
                _ = try await harness.service.listDomains(ListDomainsRequest(nextToken: forged), context: bob)
            }?.code == .validation)
        #expect(
            await awsError {
                _ = try await harness.service.listDomains(ListDomainsRequest(nextToken: forged), context: alice)
            }?.code == .validation)
    }
}
