#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The address the server listens on, checked before anything else starts: a port already taken is said in one line
/// that names the address and the option that changes it, before the data directory is opened or created.
public enum ListenAddress {
    /// Why the address cannot be listened on.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds (with SO_REUSEADDR, as the server does) and closes a socket on every address `host` resolves to.
    public static func checkAvailable(host: String, port: Int) throws(Unavailable) {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(bare, String(port), &hints, &list) == 0, let first = list else {
            throw Unavailable(description: "--host \(host) is not an address of this machine.")
        }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            defer { entry = address.pointee.ai_next }
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var on: Int32 = 1
            _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
                let reason = errno
                let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
                switch reason {
                case EADDRINUSE:
                    throw Unavailable(
                        description: "\(shown):\(port) is already in use by another process: choose another port "
                            + "with --port (SAGEMAKER_EMULATOR_PORT), or stop that process.")
                case EACCES:
                    throw Unavailable(
                        description: "\(shown):\(port) needs privileges to listen on: choose a port above 1023 with "
                            + "--port (SAGEMAKER_EMULATOR_PORT).")
                case EADDRNOTAVAIL:
                    throw Unavailable(description: "--host \(host) is not an address of this machine.")
                default:
                    throw Unavailable(
                        description: "cannot listen on \(shown):\(port): \(String(cString: strerror(reason))).")
                }
            }
        }
    }
}
