import Foundation
import SageMakerModel

/// AWS's ResourceLimitExceeded text (docs/aws-facts.md, "Quotas").
enum QuotaMessage {
    static func text(name: String, limit: Int, current: Int, delta: Int, unit: String) -> String {
        "The account-level service limit '\(name)' is \(limit) \(unit), with current utilization of \(current) \(unit) "
            + "and a request delta of \(delta) \(unit). Please use AWS Service Quotas to request an increase for this "
            + "quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota."
    }
}
