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

    public init(
        host: String = "127.0.0.1", port: Int = 9090, storage: Storage = .memory,
        operations: OperationsConfiguration = OperationsConfiguration(),
        defaultAccount: String = "123456789012", defaultRegion: String = "us-east-1",
        maxBodyBytes: Int = 1 << 20, schedulerInterval: Double = 0.02
    ) {
        self.host = host
        self.port = port
        self.storage = storage
        self.operations = operations
        self.defaultAccount = defaultAccount
        self.defaultRegion = defaultRegion
        self.maxBodyBytes = maxBodyBytes
        self.schedulerInterval = schedulerInterval
    }
}
