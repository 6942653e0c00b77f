import Foundation
import Synchronization

/// The last requests the AWS API served, newest last, for the control API's `/_emulator/requests`.
public final class RequestJournal: Sendable {
    public struct Entry: Sendable {
        public let time: Date
        public let requestId: String
        /// The operation (`UpdateDomain`), or the target as sent when it names none.
        public let operation: String
        public let account: String
        public let region: String
        public let httpStatus: Int
        public let errorCode: String?
        public let milliseconds: Double
        /// The fault rule that acted on the request.
        public let fault: String?
    }

    private struct Ring {
        var entries: [Entry] = []
        var start = 0
    }

    private let ring = Mutex(Ring())
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    func append(_ entry: Entry) {
        guard capacity > 0 else { return }
        ring.withLock { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.start] = entry
                ring.start = (ring.start + 1) % capacity
            }
        }
    }

    /// Entries oldest first.
    public var entries: [Entry] {
        ring.withLock { ring in Array(ring.entries[ring.start...] + ring.entries[..<ring.start]) }
    }

    public func removeAll(account: String? = nil, region: String? = nil) {
        ring.withLock { ring in
            let kept = (ring.entries[ring.start...] + ring.entries[..<ring.start]).filter { entry in
                guard let account else { return false }
                return !(entry.account == account && (region == nil || entry.region == region))
            }
            ring.entries = Array(kept)
            ring.start = 0
        }
    }
}
