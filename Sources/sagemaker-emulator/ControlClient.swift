import Foundation

#if canImport(Glibc)
import Glibc
private let systemConnect = Glibc.connect
private let systemSend = Glibc.send
#elseif canImport(Darwin)
import Darwin
private let systemConnect = Darwin.connect
private let systemSend = Darwin.send
#endif

/// A minimal HTTP/1.1 client for the control API of a running emulator: one request per connection, plain HTTP
/// (the emulator serves no TLS), no dependency beyond the C library.
struct ControlClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let host: String
    let port: Int
    let adminKey: String?

    /// `http://host:port` (a trailing slash is fine).
    init(endpoint: String, adminKey: String?) throws {
        guard let url = URL(string: endpoint), url.scheme == "http", let host = url.host else {
            throw Failure(description: "--endpoint must be an http:// URL, such as http://127.0.0.1:9090")
        }
        self.host = host
        port = url.port ?? 80
        self.adminKey = adminKey
    }

    func send(_ method: String, _ path: String, body: Data? = nil) throws -> (status: Int, body: Data) {
        let socket = try connect()
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        head += "Accept: application/json\r\nContent-Length: \(body?.count ?? 0)\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        if let adminKey { head += "Authorization: Bearer \(adminKey)\r\n" }
        head += "\r\n"
        try write(socket, Data(head.utf8) + (body ?? Data()))
        return try Self.parse(read(socket))
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            candidate = info.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port): is the emulator running?")
    }

    private func write(_ socket: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let sent = systemSend(socket, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { throw Failure(description: "the connection closed while sending") }
                offset += sent
            }
        }
    }

    private func read(_ socket: Int32) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0 { throw Failure(description: "the connection failed while reading") }
            if count == 0 { return data }
            data.append(contentsOf: buffer[..<count])
        }
    }

    /// The status and body of a whole response (Content-Length or read to the end).
    static func parse(_ response: Data) throws -> (status: Int, body: Data) {
        guard let end = response.firstRange(of: Data("\r\n\r\n".utf8)) else {
            throw Failure(description: "the emulator's answer is not an HTTP response")
        }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "the emulator's answer has no status")
        }
        return (status, Data(response[end.upperBound...]))
    }
}
