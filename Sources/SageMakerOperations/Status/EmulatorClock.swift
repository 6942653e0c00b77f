import Foundation
import Synchronization

/// The source of time for timestamps, status transitions and request-date checks.
public protocol EmulatorClock: Sendable {
    func now() -> Date
    /// Waits `seconds` of this clock's time (or until cancelled).
    func sleep(seconds: Double) async throws
}

/// Wall-clock time.
public struct SystemClock: EmulatorClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
}

/// A clock that moves only when told to, for tests.
public final class ManualClock: EmulatorClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Yields instead of waiting: tests drive transitions by advancing the clock and running the scheduler.
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(1))
    }
}
