import Foundation
import Synchronization
import Testing

@testable import SageMakerStorage

/// Turns per key: one holder at a time per key, in arrival order, other keys free, and a turn given back on throw.
@Suite struct KeyedTurnsTests {
    struct Boom: Error {}

    /// Shared state the test's tasks change.
    final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
    }

    @Test func oneHolderPerKeyAtATimeAndOtherKeysFree() async throws {
        let turns = KeyedTurns<String>()
        let inside = Shared<[String: Int]>([:])
        let most = Shared<[String: Int]>([:])
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                let key = index % 2 == 0 ? "a" : "b"
                group.addTask {
                    await turns.withTurn(key) {
                        let now = inside.withLock { counts in
                            counts[key, default: 0] += 1
                            return counts[key, default: 0]
                        }
                        most.withLock { $0[key] = max($0[key, default: 0], now) }
                        await Task.yield()
                        inside.withLock { $0[key, default: 0] -= 1 }
                    }
                }
            }
        }
        #expect(most.withLock { $0 } == ["a": 1, "b": 1])
        #expect(turns.takenKeys == 0)
    }

    @Test func waitersGetTheTurnInArrivalOrder() async throws {
        let turns = KeyedTurns<String>()
        let order = Shared<[Int]>([])
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let holder = Task { await turns.withTurn("k") { for await _ in release { break } } }
        while turns.takenKeys == 0 { await Task.yield() }
        var waiters: [Task<Void, Never>] = []
        for index in 1...5 {
            waiters.append(Task { await turns.withTurn("k") { order.withLock { $0.append(index) } } })
            // The next waiter arrives after this one queued.
            try await Task.sleep(for: .milliseconds(20))
        }
        releaser.yield()
        await holder.value
        for waiter in waiters { await waiter.value }
        #expect(order.withLock { $0 } == [1, 2, 3, 4, 5])
        #expect(turns.takenKeys == 0)
    }

    @Test func aThrowingHolderGivesItsTurnBack() async throws {
        let turns = KeyedTurns<String>()
        await #expect(throws: Boom.self) { try await turns.withTurn("k") { throw Boom() } }
        #expect(turns.takenKeys == 0)
        #expect(await turns.withTurn("k") { 7 } == 7)
    }
}
