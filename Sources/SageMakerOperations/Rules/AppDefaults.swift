import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// The resource spec of a new app: the request's, else its owner's default for the app type (the profile's, else the
/// space's), else the domain's, else the service's default instance type (docs/behaviour.md). A KernelGateway app has
/// no service default: with no instance type anywhere it is refused (model doc of `CreateAppRequest.ResourceSpec`).
enum AppDefaults {
    static func resourceSpec(
        _ requested: ResourceSpec?, appType: AppType, profile: UserSettings?, space: SpaceSettings?,
        domain: DescribeDomainResponse, forSpace: Bool
    ) throws(AWSError) -> ResourceSpec {
        let fromDomain =
            appType == AppType.rStudioServerPro
            ? domain.domainSettings?.rStudioServerProDomainSettings?.defaultResourceSpec
            : forSpace ? spec(appType, domain.defaultSpaceSettings) : spec(appType, domain.defaultUserSettings)
        let inherited = spec(appType, profile) ?? spec(appType, space) ?? fromDomain
        if appType == AppType.kernelGateway {
            var resolved = requested ?? inherited ?? ResourceSpec()
            resolved.instanceType = resolved.instanceType ?? inherited?.instanceType
            guard resolved.instanceType != nil else {
                throw .validation(
                    "InstanceType is required for a KernelGateway app: specify it in ResourceSpec, or in the "
                        + "KernelGatewayAppSettings.DefaultResourceSpec of the user profile, space or domain.")
            }
            return resolved
        }
        return requested ?? inherited
            ?? ResourceSpec(
                instanceType: [AppType.jupyterServer, AppType.rStudioServerPro].contains(appType)
                    ? AppInstanceType.system : AppInstanceType.mlT3Medium)
    }

    static func spec(_ appType: AppType, _ settings: UserSettings?) -> ResourceSpec? {
        switch appType {
        case .jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case .kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case .tensorBoard: settings?.tensorBoardAppSettings?.defaultResourceSpec
        case .rSessionGateway: settings?.rSessionAppSettings?.defaultResourceSpec
        case .jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        case .codeEditor: settings?.codeEditorAppSettings?.defaultResourceSpec
        default: nil
        }
    }

    static func spec(_ appType: AppType, _ settings: SpaceSettings?) -> ResourceSpec? {
        switch appType {
        case .jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case .kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case .jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        case .codeEditor: settings?.codeEditorAppSettings?.defaultResourceSpec
        default: nil
        }
    }

    static func spec(_ appType: AppType, _ settings: DefaultSpaceSettings?) -> ResourceSpec? {
        switch appType {
        case .jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case .kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case .jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        default: nil
        }
    }
}
