import SageMakerOperations

/// Everything `buildApplication` needs; the executable fills it from options and environment variables.
public struct EmulatorConfiguration: Sendable {
    public enum Storage: Sendable, Equatable {
        /// `sagemaker.sqlite` in this directory (created if missing).
        case sqlite(directory: String)
        /// Nothing survives the process; for tests.
        case memory
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
    public var maxDocumentBytes: Int = 256 << 10
    /// Connections served at once; further clients wait in the listen queue until one closes. Lowered at start-up
    /// to fit the process's file descriptor limit.
    public var maxConnections: Int

    public init(
        host: String = "127.0.0.1", port: Int = 9090, storage: Storage = .memory,
        operations: OperationsConfiguration = OperationsConfiguration(),
        defaultAccount: String = "123456789012", defaultRegion: String = "us-east-1",
        maxBodyBytes: Int = 1 << 20, schedulerInterval: Double = 0.02, authentication: Authentication = .off,
        allowUnauthenticated: Bool = false, idleTimeout: Double = 60, requestTimeout: Double = 60,
        maxConnections: Int = 4096
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
