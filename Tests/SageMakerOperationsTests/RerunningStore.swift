import Foundation
import SageMakerStorage
import Synchronization
import Testing

@testable import SageMakerOperations

/// A store that runs every transaction and mutation body twice, as PostgreSQL may: first on the state as read, with
/// its writes recorded and rolled back, then for real. The two runs must make the same writes and end the same way
/// (the `RerunnableTransaction` contract); a body that reads the clock, draws a random value or has a side effect
/// inside fails the test that calls it. SQLite alone would never show it.
struct RerunningStore<Base: ResourceStore>: ResourceStore {
    let base: Base
    /// How many bodies ran twice and agreed.
    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }
    let agreed = Count()

    /// What a disagreement does: by default, fails the running test.
    let disagreement: @Sendable (String) -> Void

    init(_ base: Base, disagreement: @escaping @Sendable (String) -> Void = { Issue.record(Comment(rawValue: $0)) }) {
        self.base = base
        self.disagreement = disagreement
    }

    private struct RolledBack: Error {
        let writes: [String]
        let outcome: String
    }

    /// One write as text, so that two runs compare whole.
    private static func describe(_ write: (StoredResource?, StoredResource?)) -> String {
        func text(_ resource: StoredResource?) -> String {
            guard let resource else { return "none" }
            let document = String(decoding: resource.document, as: UTF8.self)
            let tags = resource.tags.map { String(decoding: $0, as: UTF8.self) } ?? "-"
            return "\(resource.kind.rawValue) \(resource.scope) \(resource.parentId) \(resource.id) "
                + "\(resource.nameKey) \(resource.status) \(String(describing: resource.transition)) \(document) \(tags)"
        }
        return text(write.0) + " -> " + text(write.1)
    }

    func transaction<T: Sendable>(_ body: @escaping RerunnableTransaction<T>) async throws -> T {
        var first: RolledBack?
        do {
            _ = try await base.transaction { transaction -> Int in
                let recording = RecordingTransaction(base: transaction)
                let outcome: String
                do {
                    outcome = "returned \(try body(recording))"
                } catch {
                    outcome = "threw \(error)"
                }
                throw RolledBack(writes: recording.writes.map(Self.describe), outcome: outcome)
            }
        } catch let rolledBack as RolledBack {
            first = rolledBack
        }
        let second = Mutex<RolledBack?>(nil)
        do {
            let result = try await base.transaction { transaction in
                let recording = RecordingTransaction(base: transaction)
                let result = try body(recording)
                second.withLock {
                    $0 = RolledBack(writes: recording.writes.map(Self.describe), outcome: "returned \(result)")
                }
                return result
            }
            compare(first, second.withLock { $0 })
            return result
        } catch {
            compare(first, RolledBack(writes: [], outcome: "threw \(error)"))
            throw error
        }
    }

    func mutate<T: Sendable>(
        _ kind: ResourceKind, scope: ResourceScope, id: String, _ body: @escaping RerunnableMutation<T>
    ) async throws -> T {
        let first = Mutex<RolledBack?>(nil)
        let outcome = Mutex<RolledBack?>(nil)
        do {
            let result = try await base.mutate(kind, scope: scope, id: id) { resource in
                var copy = resource
                let trial: String
                do {
                    trial = "returned \(try body(&copy))"
                } catch {
                    trial = "threw \(error)"
                }
                first.withLock { $0 = RolledBack(writes: [Self.describe((resource, copy))], outcome: trial) }
                let before = resource
                let result = try body(&resource)
                outcome.withLock {
                    $0 = RolledBack(writes: [Self.describe((before, resource))], outcome: "returned \(result)")
                }
                return result
            }
            compare(first.withLock { $0 }, outcome.withLock { $0 })
            return result
        } catch {
            let trial = first.withLock { $0 }
            compare(trial, RolledBack(writes: trial?.writes ?? [], outcome: "threw \(error)"))
            throw error
        }
    }

    private func compare(_ first: RolledBack?, _ second: RolledBack?) {
        guard let first, let second else { return }
        if first.writes != second.writes || first.outcome != second.outcome {
            disagreement(
                """
                a store body ran twice and did not do the same:
                first:  \(first.outcome) \(first.writes)
                second: \(second.outcome) \(second.writes)
                """)
        } else {
            agreed.value.add(1, ordering: .relaxed)
        }
    }

    func insert(_ resource: StoredResource, limit: Int?) async throws -> StoredResource {
        try await base.insert(resource, limit: limit)
    }

    func fetch(_ kind: ResourceKind, scope: ResourceScope, id: String) async throws -> StoredResource? {
        try await base.fetch(kind, scope: scope, id: id)
    }

    func page(_ query: ResourcePageQuery) async throws -> [ListedResource] { try await base.page(query) }

    func dueTransitions(at date: Date, limit: Int) async throws -> [StoredResource] {
        try await base.dueTransitions(at: date, limit: limit)
    }

    func secret(named name: String) async throws -> [UInt8] { try await base.secret(named: name) }

    func removeAll(account: String?, region: String?) async throws -> Int {
        try await base.removeAll(account: account, region: region)
    }

    func countsByKind() async throws -> [ResourceKind: Int] { try await base.countsByKind() }

    func countsByStatus() async throws -> [ResourceStatusCount] { try await base.countsByStatus() }

    func countsByScope() async throws -> [ResourceScope: Int] { try await base.countsByScope() }

    func contents() async throws -> StoreContents { try await base.contents() }

    func replaceAll(with contents: StoreContents) async throws { try await base.replaceAll(with: contents) }
}
