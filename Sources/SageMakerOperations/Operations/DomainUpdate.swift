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

    /// What an applied update leaves: the domain's ARN and its new state, stored as `revision` once written.
    struct Outcome: Sendable {
        let arn: String
        let domain: DescribeDomainResponse
        let sequence: Int64
        let revision: Int64
        let bytes: Int
    }

    /// Changes the row.
    func apply(to record: inout StoredResource) throws -> Outcome {
        let current = try documents.decode(record)
        let arn = current.domainArn ?? ""
        guard DomainRules.isUpdatable(record.status) else {
            throw ResourceKindDeclaration.domain.refused("update", arn, status: record.status)
        }
        var updated = try UpdateDomainMerge.apply(input, to: current)
        DomainRules.assignBoundaryGroup(&updated)
        try DomainRules.checkAttachmentQuotas(updated, previous: current, quotas: quotas, request: input)
        try record.beginUpdate(
            &updated, transition: StatusDelays.transition(to: DomainStatus.inService, after: delay, from: now), at: now)
        // The store writes the row as the next revision; the caller remembers it once the write has committed.
        return Outcome(
            arn: arn, domain: updated, sequence: record.sequence, revision: record.revision + 1,
            bytes: record.document.count)
    }

    /// Keeps the decoded form of a committed update, so that the next update of the domain need not decode it.
    func remember(_ outcome: Outcome) {
        documents.remember(
            outcome.domain, sequence: outcome.sequence, revision: outcome.revision, bytes: outcome.bytes)
    }
}
