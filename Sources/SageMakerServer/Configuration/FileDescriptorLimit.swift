#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors, which bounds how many connections can be served at once.
public enum FileDescriptorLimit {
    /// Descriptors kept for the database, its WAL, the lock, logs and the runtime's own.
    static let reserved = 64

    /// Raises the soft limit to the hard one (the common soft limit of 1024 runs out long before memory does);
    /// returns the soft limit now in force.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The connections that fit under `softLimit` beside the reserved descriptors, at most `wanted`.
    public static func connections(wanted: Int, softLimit: Int) -> Int {
        max(1, min(wanted, softLimit - reserved))
    }
}
