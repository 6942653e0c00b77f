import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// `--upstream moto`: runs moto's server (`python3 -m moto.server`, installed by the user) on a free loopback port as
/// a child: started and answering before the emulator does, started again when it dies, stopped (SIGTERM, then
/// SIGKILL after 5 s) when the emulator stops. The child watches its parent and exits when it is gone, so that not
/// even a kill -9 of the emulator leaves it behind. AWS managed policies are loaded, as every real account has them.
///
/// Its state survives restarts when the emulator has a data directory: moto is seeded (`/moto-api/seed`, so that the
/// ids it makes follow from the requests it is sent) and records every request into `recording`; a moto started
/// again (the emulator restarted, or moto after a crash) is seeded the same way and replays the recording, which
/// makes the same resources with the same ids, before it answers.
final class MotoSupervisor: Service, Sendable {
    let endpoint: UpstreamEndpoint
    let python: String
    let logger: Logger
    /// The file moto records its requests into (in the data directory); nil: nothing is kept.
    let recording: String?
    /// The seed of moto's random ids: the same at every start, so that a replay makes the same ids.
    static let seed = 20_261_206
    private let child = Mutex<Process?>(nil)
    private let stopping = Atomic<Bool>(false)
    /// A new moto is being started on purpose (`renew`): the old one's end is not a crash.
    private let renewing = Atomic<Bool>(false)

    /// What runs in the child: a thread that ends it when its parent (this emulator) is gone, then moto's server.
    static let launcher = """
        import os, sys, threading, time, runpy
        parent = os.getppid()
        def watch():
            while os.getppid() == parent:
                time.sleep(0.25)
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        sys.argv = ["moto.server", "-H", "127.0.0.1", "-p", sys.argv[1]]
        runpy.run_module("moto.server", run_name="__main__")
        """

    init(endpoint: UpstreamEndpoint, recording: String?, python: String = "python3", logger: Logger) {
        self.endpoint = endpoint
        self.recording = recording
        self.python = python
        self.logger = logger
    }

    /// Starts moto and waits until it answers (at most `timeout` seconds).
    func start(timeout: Double = 60) async throws {
        let port = try Self.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.launcher, String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        if let recording { environment["MOTO_RECORDER_FILEPATH"] = recording }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = { [weak self] ended in self?.ended(ended) }
        do {
            try process.run()
        } catch {
            throw UpstreamUnavailable(description: "cannot run \(python) -m moto.server: \(error)")
        }
        child.withLock { $0 = process }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw UpstreamUnavailable(
                    description: "moto's server exited at start (status \(process.terminationStatus)); install it with "
                        + "pip install \"moto[server]\"")
            }
            if Self.answers(port: port) {
                try await restore(base: "http://127.0.0.1:\(port)")
                endpoint.set("http://127.0.0.1:\(port)")
                logger.notice(
                    "upstream moto answering", metadata: ["port": "\(port)", "pid": "\(process.processIdentifier)"])
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw UpstreamUnavailable(description: "moto's server did not answer within \(Int(timeout)) s")
    }

    /// Seeds moto, replays what it recorded before (when there is a recording), and starts recording.
    private func restore(base: String) async throws {
        try await call(base, "/moto-api/seed?a=\(Self.seed)")
        guard let recording else { return }
        let size = (try? FileManager.default.attributesOfItem(atPath: recording)[.size] as? Int) ?? 0
        if size > 0 {
            let started = ContinuousClock.now
            try await call(base, "/moto-api/recorder/replay-recording", timeout: .seconds(600))
            logger.notice(
                "upstream moto state restored",
                metadata: [
                    "recording": .string(recording), "bytes": "\(size)",
                    "duration": "\(ContinuousClock.now - started)",
                ])
        }
        try await call(base, "/moto-api/recorder/start-recording")
    }

    /// Forgets everything moto holds (a full reset of the emulator). With a recording, moto starts again as a new
    /// process on an empty one (`renew`); without, it is reset in place and seeded again.
    func reset() async throws {
        if recording != nil { return try await renew(recording: Data()) }
        guard let base = endpoint.url else { return }
        try await call(base, "/moto-api/reset")
        try await call(base, "/moto-api/seed?a=\(Self.seed)")
    }

    /// Starts moto again as a new process with `data` as its recording, which it replays: its state is then exactly
    /// what a replay of that recording makes at the emulator's next start. (A reset inside moto makes an account's
    /// default VPC and subnets at once, before the seed; a new process makes them at the first EC2 call, after it,
    /// as the replay does, so ids match only this way.) The caller holds forwarded requests back meanwhile.
    func renew(recording data: Data) async throws {
        renewing.store(true, ordering: .relaxed)
        defer { renewing.store(false, ordering: .relaxed) }
        endpoint.set(nil)
        if let process = child.withLock({ $0 }), process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        if let recording { try data.write(to: URL(fileURLWithPath: recording), options: .atomic) }
        try await start()
    }

    private func call(_ base: String, _ path: String, timeout: TimeAmount = .seconds(30)) async throws {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw UpstreamUnavailable(description: "moto answered \(response.status.code) to \(path)")
        }
    }

    /// Runs until the service group shuts down, then stops moto.
    func run() async throws {
        try? await gracefulShutdown()
        stop()
    }

    /// Stops the child and waits for it (SIGKILL after 5 s).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        guard let process = child.withLock({ $0 }), process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The child ended: unless the emulator is stopping, say so and start it again.
    private func ended(_ process: Process) {
        guard !stopping.load(ordering: .relaxed), !renewing.load(ordering: .relaxed),
            child.withLock({ $0 === process })
        else { return }
        endpoint.set(nil)
        logger.error(
            "upstream moto exited; starting it again",
            metadata: ["status": "\(process.terminationStatus)", "pid": "\(process.processIdentifier)"])
        Task {
            var pause = 0.2
            while !stopping.load(ordering: .relaxed) {
                do {
                    try await start()
                    return
                } catch {
                    logger.error("upstream moto did not start", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(Int64(pause * 1000)))
                    pause = min(pause * 2, 5)
                }
            }
        }
    }

    /// Whether something accepts connections on the loopback port.
    static func answers(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw UpstreamUnavailable(description: "no socket for a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw UpstreamUnavailable(description: "no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
