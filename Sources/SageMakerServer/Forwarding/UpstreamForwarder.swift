import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Sends a request for another service to the upstream engine and its answer back unchanged (status, headers and
/// body, streamed both ways), with the account the emulator derived from the request as moto reads it
/// (`x-moto-account-id`). The connections to the upstream are kept and reused.
final class UpstreamForwarder: Sendable {
    let client: HTTPClient
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    /// Connections opened ahead for `UpstreamExchange`, shared with the quick path.
    let connections = UpstreamConnections()
    private let endpoint: UpstreamEndpoint

    /// Headers of one hop only (RFC 9110, 7.6.1), never passed on.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    /// Bodies up to this size (from their Content-Length) are handed on whole; larger ones, or of unknown length,
    /// stream both ways.
    static let wholeBodyBytes: Int64 = 1 << 20

    init(endpoint: UpstreamEndpoint, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        client = HTTPClient(
            eventLoopGroup: eventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        self.eventLoopGroup = eventLoopGroup
        self.endpoint = endpoint
        self.logger = logger
    }

    /// The upstream's answer to `request`, made in `account`. A call with a small body of known length to an
    /// upstream at an IP address goes by `UpstreamExchange`, S3's calls and every other through the HTTP client,
    /// streamed both ways.
    func forward(
        _ request: Request, account: String, service: String?, timeout: TimeAmount = .seconds(300)
    ) async throws -> Response {
        guard let target = endpoint.target else {
            throw UpstreamUnavailable(description: "the upstream is not running")
        }
        let length = request.headers[.contentLength].flatMap(Int64.init)
        let bodyless = request.method == .get || request.method == .head
        if let address = target.address, service != "s3",
            bodyless || (length.map { $0 <= Self.wholeBodyBytes } ?? false)
        {
            return try await exchange(request, account: account, target: target, address: address, timeout: timeout)
        }
        return try await stream(request, account: account, base: target.url, length: length, timeout: timeout)
    }

    private func exchange(
        _ request: Request, account: String, target: UpstreamEndpoint.Target, address: SocketAddress,
        timeout: TimeAmount
    ) async throws -> Response {
        var request = request
        var body: ByteBuffer?
        if request.method != .get, request.method != .head {
            body = try await request.collectBody(upTo: Int(Self.wholeBodyBytes))
        }
        let head = Self.upstreamHead(request.head, target: target, account: account, bodyBytes: body?.readableBytes)
        let answer: UpstreamExchange.Answer
        do {
            answer = try await UpstreamExchange.run(
                head, body: body, to: address, on: eventLoopGroup.any(), connections: connections, timeout: timeout)
        } catch {
            throw UpstreamUnavailable(description: "the upstream at \(target.url) did not answer: \(error)")
        }
        let response = Self.response(answer)
        return Response(
            status: response.status, headers: response.headerFields, body: ResponseBody(byteBuffer: answer.body))
    }

    /// The head sent upstream for a request read whole: the upstream's `Host`, the caller's headers less those of
    /// one hop, the account as moto reads it, `Connection: close`, and the body's length (nil: GET and HEAD).
    static func upstreamHead(
        _ request: HTTPRequest, target: UpstreamEndpoint.Target, account: String, bodyBytes: Int?
    ) -> HTTPRequestHead {
        var head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: request.path ?? "/")
        head.headers.reserveCapacity(request.headerFields.count + 3)
        head.headers.add(name: "Host", value: target.authority)
        for field in request.headerFields where !Self.hopByHop.contains(field.name.canonicalName) {
            head.headers.add(name: field.name.rawName, value: field.value)
        }
        head.headers.replaceOrAdd(name: "x-moto-account-id", value: account)
        head.headers.add(name: "Connection", value: "close")
        if let bodyBytes { head.headers.replaceOrAdd(name: "Content-Length", value: String(bodyBytes)) }
        return head
    }

    /// The head of the answer given back: the upstream's status and headers, less those of one hop.
    static func response(_ answer: UpstreamExchange.Answer) -> HTTPResponse {
        HTTPResponse(
            status: HTTPResponse.Status(
                code: Int(answer.head.status.code), reasonPhrase: answer.head.status.reasonPhrase),
            headerFields: answerHeaders(answer.head.headers))
    }

    private func stream(
        _ request: Request, account: String, base: String, length: Int64?, timeout: TimeAmount
    ) async throws -> Response {
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
            upstream.body = .stream(request.body, length: length.map { .known($0) } ?? .unknown)
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(upstream, timeout: timeout, logger: logger)
        } catch {
            throw UpstreamUnavailable(description: "the upstream at \(base) did not answer: \(error)")
        }
        return Response(
            status: HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase),
            headers: Self.answerHeaders(answer.headers), body: ResponseBody(asyncSequence: answer.body))
    }

    /// The upstream's answer headers, less those of one hop.
    static func answerHeaders(_ fields: HTTPHeaders) -> HTTPFields {
        var headers = HTTPFields()
        for header in fields where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return headers
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
    /// The URL, and what a connection of its own needs: the address when the host is an IP address (else nil: the
    /// HTTP client resolves the name), and the `Host` to send.
    struct Target: Sendable {
        let url: String
        let address: SocketAddress?
        let authority: String

        init(url: String) {
            self.url = url
            let parts = URLComponents(string: url)
            let host = parts?.host ?? ""
            let port = parts?.port ?? (parts?.scheme == "https" ? 443 : 80)
            authority = (parts?.percentEncodedHost ?? host) + (parts?.port.map { ":\($0)" } ?? "")
            address = parts?.scheme == "http" ? try? SocketAddress(ipAddress: host, port: port) : nil
        }
    }

    private let current: Mutex<Target?>
    /// `moto` when the emulator runs it, else `url`.
    let kind: String

    init(url: String?, kind: String) {
        current = Mutex(url.map(Target.init))
        self.kind = kind
    }

    var url: String? { current.withLock { $0?.url } }
    var target: Target? { current.withLock { $0 } }

    func set(_ url: String?) { current.withLock { $0 = url.map(Target.init) } }
}
