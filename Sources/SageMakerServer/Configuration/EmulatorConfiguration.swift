import NIOCore
import SageMakerOperations

/// Everything `buildApplication` needs; the executable fills it from the options (`EmulatorOptions`).
public struct EmulatorConfiguration: Sendable {
    public enum Storage: Sendable, Equatable {
        /// `sagemaker.sqlite` in this directory (created if missing).
        case sqlite(directory: String)
        /// Nothing survives the process; for tests.
        case memory
        /// A PostgreSQL database (`postgres://...`), which several replicas may share.
        case postgres(url: String)
    }

    public var host: String
    public var port: Int
    public var storage: Storage
    public var operations: OperationsConfiguration
    /// The account of unsigned requests and of access keys that are not 12 digits.
    public var defaultAccount: String
    /// The region of unsigned requests.
    public var defaultRegion: String
    /// Request bodies larger than this are refused with HTTP 413 before they are read whole.
    public var maxBodyBytes: Int
    /// Seconds between scheduler passes over due status transitions.
    public var schedulerInterval: Double
    /// How requests prove who they are.
    public var authentication: Authentication
    /// Serve without authentication on an address other than loopback (refused unless set).
    public var allowUnauthenticated: Bool
    /// Seconds a connection may stay without traffic (between requests, or in the middle of one) before it is closed.
    public var idleTimeout: Double
    /// Seconds a request has to arrive whole, from its first header byte to the end of its body.
    public var requestTimeout: Double
    /// The largest stored document (a resource's Describe form with its tags), in bytes.
    public var maxDocumentBytes: Int = EmulatorOptions.maxDocumentBytes.defaultValue
    /// Connections served at once; further clients wait in the listen queue until one closes. Lowered at start-up
    /// to fit the process's file descriptor limit.
    public var maxConnections: Int
    /// A state file to start from (`GET /_emulator/state`): it replaces what the store holds.
    public var stateFile: String?
    /// The secret that opens the control API to callers beyond loopback; required for it under `--auth verify`.
    public var adminKey: String?
    /// The control API also answers callers beyond loopback without the admin key (`--control-access any`).
    public var controlFromAnyCaller = false
    /// Where requests for other services go: `moto` (a supervised child) or an endpoint URL; nil: answered with an
    /// error that says how to set one.
    public var upstream: String?
    /// Seconds a PostgreSQL database has at start-up to answer and be migrated.
    public var databaseTimeout: Double = EmulatorOptions.databaseTimeout.defaultValue
    /// Connections the PostgreSQL store opens and keeps.
    public var databaseConnections: Int = EmulatorOptions.databaseConnections.defaultValue
    /// NIO event loop threads; `nil` is half the cores, at least one.
    public var eventLoops: Int? = EmulatorOptions.eventLoops.defaultValue

    /// The event loop threads `eventLoops` asks for: half the cores by default (the requests themselves run on
    /// Swift's cooperative pool, one thread per core; on 2 cores one loop wakes less often and serves more).
    public var eventLoopThreads: Int { eventLoops ?? max(1, System.coreCount / 2) }
    /// Requests the request journal keeps.
    public var journalSize: Int = EmulatorOptions.journalSize.defaultValue

    public init(
        host: String = EmulatorOptions.host.defaultValue, port: Int = EmulatorOptions.port.defaultValue,
        storage: Storage = .memory, operations: OperationsConfiguration = OperationsConfiguration(),
        defaultAccount: String = EmulatorOptions.defaultAccount.defaultValue,
        defaultRegion: String = EmulatorOptions.defaultRegion.defaultValue,
        maxBodyBytes: Int = EmulatorOptions.maxBodyBytes.defaultValue, schedulerInterval: Double = 0.02,
        authentication: Authentication = .off, allowUnauthenticated: Bool = false,
        idleTimeout: Double = EmulatorOptions.idleTimeout.defaultValue,
        requestTimeout: Double = EmulatorOptions.requestTimeout.defaultValue,
        maxConnections: Int = EmulatorOptions.maxConnections.defaultValue
    ) {
        self.host = host
        self.port = port
        self.storage = storage
        self.operations = operations
        self.defaultAccount = defaultAccount
        self.defaultRegion = defaultRegion
        self.maxBodyBytes = maxBodyBytes
        self.schedulerInterval = schedulerInterval
        self.authentication = authentication
        self.allowUnauthenticated = allowUnauthenticated
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
    }

    /// Whether `host` only reaches this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
