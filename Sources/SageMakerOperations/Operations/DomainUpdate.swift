import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// One UpdateDomain applied to the stored domain row: status check, merge, rules, quotas, new status.
struct DomainUpdate: Sendable {
    let input: UpdateDomainRequest
    let now: Date
    let delay: Double
    let quotas: Quotas
    let documents: DecodedDocuments<DescribeDomainResponse>
    let key: String

    /// Whether the update must be checked against the domain's apps or the configurations it names.
    var dependsOnOtherResources: Bool {
        let settings = input.domainSettingsForUpdate
        var references = ShapeReferences()
        input.defaultUserSettings?.collectReferences(into: &references)
        input.defaultSpaceSettings?.collectReferences(into: &references)
        return input.appNetworkAccessType != nil || input.subnetIds != nil
            || settings?.executionRoleIdentityConfig != nil || settings?.rStudioServerProDomainSettingsForUpdate != nil
            || !references.isEmpty
    }

    /// Changes the row; returns the domain's ARN.
    func apply(to record: inout StoredResource) throws -> String {
        let current = try documents.decode(record.document, key: key)
        let arn = current.domainArn ?? ""
        guard DomainRules.isUpdatable(record.status) else {
            throw ResourceKindDeclaration.domain.refused("update", arn, status: record.status)
        }
        var updated = try UpdateDomainMerge.apply(input, to: current)
        try DomainRules.checkAttachmentQuotas(updated, previous: current, quotas: quotas, request: input)
        try record.beginUpdate(
            &updated, transition: StatusDelays.transition(to: DomainStatus.inService, after: delay, from: now), at: now)
        documents.remember(record.document, updated, key: key)
        return arn
    }
}
