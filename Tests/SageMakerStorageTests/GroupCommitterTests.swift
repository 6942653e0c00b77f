import Foundation
import GRDB
import Testing

@testable import SageMakerStorage

/// The group committer's thread: started by a write, ended after its linger without one, started again by the next
/// write; writes that arrive together share commits and each gets its own outcome.
@Suite struct GroupCommitterTests {
    func database() throws -> DatabaseQueue {
        let database = try DatabaseQueue()
        try database.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER NOT NULL)") }
        return database
    }

    @Test func theThreadEndsWhenIdleAndTheNextWriteStartsAnother() async throws {
        let database = try database()
        let committer = GroupCommitter(writer: database, linger: .milliseconds(50))
        #expect(committer.threads.started == 0)
        try await committer.write(singleStatement: true) { db in try db.execute(sql: "INSERT INTO t VALUES (1)") }
        #expect(committer.threads.started == 1)
        let deadline = ContinuousClock.now + .seconds(5)
        while committer.threads.running, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!committer.threads.running)
        try await committer.write(singleStatement: true) { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(committer.threads.started == 2)
        #expect(try await database.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t ORDER BY v") } == [1, 2])
    }

    @Test func concurrentWritesAreAllCommittedAndAFailingOneAlone() async throws {
        struct Refused: Error {}
        let database = try database()
        // A linger shorter than the gaps between some writes, so that threads end and start while writes arrive.
        let committer = GroupCommitter(writer: database, linger: .milliseconds(1))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for value in 0..<500 {
                group.addTask {
                    if value % 50 == 0 { try? await Task.sleep(for: .milliseconds(3)) }
                    do {
                        try await committer.write { db in
                            try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                            if value % 100 == 7 { throw Refused() }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 5)
        let stored = try await database.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t") }
        #expect(Set(stored) == Set((0..<500).filter { $0 % 100 != 7 }))
    }
}
