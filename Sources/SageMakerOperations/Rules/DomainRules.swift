import AWSWire
import Foundation
import SageMakerModel

/// Cross-field rules of domains that depend on the domain alone (docs/aws-facts.md).
/// Messages marked [C] there are AWS's own; the others are inferred and listed in docs/behaviour.md.
enum DomainRules {
    static func rstudioRole(_ domain: DescribeDomainResponse) -> String? {
        domain.domainSettings?.rStudioServerProDomainSettings?.domainExecutionRoleArn
    }

    /// Members the real service fills in on the default user settings when they are not sent.
    static func withServiceDefaults(_ settings: UserSettings) -> UserSettings {
        var filled = settings
        if filled.studioWebPortal == nil { filled.studioWebPortal = StudioWebPortal.enabled }
        if filled.autoMountHomeEFS == nil { filled.autoMountHomeEFS = AutoMountHomeEFS.enabled }
        if filled.defaultLandingUri == nil {
            filled.defaultLandingUri =
                filled.studioWebPortal == StudioWebPortal.disabled ? "app:JupyterServer:" : "studio::"
        }
        return filled
    }

    /// UpdateDomain is accepted in InService and in Update_Failed ("call UpdateDomain again after fixing the error").
    static func isUpdatable(_ status: String) -> Bool { ResourceKindDeclaration.domain.updatableFrom.contains(status) }

    /// The UpdateDomain rules that depend on the domain's apps (model documentation of UpdateDomainRequest):
    /// AppNetworkAccessType, and removing subnets, only while no app is InService, Pending or Deleting;
    /// ExecutionRoleIdentityConfig and new RStudio settings only while no app is InService or Pending.
    static func checkAppsAllowUpdate(
        _ request: UpdateDomainRequest, current: DescribeDomainResponse, appStatuses: [String]
    ) throws(AWSError) {
        let active = Set(appStatuses.map(AppStatus.init(rawValue:)))
        let running = !active.isDisjoint(with: [AppStatus.inService, AppStatus.pending])
        let present = running || active.contains(AppStatus.deleting)
        let settings = request.domainSettingsForUpdate
        // Adding subnets while apps run is allowed; removing one is not (model doc of UpdateDomainRequest.SubnetIds).
        let removesSubnet = request.subnetIds.map { !Set(current.subnetIds ?? []).isSubset(of: Set($0)) } ?? false
        let networkChanges =
            (request.appNetworkAccessType.map { $0 != current.appNetworkAccessType } ?? false)
            || removesSubnet
        let identityChanges =
            settings?.executionRoleIdentityConfig.map {
                $0 != current.domainSettings?.executionRoleIdentityConfig
            } ?? false
        let addsRStudio =
            settings?.rStudioServerProDomainSettingsForUpdate != nil
            && current.domainSettings?.rStudioServerProDomainSettings == nil
        if (networkChanges && present) || ((identityChanges || addsRStudio) && running) {
            throw .validation(
                "Unable to update Domain [\(current.domainArn ?? "")] with InService App. Delete all InService apps in "
                    + "the domain including shared Apps for [domain-shared] User Profile, and try again.")
        }
    }

    static func checkCreate(_ domain: DescribeDomainResponse) throws(AWSError) {
        if domain.appNetworkAccessType == AppNetworkAccessType.vpcOnly,
            domain.vpcId == nil || (domain.subnetIds ?? []).isEmpty
        {
            throw .validation("VpcId and Subnet IDs are required for creating domains in VpcOnly mode.")
        }
        try checkSecurityGroupCount(domain.defaultUserSettings?.securityGroups ?? [])
        try checkRStudioAccess(domain.defaultUserSettings, verb: "create", "Domain", domain.domainArn ?? "")
        if domain.appSecurityGroupManagement != nil, rstudioRole(domain) == nil {
            throw .validation("AppSecurityGroupManagement can only be set for Rstudio enabled domains.")
        }
        try checkRStudioSecurityGroups(domain)
        try checkLandingUri(domain)
        try checkAmazonQ(domain)
    }

    /// Model doc of `UserSettings.SecurityGroups`: SageMaker adds an NFS group of its own, so one fewer than the
    /// model's maximum of 5 may be given. The text is ours. A VpcOnly domain needs no groups in its defaults: AWS's own
    /// sample (aws-samples/sagemaker-domain-vpconly-canvas-with-terraform) gives them in
    /// `DomainSettings.SecurityGroupIds` and in each profile (docs/aws-facts.md, "Security groups of VpcOnly domains").
    static func checkSecurityGroupCount(_ groups: [String]) throws(AWSError) {
        if groups.count > maxSecurityGroups {
            throw .validation(
                "At most \(maxSecurityGroups) SecurityGroups can be specified: SageMaker adds one that allows NFS "
                    + "traffic from Studio.")
        }
    }

    static var maxSecurityGroups: Int { 4 }

    /// A user profile of a VpcOnly domain needs security groups when the domain's defaults have none (model doc of
    /// `UserSettings.SecurityGroups`: "Required when the AppNetworkAccessType setting of the domain is set to VpcOnly,
    /// unless specified as part of the DefaultUserSettings for the domain"). The text is ours.
    static func checkProfileSecurityGroups(_ own: UserSettings?, domain: DescribeDomainResponse) throws(AWSError) {
        let groups = own?.securityGroups ?? []
        if domain.appNetworkAccessType == AppNetworkAccessType.vpcOnly, groups.isEmpty,
            (domain.defaultUserSettings?.securityGroups ?? []).isEmpty
        {
            throw .validation(
                "UserSettings.SecurityGroups are required for user profiles in a VpcOnly domain whose "
                    + "DefaultUserSettings have none.")
        }
        try checkSecurityGroupCount(groups)
    }

    /// `RStudioServerProAppSettings.UserGroup` only with `AccessStatus` ENABLED (terraform-provider-aws issue 33034
    /// quotes AWS's message up to "Make sure AccessStatus is set to ENABLED if"; the end is ours).
    static func checkRStudioAccess(
        _ settings: UserSettings?, verb: String, _ kind: String, _ arn: String
    ) throws(AWSError) {
        guard let rstudio = settings?.rStudioServerProAppSettings, rstudio.userGroup != nil,
            rstudio.accessStatus == RStudioServerProAccessStatus.disabled
        else { return }
        throw .validation(
            "Unable to \(verb) \(kind) [\(arn)] with update to RStudioServerProAppSettings. Make sure AccessStatus is "
                + "set to ENABLED if UserGroup is specified.")
    }

    /// Amazon Q needs IAM Identity Center: model doc of `DomainSettings.AmazonQSettings` ("The AuthMode that you use
    /// to create the domain must be SSO"). The text is ours.
    static func checkAmazonQ(_ domain: DescribeDomainResponse) throws(AWSError) {
        if domain.domainSettings?.amazonQSettings?.status == FeatureStatus.enabled, domain.authMode != AuthMode.sso {
            throw .validation("AmazonQSettings can only be enabled for domains in SSO auth mode.")
        }
    }

    /// A domain with RStudio gets the security group that lets its RSessionGateway apps reach its RStudioServerPro
    /// app (model doc of `SecurityGroupIdForDomainBoundary`), once. Its id is made from the domain's, not drawn at
    /// random: this runs inside store bodies, which may run twice (`RerunnableTransaction`).
    static func assignBoundaryGroup(_ domain: inout DescribeDomainResponse) {
        if rstudioRole(domain) != nil, domain.securityGroupIdForDomainBoundary == nil {
            domain.securityGroupIdForDomainBoundary = boundaryGroupId(domainId: domain.domainId ?? "")
        }
    }

    /// `sg-` and 17 hexadecimal digits, from two FNV-1a hashes of the domain id.
    static func boundaryGroupId(domainId: String) -> String {
        func fnv1a(_ text: String, _ basis: UInt64) -> UInt64 {
            var hash = basis
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            return hash
        }
        let high = fnv1a("boundary/" + domainId, 0xcbf2_9ce4_8422_2325)
        let low = fnv1a(domainId + "/boundary", 0x84222325_cbf29ce4)
        let digits = String(high, radix: 16)
        return "sg-" + String(repeating: "0", count: 16 - digits.count) + digits + String(low & 0xf, radix: 16)
    }

    static func checkUpdate(
        _ merged: DescribeDomainResponse, previous: DescribeDomainResponse, request: UpdateDomainRequest
    ) throws(AWSError) {
        // Setting VpcOnly needs VpcId and SubnetIds in the request itself, even when the domain has them stored
        // (aws-facts.md, added 2026-11-25: terraform-provider-aws issue 45528).
        let vpcOnly = AppNetworkAccessType.vpcOnly
        let requestHasNetwork = request.vpcId != nil && !(request.subnetIds ?? []).isEmpty
        let mergedHasNetwork = merged.vpcId != nil && !(merged.subnetIds ?? []).isEmpty
        if (request.appNetworkAccessType == vpcOnly && !requestHasNetwork)
            || (merged.appNetworkAccessType == vpcOnly && !mergedHasNetwork)
        {
            throw .validation("VpcId and Subnet IDs are required for updating domains to VpcOnly mode.")
        }
        if let groups = request.defaultUserSettings?.securityGroups { try checkSecurityGroupCount(groups) }
        if request.defaultUserSettings?.rStudioServerProAppSettings != nil {
            try checkRStudioAccess(merged.defaultUserSettings, verb: "update", "Domain", merged.domainArn ?? "")
        }
        if request.appSecurityGroupManagement != nil, rstudioRole(merged) == nil {
            throw .validation("AppSecurityGroupManagement can only be set for Rstudio enabled domains.")
        }
        // AppNetworkAccessType cannot change once a DomainExecutionRoleArn is set, or is set in the same request.
        if let access = request.appNetworkAccessType, access != previous.appNetworkAccessType,
            rstudioRole(merged) != nil
        {
            throw .validation(
                "AppNetworkAccessType cannot be changed for a domain with "
                    + "RStudioServerProDomainSettings.DomainExecutionRoleArn set.")
        }
        if request.domainSettingsForUpdate?.rStudioServerProDomainSettingsForUpdate != nil
            || request.appSecurityGroupManagement != nil
        {
            try checkRStudioSecurityGroups(merged)
        }
        try checkLandingUri(merged)
        if request.domainSettingsForUpdate?.amazonQSettings != nil { try checkAmazonQ(merged) }
    }

    /// AppSecurityGroupManagement is required for a VpcOnly domain with RStudio, and must then be Service.
    static func checkRStudioSecurityGroups(_ domain: DescribeDomainResponse) throws(AWSError) {
        guard rstudioRole(domain) != nil else { return }
        let management = domain.appSecurityGroupManagement
        if domain.appNetworkAccessType == AppNetworkAccessType.vpcOnly, management == nil {
            throw .validation(
                "AppSecurityGroupManagement is required when AppNetworkAccessType is VpcOnly and "
                    + "RStudioServerProDomainSettings.DomainExecutionRoleArn is provided.")
        }
        if let management, management != AppSecurityGroupManagement.service {
            throw .validation("AppSecurityGroupManagement must be Service for RStudio enabled domains.")
        }
    }

    /// A `studio::` landing URI needs the Studio web portal.
    static func checkLandingUri(_ domain: DescribeDomainResponse) throws(AWSError) {
        try checkLandingUri(domain.defaultUserSettings)
    }

    /// DefaultLandingUri `studio::` needs StudioWebPortal ENABLED, in a domain's defaults or a profile's settings.
    static func checkLandingUri(_ settings: UserSettings?) throws(AWSError) {
        if settings?.studioWebPortal == StudioWebPortal.disabled,
            settings?.defaultLandingUri?.hasPrefix("studio::") == true
        {
            throw .validation("StudioWebPortal is disabled for this domain/user.")
        }
    }

    // MARK: - Quotas an update can reach

    /// Distinct custom images and lifecycle configurations attached to the domain's default settings.
    static func attachments(_ user: UserSettings?, _ space: DefaultSpaceSettings?) -> ShapeReferences {
        var references = ShapeReferences()
        user?.collectReferences(into: &references)
        space?.collectReferences(into: &references)
        return references
    }

    static func attachments(_ domain: DescribeDomainResponse) -> ShapeReferences {
        attachments(domain.defaultUserSettings, domain.defaultSpaceSettings)
    }

    static func checkAttachmentQuotas(
        _ domain: DescribeDomainResponse, previous: DescribeDomainResponse?, quotas: Quotas,
        request: UpdateDomainRequest? = nil
    ) throws(AWSError) {
        if let request {
            // Lists replace, so only a request that sends images or lifecycle configurations can raise a count.
            if attachments(request.defaultUserSettings, request.defaultSpaceSettings).isEmpty { return }
        }
        let after = attachments(domain)
        let before = previous.map(attachments) ?? ShapeReferences()
        let checks: [(String, Int, Int, Int, String)] = [
            (
                "Custom images per domain", quotas.customImagesPerDomain, before.customImages.count,
                after.customImages.count, "Images"
            ),
            (
                "Lifecycle configurations per domain", quotas.lifecycleConfigsPerDomain,
                before.lifecycleConfigArns.count,
                after.lifecycleConfigArns.count, "Lifecycle configurations"
            ),
        ]
        for (name, limit, current, wanted, unit) in checks where wanted > limit && wanted > current {
            throw .resourceLimitExceeded(
                QuotaMessage.text(name: name, limit: limit, current: current, delta: wanted - current, unit: unit))
        }
    }
}
