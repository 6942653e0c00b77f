import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is being committed wait and then share the next one,
/// so that concurrent writers pay for one fsync per batch instead of one each. Every write runs in its own
/// savepoint: one that throws is rolled back alone and gets its error; the others commit. A write of a single
/// statement can skip the savepoint (SQLite already undoes a failed statement alone). A write's caller
/// resumes only after the commit that holds it is durable.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        /// Runs in its own savepoint.
        let isolated: Bool
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let queue = Mutex(Queue())
    /// Upper bound of writes in one transaction.
    private let maxBatch = 256
    /// Told of every commit: how many writes it held and how long it took (metrics).
    private let observer: CommitObserver?

    init(writer: any DatabaseWriter, observer: CommitObserver? = nil) {
        self.writer = writer
        self.observer = observer
    }

    /// Runs `body` in the next transaction. `singleStatement`: the body executes one statement at most, so it needs
    /// no savepoint of its own.
    func write<T: Sendable>(
        singleStatement: Bool = false, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = ResultSlot<T>()
            let job = Job(
                isolated: !singleStatement,
                run: { db in result.value = try body(db) },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume(returning: result.value!)
                    }
                })
            let startDraining = queue.withLock { state in
                state.jobs.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDraining {
                Task.detached { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let batch: [Job] = queue.withLock { state in
                let batch = Array(state.jobs.prefix(maxBatch))
                state.jobs.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            var outcomes: [(any Error)?]
            let started = ContinuousClock.now
            do {
                outcomes = try await writer.writeWithoutTransaction { db in
                    var outcomes = [(any Error)?](repeating: nil, count: batch.count)
                    try db.inTransaction(.immediate) {
                        for (index, job) in batch.enumerated() {
                            do {
                                if job.isolated {
                                    try db.inSavepoint {
                                        try job.run(db)
                                        return .commit
                                    }
                                } else {
                                    try job.run(db)
                                }
                            } catch {
                                outcomes[index] = error
                                // A failure that ended the transaction itself (disk full, I/O error) fails the batch.
                                if !db.isInsideTransaction { throw error }
                            }
                        }
                        return .commit
                    }
                    return outcomes
                }
            } catch {
                // The commit itself failed: nothing of the batch was written.
                outcomes = [(any Error)?](repeating: error, count: batch.count)
            }
            observer?(batch.count, ContinuousClock.now - started)
            for (job, outcome) in zip(batch, outcomes) {
                job.finish(outcome)
            }
        }
    }
}

/// Called after each commit with the number of writes it held and its duration.
public typealias CommitObserver = @Sendable (_ writes: Int, _ duration: Duration) -> Void

/// Carries a write's result out of the database closure; written once, read after the commit.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
