import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import SageMakerOperations
import SageMakerServer
import SageMakerStorage

/// Sends requests through a router's responder as the server does (errors that carry a response become that
/// response), with no socket and no HTTP client library: the tests build without AsyncHTTPClient and its TLS stack.
struct RouterClient {
    struct Response {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
    }

    let responder: RouterResponder<EmulatorRequestContext>
    let logger: Logger

    init(router: Router<EmulatorRequestContext>, logger: Logger) {
        responder = router.buildResponder()
        self.logger = logger
    }

    func execute<T>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer = ByteBuffer(),
        _ check: (Response) async throws -> T
    ) async throws -> T {
        let head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: uri, headerFields: headers)
        let request = Request(head: head, body: RequestBody(buffer: body))
        let context = EmulatorRequestContext(
            source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        let response: Hummingbird.Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let collected = Collected()
        try await response.body.write(CollectingWriter(into: collected))
        return try await check(Response(status: response.status, headers: response.headers, body: collected.buffer))
    }
}

/// A router over a fresh in-memory emulator, as `serve --in-memory` builds it (without the scheduler).
func withRouterClient<T>(
    maxBodyBytes: Int = 1 << 20, _ body: (RouterClient) async throws -> T
) async throws -> T {
    var configuration = EmulatorConfiguration(storage: .memory)
    configuration.maxBodyBytes = maxBodyBytes
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let service = try await SageMakerService.open(
        store: try SQLiteResourceStore(indexer: ResourceIndexing.indexer), clock: SystemClock(),
        configuration: configuration.operations)
    return try await body(
        RouterClient(
            router: buildRouter(service: service, configuration: configuration, logger: logger),
            logger: logger))
}

private final class Collected: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let into: Collected
    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        into.buffer.writeBuffer(&buffer)
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
