import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle
import Synchronization

/// The store a configuration names, created and migrated if needed. A PostgreSQL store's pool runs until it is
/// closed (`PostgresResourceStore.close`, or as a service of the application).
func openStore(
    _ storage: EmulatorConfiguration.Storage, maxDocumentBytes: Int = SQLiteResourceStore.defaultMaxDocumentBytes,
    databaseTimeout: Double = EmulatorOptions.databaseTimeout.defaultValue,
    databaseConnections: Int = EmulatorOptions.databaseConnections.defaultValue, commitObserver: CommitObserver? = nil,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
) async throws -> any ResourceStore {
    switch storage {
    case .memory:
        return try SQLiteResourceStore(
            maxDocumentBytes: maxDocumentBytes, commitObserver: commitObserver, indexer: ResourceIndexing.indexer)
    case .sqlite(let directory):
        return try SQLiteResourceStore(
            directory: DataDirectory(path: directory), maxDocumentBytes: maxDocumentBytes,
            commitObserver: commitObserver,
            indexer: ResourceIndexing.indexer)
    case .postgres(let url):
        do {
            return try await PostgresResourceStore.open(
                url: url, maxDocumentBytes: maxDocumentBytes, maximumConnections: databaseConnections,
                timeout: databaseTimeout, commitObserver: commitObserver,
                indexer: ResourceIndexing.indexer, eventLoopGroup: eventLoopGroup, logger: logger)
        } catch let error as PostgresStoreFailure {
            throw UnsafeConfiguration(description: "--database-url \(storage.logDescription): \(error.description)")
        } catch {
            throw UnsafeConfiguration(
                description:
                    "cannot open the PostgreSQL database \(storage.logDescription): \(String(reflecting: error))")
        }
    }
}

/// Replaces what `store` holds with a state file's resources (`serve --state`).
func loadState(_ path: String, into store: some ResourceStore) async throws {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw UnsafeConfiguration(description: "cannot read the state file \(path): \(error.localizedDescription)")
    }
    do {
        try await store.replaceAll(with: try StateSnapshot.decode(data))
    } catch let error as InvalidStateSnapshot {
        throw UnsafeConfiguration(description: "the state file \(path): \(error.description)")
    } catch let error as StoreConflict {
        throw UnsafeConfiguration(description: "the state file \(path) cannot be stored: \(error)")
    }
}
