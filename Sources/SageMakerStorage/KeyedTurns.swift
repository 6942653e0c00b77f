import Synchronization

/// Turns per key, in arrival order: a task that takes the turn of a key another task holds waits (suspended, no
/// thread blocked) until every task before it has given it back. The SQLite store's optimistic writes of one row take
/// turns, so that concurrent writes of a hot row queue instead of each running its body, losing the race at commit
/// and running again.
public final class KeyedTurns<Key: Hashable & Sendable>: Sendable {
    private struct State {
        /// Keys whose turn is taken, with the tasks waiting for it, first come first.
        var waiting: [Key: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` in the key's turn.
    public func withTurn<T>(_ key: Key, _ body: () async throws -> T) async rethrows -> T {
        await take(key)
        defer { give(key) }
        return try await body()
    }

    private func take(_ key: Key) async {
        let free = state.withLock { state in
            if state.waiting[key] == nil {
                state.waiting[key] = []
                return true
            }
            return false
        }
        if free { return }
        await withCheckedContinuation { continuation in
            let taken = state.withLock { state in
                // Given back between the two looks: the turn is this task's.
                guard state.waiting[key] != nil else {
                    state.waiting[key] = []
                    return true
                }
                state.waiting[key]?.append(continuation)
                return false
            }
            if taken { continuation.resume() }
        }
    }

    private func give(_ key: Key) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var queue = state.waiting[key], !queue.isEmpty else {
                state.waiting[key] = nil
                return nil
            }
            let next = queue.removeFirst()
            state.waiting[key] = queue
            return next
        }
        next?.resume()  // the turn passes to it: the key stays taken
    }

    /// Keys whose turn is taken (for tests).
    var takenKeys: Int { state.withLock { $0.waiting.count } }
}
