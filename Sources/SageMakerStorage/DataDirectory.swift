import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A data directory owned by one process: created `0700`, locked with `flock` on `sagemaker.lock` for as long as
/// this value lives, so that a second server cannot open the same database (its cache would go stale).
public final class DataDirectory: Sendable {
    public let path: String
    private let lockDescriptor: Int32

    /// Why a directory cannot be used.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let lockPath = (path as NSString).appendingPathComponent("sagemaker.lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Unavailable(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var owner = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &owner, owner.count, 0)
            close(descriptor)
            let pid =
                count > 0
                ? String(decoding: owner[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                : "?"
            throw Unavailable(
                description: "the data directory \(path) is in use by another sagemaker-emulator process (pid \(pid)); "
                    + "stop it, or give this one another --data-dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        lockDescriptor = descriptor
    }

    /// The database file, created `0600` before SQLite opens it (its `-wal` and `-shm` files take the same mode).
    public func file(named name: String) -> String {
        let file = (path as NSString).appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: file) {
            _ = FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        return file
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(lockDescriptor)
    }
}
