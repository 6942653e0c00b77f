import AWSWire
import Foundation
import SageMakerModel

/// Cross-field rules of domains that depend on the domain alone (shared/reference/aws-behavior.md).
/// Messages marked [C] there are AWS's own; the others are inferred and listed in docs/behaviour.md.
enum DomainRules {
    static func rstudioRole(_ domain: DescribeDomainResponse) -> String? {
        domain.domainSettings?.rStudioServerProDomainSettings?.domainExecutionRoleArn
    }

    /// Members the real service fills in on the default user settings when they are not sent.
    static func withServiceDefaults(_ settings: UserSettings) -> UserSettings {
        var filled = settings
        if filled.studioWebPortal == nil { filled.studioWebPortal = "ENABLED" }
        if filled.autoMountHomeEFS == nil { filled.autoMountHomeEFS = "Enabled" }
        if filled.defaultLandingUri == nil {
            filled.defaultLandingUri = filled.studioWebPortal == "DISABLED" ? "app:JupyterServer:" : "studio::"
        }
        return filled
    }

    static func checkCreate(_ domain: DescribeDomainResponse) throws(AWSError) {
        if domain.appNetworkAccessType == "VpcOnly", domain.vpcId == nil || (domain.subnetIds ?? []).isEmpty {
            throw .validation("VpcId and Subnet IDs are required for creating domains in VpcOnly mode.")
        }
        if domain.appSecurityGroupManagement != nil, rstudioRole(domain) == nil {
            throw .validation("AppSecurityGroupManagement can only be set for Rstudio enabled domains.")
        }
        try checkRStudioSecurityGroups(domain)
        try checkLandingUri(domain)
    }

    static func checkUpdate(
        _ merged: DescribeDomainResponse, previous: DescribeDomainResponse, request: UpdateDomainRequest
    ) throws(AWSError) {
        if request.appNetworkAccessType == "VpcOnly" || (merged.appNetworkAccessType == "VpcOnly"
            && (request.subnetIds != nil || request.vpcId != nil))
        {
            if merged.vpcId == nil || (merged.subnetIds ?? []).isEmpty {
                throw .validation("VpcId and Subnet IDs are required for updating domains to VpcOnly mode.")
            }
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
    }

    /// AppSecurityGroupManagement is required for a VpcOnly domain with RStudio, and must then be Service.
    static func checkRStudioSecurityGroups(_ domain: DescribeDomainResponse) throws(AWSError) {
        guard rstudioRole(domain) != nil else { return }
        let management = domain.appSecurityGroupManagement
        if domain.appNetworkAccessType == "VpcOnly", management == nil {
            throw .validation(
                "AppSecurityGroupManagement is required when AppNetworkAccessType is VpcOnly and "
                    + "RStudioServerProDomainSettings.DomainExecutionRoleArn is provided.")
        }
        if let management, management != "Service" {
            throw .validation("AppSecurityGroupManagement must be Service for RStudio enabled domains.")
        }
    }

    /// A `studio::` landing URI needs the Studio web portal.
    static func checkLandingUri(_ domain: DescribeDomainResponse) throws(AWSError) {
        let settings = domain.defaultUserSettings
        if settings?.studioWebPortal == "DISABLED", settings?.defaultLandingUri?.hasPrefix("studio::") == true {
            throw .validation("StudioWebPortal is disabled for this domain/user.")
        }
    }

    // MARK: - Quotas an update can reach

    /// Distinct custom images and lifecycle configurations attached to the domain's default settings.
    static func attachments(_ domain: DescribeDomainResponse) -> (images: Set<String>, lifecycleConfigs: Set<String>) {
        var images = Set<String>()
        var configs = Set<String>()
        struct Defaults: Encodable {
            var user: UserSettings?
            var space: DefaultSpaceSettings?
        }
        guard let data = try? WireCodec.encode(Defaults(user: domain.defaultUserSettings, space: domain.defaultSpaceSettings)),
              let tree = try? JSONSerialization.jsonObject(with: Data(data))
        else { return ([], []) }
        func walk(_ node: Any) {
            if let object = node as? [String: Any] {
                for (key, value) in object {
                    switch key {
                    case "CustomImages":
                        for case let image as [String: Any] in value as? [Any] ?? [] {
                            let name = image["ImageName"] as? String ?? ""
                            let config = image["AppImageConfigName"] as? String ?? ""
                            images.insert("\(name)|\(config)|\(image["ImageVersionNumber"] ?? "")")
                        }
                    case "LifecycleConfigArns":
                        for case let arn as String in value as? [Any] ?? [] { configs.insert(arn) }
                    case "LifecycleConfigArn":
                        if let arn = value as? String { configs.insert(arn) }
                    default:
                        walk(value)
                    }
                }
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(tree)
        return (images, configs)
    }

    static func checkAttachmentQuotas(
        _ domain: DescribeDomainResponse, previous: DescribeDomainResponse?, quotas: Quotas,
        request: UpdateDomainRequest? = nil
    ) throws(AWSError) {
        if let request {
            // Lists replace, so only a request that sends images or lifecycle configurations can raise a count.
            let sent = attachments(DescribeDomainResponse(
                defaultSpaceSettings: request.defaultSpaceSettings, defaultUserSettings: request.defaultUserSettings))
            if sent.images.isEmpty && sent.lifecycleConfigs.isEmpty { return }
        }
        let after = attachments(domain)
        let before = previous.map(attachments) ?? (images: [], lifecycleConfigs: [])
        let checks: [(String, Int, Int, Int, String)] = [
            ("Custom images per domain", quotas.customImagesPerDomain, before.images.count, after.images.count, "Images"),
            ("Lifecycle configurations per domain", quotas.lifecycleConfigsPerDomain, before.lifecycleConfigs.count,
             after.lifecycleConfigs.count, "Lifecycle configurations"),
        ]
        for (name, limit, current, wanted, unit) in checks where wanted > limit && wanted > current {
            throw .resourceLimitExceeded(
                QuotaMessage.text(name: name, limit: limit, current: current, delta: wanted - current, unit: unit))
        }
    }
}
