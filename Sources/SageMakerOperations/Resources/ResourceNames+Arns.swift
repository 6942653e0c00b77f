import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// ARNs of the resources inside a domain (docs/aws-facts.md, "Identifiers and values").
/// The store keys every resource by the part of its ARN after `<kind>/`, so that an ARN names its row.
extension ResourceNames {
    static func arn(_ kind: ResourceKind, _ scope: ResourceScope, id: String) -> String {
        "arn:aws:sagemaker:\(scope.region):\(scope.account):\(kind.rawValue)/\(id)"
    }

    /// User profile names are case-insensitive: the key (and the ARN) carry the lowercased name.
    static func userProfileId(domainId: String, name: String) -> String { domainId + "/" + name.lowercased() }

    static func spaceId(domainId: String, name: String) -> String { domainId + "/" + name }

    /// `<DomainId>/<profile or space>/<apptype, lowercased>/<AppName>`.
    static func appId(domainId: String, owner: AppOwner, appType: AppType, appName: String) -> String {
        domainId + "/" + owner.arnName + "/" + appType.rawValue.lowercased() + "/" + appName
    }

    /// The first HomeEfsFileSystemUid of a domain's profiles and spaces.
    static let firstFileSystemUid = 200_001
}

/// Who an app belongs to: a user profile or a space.
enum AppOwner: Equatable {
    case userProfile(String)
    case space(String)

    var arnName: String {
        switch self {
        case .userProfile(let name): name.lowercased()
        case .space(let name): name
        }
    }

    /// The parent key of the owner's apps in the store.
    func parentId(domainId: String) -> String {
        switch self {
        case .userProfile(let name): domainId + "/user-profile/" + name.lowercased()
        case .space(let name): domainId + "/space/" + name
        }
    }
}

/// An ARN of this service, split into the kind, scope and store key of the resource it names.
struct ResourceArn {
    var kind: ResourceKind
    var scope: ResourceScope
    var id: String

    init?(_ arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "sagemaker",
            let slash = parts[5].firstIndex(of: "/"),
            let kind = ResourceKind(rawValue: String(parts[5][..<slash]))
        else { return nil }
        self.kind = kind
        scope = ResourceScope(account: String(parts[4]), region: String(parts[3]))
        id = String(parts[5][parts[5].index(after: slash)...])
        if id.isEmpty { return nil }
    }
}
