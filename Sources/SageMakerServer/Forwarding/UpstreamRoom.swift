import AWSSigV4
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SageMakerModel
import SageMakerStorage

/// What the emulator does with a request that is not for a SageMaker operation it serves: with an upstream, sends it
/// there (SageMaker operations outside the family too); without one, answers a request for another service with an
/// error in that service's protocol. A request that names no service stays on the AWS path.
final class UpstreamRoom: Sendable {
    let forwarder: UpstreamForwarder?
    let endpoint: UpstreamEndpoint?
    /// The moto this emulator runs, when it runs one.
    let supervisor: MotoSupervisor?
    let requestIDs: RequestIDs
    /// While moto records its requests, they reach it one at a time: the recording's order is then the order moto
    /// drew its random ids in, and a replay makes the same ids.
    private let recordedTurns = KeyedTurns<Int>()
    let defaultAccount: String
    let metrics: EmulatorMetrics
    let logger: Logger

    init(
        forwarder: UpstreamForwarder?, endpoint: UpstreamEndpoint?, supervisor: MotoSupervisor?, requestIDs: RequestIDs,
        defaultAccount: String, metrics: EmulatorMetrics, logger: Logger
    ) {
        self.forwarder = forwarder
        self.endpoint = endpoint
        self.supervisor = supervisor
        self.requestIDs = requestIDs
        self.defaultAccount = defaultAccount
        self.metrics = metrics
        self.logger = logger
    }

    static let sageMakerPrefix = Array((SageMakerOperationTable.targetPrefix + ".").utf8)

    /// The answer to `request` when it is not the AWS path's; nil when it is.
    func answer(_ request: Request) async throws -> Response? {
        // The hot path: without an upstream, every SageMaker call is the AWS path's, served or not.
        if forwarder == nil, request.headers.value(of: .amzTarget)?.utf8.starts(with: Self.sageMakerPrefix) == true {
            return nil
        }
        let route = AWSRequestRoute(request)
        if route.isServedHere { return nil }
        guard let forwarder else {
            if route.isSageMaker || route.service == nil { return nil }
            metrics.forward(service: route.service, outcome: "no_upstream")
            return ServiceErrors.noUpstream(route, requestId: requestIDs.next())
        }
        // A POST / naming no service and no operation is a malformed SageMaker call: the AWS path refuses it.
        if route.service == nil, request.method == .post, request.uri.path == "/", !AWSRequestRoute.isQuery(request) {
            return nil
        }
        do {
            let response: Response
            if supervisor?.recording != nil {
                response = try await recordedTurns.withTurn(0) {
                    try await forwarder.forward(request, account: account(of: request))
                }
            } else {
                response = try await forwarder.forward(request, account: account(of: request))
            }
            metrics.forward(service: route.service, outcome: "forwarded")
            return response
        } catch let error as UpstreamUnavailable {
            metrics.forward(service: route.service, outcome: "unavailable")
            logger.warning("upstream unavailable", metadata: ["error": .string(error.description)])
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.amznRequestId] = requestIDs.next()
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Service Unavailable: \(error.description)\n")))
        }
    }

    /// The account the emulator derives from the request, as for its own operations: a 12-digit access key id is
    /// that account, any other key (or none) the default one.
    func account(of request: Request) -> String {
        var key: String?
        if let authorization = request.headers[.authorization] {
            key = (try? SigV4Authorization.parse(authorization))?.accessKeyId
        } else if let credential = request.uri.queryParameters.get("X-Amz-Credential") {
            key = credential.split(separator: "/").first.map(String.init)
        }
        guard let key, key.utf8.count == 12, key.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return defaultAccount }
        return key
    }
}
