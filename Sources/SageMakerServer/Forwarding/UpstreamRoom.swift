import AWSSigV4
import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
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
    /// Fault rules (an `operation` of the form `iam:CreateRole` names a forwarded one) and the request journal.
    let faults: FaultRules?
    let journal: RequestJournal?
    /// With `--auth verify`: the check every forwarded request passes first.
    let signatures: ForwardedSignatures?
    let defaultRegion: String
    /// While moto records its requests, they reach it one at a time: the recording's order is then the order moto
    /// drew its random ids in, and a replay makes the same ids.
    private let recordedTurns = KeyedTurns<Int>()
    let defaultAccount: String
    let metrics: EmulatorMetrics
    let logger: Logger

    init(
        forwarder: UpstreamForwarder?, endpoint: UpstreamEndpoint?, supervisor: MotoSupervisor?, requestIDs: RequestIDs,
        defaultAccount: String, defaultRegion: String = "us-east-1", faults: FaultRules? = nil,
        journal: RequestJournal? = nil, signatures: ForwardedSignatures? = nil, metrics: EmulatorMetrics,
        logger: Logger
    ) {
        self.signatures = signatures
        self.defaultRegion = defaultRegion
        self.faults = faults
        self.journal = journal
        self.forwarder = forwarder
        self.endpoint = endpoint
        self.supervisor = supervisor
        self.requestIDs = requestIDs
        self.defaultAccount = defaultAccount
        self.metrics = metrics
        self.logger = logger
    }

    static let sageMakerPrefix = Array((SageMakerOperationTable.targetPrefix + ".").utf8)
    /// S3's own request id header: an answer that has it needs no other.
    static let s3RequestId = HTTPField.Name("x-amz-request-id") ?? .amznRequestId

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
        let started = ContinuousClock.now
        let requestId = requestIDs.next()
        var request = request
        var refusal: ForwardedSignatures.Refusal?
        var (account, region) = (defaultAccount, defaultRegion)
        if let signatures {
            do {
                (account, region) = try await signatures.caller(of: &request, route: route)
            } catch let error as ForwardedSignatures.Refusal {
                refusal = error
            } catch let error as AWSError {
                refusal = ForwardedSignatures.Refusal(error.errorCode, error.message, error.httpStatus)
            }
        } else {
            (account, region) = caller(of: request)
        }
        let action = try? await Self.action(route, &request)
        let operation = "\(route.service ?? "unknown"):\(action ?? request.method.rawValue)"
        var response: Response
        let rule = refusal == nil
            ? faults?.requestFault(operation: operation, account: account, region: region, names: { [] }) : nil
        if let latency = rule?.latency { try await Task.sleep(for: .milliseconds(Int64(latency * 1000))) }
        if let refusal {
            response = ServiceErrors.response(
                route, code: refusal.code, message: refusal.message, status: refusal.status, requestId: requestId)
            metrics.forward(service: route.service, outcome: "refused")
        } else if let error = rule?.error {
            response = ServiceErrors.response(
                route, code: error.code, message: error.message ?? "", status: error.httpStatus ?? 400,
                requestId: requestId)
            metrics.forward(service: route.service, outcome: "faulted")
        } else {
            response = await forward(request, route: route, account: account, forwarder: forwarder)
        }
        if response.headers[.amznRequestId] == nil, response.headers[Self.s3RequestId] == nil {
            response.headers[.amznRequestId] = requestId
        }
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        journal?.append(RequestJournal.Entry(
            time: Date(), requestId: requestId, operation: operation, account: account, region: region,
            httpStatus: response.status.code, errorCode: refusal?.code ?? rule?.error?.code,
            milliseconds: Double(seconds) * 1000 + Double(attoseconds) / 1e15, fault: rule?.id))
        return response
    }

    /// The upstream's answer, or a 503 when it does not answer.
    private func forward(
        _ request: Request, route: AWSRequestRoute, account: String, forwarder: UpstreamForwarder
    ) async -> Response {
        do {
            let response: Response
            if supervisor?.recording != nil {
                response = try await recordedTurns.withTurn(0) {
                    try await forwarder.forward(request, account: account, service: route.service)
                }
            } else {
                response = try await forwarder.forward(request, account: account, service: route.service)
            }
            metrics.forward(service: route.service, outcome: "forwarded")
            return response
        } catch {
            metrics.forward(service: route.service, outcome: "unavailable")
            logger.warning("upstream unavailable", metadata: ["error": .string("\(error)")])
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Service Unavailable: \(error)\n")))
        }
    }

    /// The operation a forwarded request names: its target's, or its Query `Action` (from the query string, or from
    /// a form body, which is read whole, up to 1 MiB, and handed on); nil for REST calls.
    static func action(_ route: AWSRequestRoute, _ request: inout Request) async throws -> String? {
        switch route.wireProtocol {
        case .json:
            return request.headers.value(of: .amzTarget).flatMap { $0.split(separator: ".").last.map(String.init) }
        case .query, .ec2:
            if let action = request.uri.queryParameters.get("Action") { return action }
            // Only a form body of a known length up to 1 MiB is read; a larger one goes on unread, unnamed.
            guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true,
                  let length = request.headers[.contentLength].flatMap(Int.init), length <= 1 << 20
            else { return nil }
            let body = try await request.collectBody(upTo: 1 << 20)
            request.body = RequestBody(buffer: body)
            let form = String(buffer: body)
            for pair in form.split(separator: "&") where pair.hasPrefix("Action=") {
                return String(pair.dropFirst("Action=".count)).removingPercentEncoding
            }
            return nil
        case .rest:
            return nil
        }
    }

    /// The account (as `account(of:)`) and the region of the credential scope (else the default region).
    func caller(of request: Request) -> (account: String, region: String) {
        let region = request.headers[.authorization].flatMap { try? SigV4Authorization.parse($0) }?.region
        return (account(of: request), region ?? defaultRegion)
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
