import Foundation

/// The time filters of ListStudioLifecycleConfigs and ListAppImageConfigs.
struct TimeWindow {
    var createdAfter: Date?
    var createdBefore: Date?
    var modifiedAfter: Date?
    var modifiedBefore: Date?

    func contains(created: Date?, modified: Date?) -> Bool {
        let created = created ?? .distantPast
        let modified = modified ?? created
        if let createdAfter, created <= createdAfter { return false }
        if let createdBefore, created >= createdBefore { return false }
        if let modifiedAfter, modified <= modifiedAfter { return false }
        if let modifiedBefore, modified >= modifiedBefore { return false }
        return true
    }
}
