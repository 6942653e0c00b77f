import Foundation
import Testing

@testable import SageMakerStorage

/// Durability and the bounds on what requests can make the store and its caches hold.
@Suite struct StorageLimitsTests {
    let scope = ResourceScope(account: "111111111111", region: "us-east-1")

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sm-limits-\(UUID().uuidString)").path
    }

    func resource(_ id: String, bytes: Int) -> StoredResource {
        let document = "{\"a\":\"" + String(repeating: "x", count: max(0, bytes - 8)) + "\"}"
        return StoredResource(
            kind: .domain, scope: scope, id: id, nameKey: id, status: "InService", document: Data(document.utf8))
    }

    /// GRDB's pool sets `synchronous = NORMAL` on its writer when it switches to WAL; the store must win.
    @Test func theWriterCommitsWithSynchronousFull() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteResourceStore(directory: DataDirectory(path: directory))
        #expect(try await store.writerSynchronousSetting() == 2)
        _ = try await store.insert(resource("d-1", bytes: 10), limit: nil)
        #expect(try await store.writerSynchronousSetting() == 2)
        // Savepoints' undo journals in memory (2 = MEMORY), not in a temporary file written at every write.
        #expect(try await store.writerSetting("temp_store") == 2)
    }

    @Test func aDataDirectoryHasOneOwnerAndIsPrivate() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var first: DataDirectory? = try DataDirectory(path: directory)
        let error = #expect(throws: DataDirectory.Unavailable.self) { try DataDirectory(path: directory) }
        #expect(error?.description.contains("pid \(getpid())") == true)
        let file = try #require(first).file(named: "sagemaker.sqlite")
        let mode = { (path: String) in
            ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue
        }
        #expect(mode(directory) == 0o700)
        #expect(mode(file) == 0o600)
        first = nil
        #expect(throws: Never.self) { _ = try DataDirectory(path: directory) }
    }

    @Test func documentsOverTheLimitAreRefusedAndChangeNothing() async throws {
        let store = try SQLiteResourceStore(maxDocumentBytes: 1000)
        await #expect(throws: StoreConflict.documentTooLarge(bytes: 2000, limit: 1000)) {
            _ = try await store.insert(resource("d-big", bytes: 2000), limit: nil)
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-big") == nil)
        let small = try await store.insert(resource("d-1", bytes: 100), limit: nil)
        let grown = resource("d-1", bytes: 5000).document
        await #expect(throws: StoreConflict.self) {
            _ = try await store.mutate(.domain, scope: scope, id: "d-1") { $0?.document = grown }
        }
        await #expect(throws: StoreConflict.self) {
            try await store.transaction { transaction in
                var changed = small
                changed.document = grown
                try transaction.update(changed)
            }
        }
        #expect(try await store.fetch(.domain, scope: scope, id: "d-1") == small)
    }

    @Test func theResourceCacheIsBoundedByBytes() {
        let cache = ResourceCache(capacity: 1_000_000, capacityBytes: 1 << 20)
        for index in 0..<200 {
            let key = ResourceCache.Key(kind: .domain, scope: scope, id: "d-\(index)")
            cache.written(key, resource("d-\(index)", bytes: 100_000), stamp: cache.nextStamp())
            #expect(cache.usage.bytes <= 1 << 20)
        }
        // An entry larger than a quarter of the budget is not kept at all.
        let key = ResourceCache.Key(kind: .domain, scope: scope, id: "huge")
        cache.written(key, resource("huge", bytes: 400_000), stamp: cache.nextStamp())
        #expect(cache.lookup(key) == nil)
    }

    @Test func aWholesaleRemovalRefusesCacheFillsThatBeganBeforeIt() {
        let cache = ResourceCache(capacity: 1_000, capacityBytes: 1 << 20)
        let key = ResourceCache.Key(kind: .domain, scope: scope, id: "d-1")
        cache.written(key, resource("d-1", bytes: 10), stamp: cache.nextStamp())
        // A read that began before the reset (it saw the old row) and a write committed before it arrive late.
        let readBegan = cache.currentStamp
        let writtenBefore = cache.nextStamp()
        cache.invalidateAll(stamp: cache.nextStamp())
        #expect(cache.lookup(key) == nil)
        cache.read(key, resource("d-1", bytes: 10), stamp: readBegan)
        cache.written(key, resource("d-1", bytes: 10), stamp: writtenBefore)
        #expect(cache.lookup(key) == nil)
        // A read that began while the reset was committing carries its stamp, and is refused too.
        cache.read(key, resource("d-1", bytes: 10), stamp: cache.currentStamp)
        #expect(cache.lookup(key) == nil)
        // Writes after it fill the cache again.
        cache.written(key, nil, stamp: cache.nextStamp())
        #expect(cache.lookup(key) == .some(nil))
    }
}
