import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends a request for another service to the upstream engine and its answer back unchanged (status, headers and
/// body, streamed both ways), with the account the emulator derived from the request as moto reads it
/// (`x-moto-account-id`). The connections to the upstream are kept and reused.
final class UpstreamForwarder: Sendable {
    let client: HTTPClient
    let logger: Logger
    private let endpoint: UpstreamEndpoint

    /// Headers of one hop only (RFC 9110, 7.6.1), never passed on.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    init(endpoint: UpstreamEndpoint, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        client = HTTPClient(
            eventLoopGroup: eventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        self.endpoint = endpoint
        self.logger = logger
    }

    /// The upstream's answer to `request`, made in `account`.
    func forward(_ request: Request, account: String, timeout: TimeAmount = .seconds(300)) async throws -> Response {
        guard let base = endpoint.url else { throw UpstreamUnavailable(description: "the upstream is not running") }
        let target = request.uri.string
        var upstream = HTTPClientRequest(url: base + (target.hasPrefix("/") ? "" : "/") + target)
        upstream.method = HTTPMethod(rawValue: request.method.rawValue)
        // `Host` becomes the upstream's own (the client's would make S3 read a virtual-hosted bucket from it);
        // neither moto nor LocalStack checks signatures, which cover it.
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            upstream.headers.add(name: field.name.rawName, value: field.value)
        }
        upstream.headers.replaceOrAdd(name: "x-moto-account-id", value: account)
        if request.method != .get, request.method != .head {
            let length = request.headers[.contentLength].flatMap(Int64.init)
            upstream.body = .stream(request.body, length: length.map { .known($0) } ?? .unknown)
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(upstream, timeout: timeout, logger: logger)
        } catch {
            throw UpstreamUnavailable(description: "the upstream at \(base) did not answer: \(error)")
        }
        var headers = HTTPFields()
        for header in answer.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase),
            headers: headers, body: ResponseBody(asyncSequence: answer.body))
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}

/// The upstream could not be reached: the caller gets a 503 it may retry.
struct UpstreamUnavailable: Error, CustomStringConvertible {
    let description: String
}

/// Where the upstream answers: a fixed URL (`--upstream http://...`), or the supervised moto's port once it runs.
final class UpstreamEndpoint: Sendable {
    private let current: Mutex<String?>
    /// `moto` when the emulator runs it, else `url`.
    let kind: String

    init(url: String?, kind: String) {
        current = Mutex(url)
        self.kind = kind
    }

    var url: String? { current.withLock { $0 } }

    func set(_ url: String?) { current.withLock { $0 = url } }
}
