import Foundation
import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is being committed wait and then share the next one,
/// so that concurrent writers pay for one fsync per batch instead of one each. Every write runs in its own
/// savepoint: one that throws is rolled back alone and gets its error; the others commit. A write of a single
/// statement can skip the savepoint (SQLite already undoes a failed statement alone). A write's caller
/// resumes only after the commit that holds it is durable.
///
/// The batches are committed by a thread of the committer's own, which GRDB's synchronous write runs on (a serial
/// queue's `sync` runs on its caller): a batch costs no task to create, no hop to GRDB's queue and none back. The
/// thread starts with the first write and ends after `linger` without one.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        /// Runs in its own savepoint.
        let isolated: Bool
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        /// The committing thread exists.
        var running = false
        /// It waits for `wakeup`, and the next job must signal it.
        var waiting = false
        /// Committing threads started so far (for tests).
        var started = 0
    }

    private let writer: any DatabaseWriter
    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    /// Upper bound of writes in one transaction.
    private let maxBatch = 256
    /// How long the committing thread waits for a write before it ends.
    private let linger: DispatchTimeInterval
    /// Told of every commit: how many writes it held and how long it took (metrics).
    private let observer: CommitObserver?

    /// Whether the committing thread exists, and how many were started (for tests).
    var threads: (running: Bool, started: Int) { queue.withLock { ($0.running, $0.started) } }

    init(writer: any DatabaseWriter, observer: CommitObserver? = nil, linger: DispatchTimeInterval = .milliseconds(250))
    {
        self.writer = writer
        self.linger = linger
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
                    } else if let value = result.value {
                        continuation.resume(returning: value)
                    } else {
                        continuation.resume(throwing: CancellationError())  // unreachable: a job ran or threw
                    }
                })
            enqueue(job)
        }
    }

    private func enqueue(_ job: Job) {
        enum Wake { case none, signal, start }
        let wake = queue.withLock { state -> Wake in
            state.jobs.append(job)
            if !state.running {
                state.running = true
                state.started += 1
                return .start
            }
            if state.waiting {
                state.waiting = false
                return .signal
            }
            return .none
        }
        switch wake {
        case .none: break
        case .signal: wakeup.signal()
        case .start:
            let thread = Thread { [self] in
                // Named for profiles and `top -H` (Foundation's `Thread.name` does not always reach Linux, and
                // Linux refuses a name longer than 15 bytes).
                try? Data("sm-commit".utf8).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
                run()
            }
            thread.start()
        }
    }

    /// The committing thread: batches until none has come for `linger`.
    private func run() {
        while true {
            let batch: [Job] = queue.withLock { state in
                let batch = Array(state.jobs.prefix(maxBatch))
                state.jobs.removeFirst(batch.count)
                if batch.isEmpty { state.waiting = true }
                return batch
            }
            if !batch.isEmpty {
                commit(batch)
                continue
            }
            if wakeup.wait(timeout: .now() + linger) == .success { continue }
            let ends = queue.withLock { state in
                // Still waiting: no job came, so none will signal; the next one starts a thread.
                guard state.waiting else { return false }
                state.waiting = false
                state.running = false
                return true
            }
            if ends { return }
            wakeup.wait()  // a job came and signals (or has signalled) after the time-out: take its signal
        }
    }

    private func commit(_ batch: [Job]) {
        var outcomes: [(any Error)?]
        let started = ContinuousClock.now
        do {
            outcomes = try writer.writeWithoutTransaction { db in
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

/// Called after each commit with the number of writes it held and its duration.
public typealias CommitObserver = @Sendable (_ writes: Int, _ duration: Duration) -> Void

/// Carries a write's result out of the database closure; written once, read after the commit.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
