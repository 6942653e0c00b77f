import AWSWire
import SageMakerModel

/// UpdateDomain's selective, deep merge (docs/aws-facts.md, "UpdateDomain semantics"):
/// members left out keep their value at every depth; a list that is sent replaces the stored list;
/// `DomainSettingsForUpdate.SecurityGroupIds` cannot be cleared.
public enum UpdateDomainMerge {
    /// The domain after the update, once the cross-field rules that depend on the domain alone hold.
    public static func apply(
        _ request: UpdateDomainRequest, to domain: DescribeDomainResponse
    ) throws(AWSError)
        -> DescribeDomainResponse
    {
        var merged = domain
        merged.defaultUserSettings = mergeMember(domain.defaultUserSettings, request.defaultUserSettings)
        merged.defaultSpaceSettings = mergeMember(domain.defaultSpaceSettings, request.defaultSpaceSettings)
        if let value = request.appSecurityGroupManagement { merged.appSecurityGroupManagement = value }
        if let value = request.subnetIds { merged.subnetIds = value }
        if let value = request.vpcId { merged.vpcId = value }
        if let value = request.appNetworkAccessType { merged.appNetworkAccessType = value }
        if let value = request.tagPropagation { merged.tagPropagation = value }
        try mergeHomeFileSystem(request.homeEfsFileSystemCreation, into: &merged)
        if let update = request.domainSettingsForUpdate {
            merged.domainSettings = merge(domain.domainSettings, update)
        }
        try DomainRules.checkUpdate(merged, previous: domain, request: request)
        return merged
    }

    /// `HomeEfsFileSystemCreation` (botocore 1.44): a domain created without its home EFS may get one (Disabled ->
    /// Enabled creates it), but one that has it keeps it ("cannot change from Enabled to Disabled", model doc).
    /// Domains stored before the member existed have their file system: absent reads as Enabled.
    static func mergeHomeFileSystem(
        _ wanted: HomeEfsFileSystemCreation?, into domain: inout DescribeDomainResponse
    ) throws(AWSError) {
        guard let wanted else { return }
        let current = domain.homeEfsFileSystemCreation ?? HomeEfsFileSystemCreation.enabled
        if current == HomeEfsFileSystemCreation.enabled, wanted == HomeEfsFileSystemCreation.disabled {
            throw .validation("HomeEfsFileSystemCreation cannot be changed from Enabled to Disabled.")
        }
        domain.homeEfsFileSystemCreation = wanted
        if wanted == HomeEfsFileSystemCreation.enabled, domain.homeEfsFileSystemId == nil {
            domain.homeEfsFileSystemId = ResourceNames.newFileSystemId()
        }
    }

    /// `DomainSettingsForUpdate` onto the stored `DomainSettings`.
    static func merge(_ current: DomainSettings?, _ update: DomainSettingsForUpdate) -> DomainSettings? {
        var settings = current ?? DomainSettings()
        // Absent and [] both leave the security groups as they are: they cannot be cleared.
        if let groups = update.securityGroupIds, !groups.isEmpty { settings.securityGroupIds = groups }
        if let rstudio = update.rStudioServerProDomainSettingsForUpdate {
            let asStored = RStudioServerProDomainSettings(
                defaultResourceSpec: rstudio.defaultResourceSpec,
                domainExecutionRoleArn: rstudio.domainExecutionRoleArn,
                rStudioConnectUrl: rstudio.rStudioConnectUrl,
                rStudioPackageManagerUrl: rstudio.rStudioPackageManagerUrl)
            settings.rStudioServerProDomainSettings = mergeMember(settings.rStudioServerProDomainSettings, asStored)
        }
        if let value = update.executionRoleIdentityConfig { settings.executionRoleIdentityConfig = value }
        if let value = update.ipAddressType { settings.ipAddressType = value }
        settings.trustedIdentityPropagationSettings = mergeMember(
            settings.trustedIdentityPropagationSettings, update.trustedIdentityPropagationSettings)
        settings.dockerSettings = mergeMember(settings.dockerSettings, update.dockerSettings)
        settings.amazonQSettings = mergeMember(settings.amazonQSettings, update.amazonQSettings)
        settings.unifiedStudioSettings = mergeMember(settings.unifiedStudioSettings, update.unifiedStudioSettings)
        return settings == DomainSettings() ? nil : settings
    }
}
