import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// The resource spec an app gets when CreateApp sends none: its owner's default for the app type (the profile's,
/// else the space's), else the domain's, else the service's default instance type (docs/behaviour.md).
enum AppDefaults {
    static func resourceSpec(
        appType: String, profile: UserSettings?, space: SpaceSettings?, domain: DescribeDomainResponse,
        forSpace: Bool
    ) -> ResourceSpec {
        let fromDomain = appType == AppType.rStudioServerPro
            ? domain.domainSettings?.rStudioServerProDomainSettings?.defaultResourceSpec
            : forSpace ? spec(appType, domain.defaultSpaceSettings) : spec(appType, domain.defaultUserSettings)
        return spec(appType, profile) ?? spec(appType, space) ?? fromDomain
            ?? ResourceSpec(instanceType: [AppType.jupyterServer, AppType.rStudioServerPro].contains(appType)
                    ? AppInstanceType.system : AppInstanceType.mlT3Medium)
    }

    static func spec(_ appType: String, _ settings: UserSettings?) -> ResourceSpec? {
        switch appType {
        case AppType.jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case AppType.kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case AppType.tensorBoard: settings?.tensorBoardAppSettings?.defaultResourceSpec
        case AppType.rSessionGateway: settings?.rSessionAppSettings?.defaultResourceSpec
        case AppType.jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        case AppType.codeEditor: settings?.codeEditorAppSettings?.defaultResourceSpec
        default: nil
        }
    }

    static func spec(_ appType: String, _ settings: SpaceSettings?) -> ResourceSpec? {
        switch appType {
        case AppType.jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case AppType.kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case AppType.jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        case AppType.codeEditor: settings?.codeEditorAppSettings?.defaultResourceSpec
        default: nil
        }
    }

    static func spec(_ appType: String, _ settings: DefaultSpaceSettings?) -> ResourceSpec? {
        switch appType {
        case AppType.jupyterServer: settings?.jupyterServerAppSettings?.defaultResourceSpec
        case AppType.kernelGateway: settings?.kernelGatewayAppSettings?.defaultResourceSpec
        case AppType.jupyterLab: settings?.jupyterLabAppSettings?.defaultResourceSpec
        default: nil
        }
    }
}
