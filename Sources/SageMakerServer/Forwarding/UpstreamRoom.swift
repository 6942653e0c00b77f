import AWSSigV4
import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
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
        let rule =
            refusal == nil
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
        settle(
            &response.headers, status: response.status.code,
            Settled(
                requestId: requestId, operation: operation, account: account, region: region, started: started,
                errorCode: refusal?.code ?? rule?.error?.code, fault: rule?.id))
        return response
    }

    /// What the journal keeps of a forwarded request, whichever path answered it.
    struct Settled {
        let requestId: String
        let operation: String
        let account: String
        let region: String
        let started: ContinuousClock.Instant
        var errorCode: String? = nil
        var fault: String? = nil
        /// `quick` (`ForwardingHandler`) or `router` (`answer`), said in the debug log.
        var path = "router"
    }

    /// The answer's request id (the upstream's own, else ours) and its entry in the journal.
    func settle(_ headers: inout HTTPFields, status: Int, _ settled: Settled) {
        if headers[.amznRequestId] == nil, headers[Self.s3RequestId] == nil {
            headers[.amznRequestId] = settled.requestId
        }
        let (seconds, attoseconds) = (ContinuousClock.now - settled.started).components
        journal?.append(
            RequestJournal.Entry(
                time: Date(), requestId: settled.requestId, operation: settled.operation, account: settled.account,
                region: settled.region, httpStatus: status, errorCode: settled.errorCode,
                milliseconds: Double(seconds) * 1000 + Double(attoseconds) / 1e15, fault: settled.fault))
        logger.debug(
            "forwarded",
            metadata: [
                "request_id": .string(settled.requestId), "operation": .string(settled.operation),
                "status": .stringConvertible(status), "path": .string(settled.path),
            ])
    }

    /// A request `ForwardingHandler` may send on by itself, on its connection's event loop: it needs none of what
    /// only this room's path does (a signature check, moto's recorded turns, a fault rule, S3's streaming, a body
    /// of unknown length), and names its service.
    struct QuickForward {
        var request: Request
        let route: AWSRequestRoute
        let target: UpstreamEndpoint.Target
        let address: SocketAddress
        let connections: UpstreamConnections
    }

    /// The quick path for a request whose head is `head`, when it may take it.
    func quickForward(_ head: HTTPRequest) -> QuickForward? {
        guard let forwarder, signatures == nil, supervisor?.recording == nil, faults?.hasRequestRules != true,
            let target = endpoint?.target, let address = target.address,
            head.headerFields[.expect] == nil, head.headerFields[.transferEncoding] == nil
        else { return nil }
        if let length = head.headerFields[.contentLength] {
            guard let bytes = Int64(length), bytes <= UpstreamForwarder.wholeBodyBytes else { return nil }
        }
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        let route = AWSRequestRoute(request)
        guard !route.isServedHere, let service = route.service, service != "s3" else { return nil }
        return QuickForward(
            request: request, route: route, target: target, address: address, connections: forwarder.connections)
    }

    /// The 503 of an upstream that did not answer, counted and logged.
    func unavailable(_ error: any Error, service: String?) -> (HTTPFields, ByteBuffer) {
        metrics.forward(service: service, outcome: "unavailable")
        logger.warning("upstream unavailable", metadata: ["error": .string("\(error)")])
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return (headers, ByteBuffer(string: "Service Unavailable: \(error)\n"))
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
            let (headers, body) = unavailable(error, service: route.service)
            return Response(status: .serviceUnavailable, headers: headers, body: ResponseBody(byteBuffer: body))
        }
    }

    /// The operation a forwarded request names: its target's, or its Query `Action` (from the query string, or from
    /// a form body, which is read whole, up to 1 MiB, and handed on); nil for REST calls.
    static func action(_ route: AWSRequestRoute, _ request: inout Request) async throws -> String? {
        guard readsForm(route, request) else { return action(route, request, form: nil) }
        let body = try await request.collectBody(upTo: 1 << 20)
        request.body = RequestBody(buffer: body)
        return action(route, request, form: body)
    }

    /// Whether the operation's name is in a form body: a Query call whose `Action` is not in its query string, with
    /// a form body of a known length up to 1 MiB (a larger one goes on unread, unnamed).
    static func readsForm(_ route: AWSRequestRoute, _ request: Request) -> Bool {
        guard route.wireProtocol == .query || route.wireProtocol == .ec2,
            request.uri.queryParameters.get("Action") == nil,
            request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true,
            let length = request.headers[.contentLength].flatMap(Int.init)
        else { return false }
        return length <= 1 << 20
    }

    /// The operation named by the target, the query string's `Action`, or that of `form` (the body, when
    /// `readsForm`).
    static func action(_ route: AWSRequestRoute, _ request: Request, form: ByteBuffer?) -> String? {
        switch route.wireProtocol {
        case .json:
            return request.headers.value(of: .amzTarget).flatMap { $0.split(separator: ".").last.map(String.init) }
        case .query, .ec2:
            if let action = request.uri.queryParameters.get("Action") { return action }
            guard let form else { return nil }
            for pair in String(buffer: form).split(separator: "&") where pair.hasPrefix("Action=") {
                return String(pair.dropFirst("Action=".count)).removingPercentEncoding
            }
            return nil
        case .rest:
            return nil
        }
    }

    // MARK: - The upstream's part of a state snapshot

    /// The `upstream` member of a state snapshot: moto's recording, when the emulator runs moto and keeps one (a
    /// replay of it makes the same resources with the same ids); else what the snapshot does not hold, and why.
    struct SnapshotPart {
        let engine: String
        let recording: String?
        let reason: String?

        /// The snapshot's `upstream` member, checked before anything is changed.
        init(member: Any) throws(InvalidStateSnapshot) {
            guard let part = member as? [String: Any], let engine = part["engine"] as? String,
                let held = part["held"] as? Bool,
                Set(part.keys).isSubset(of: ["engine", "held", "recording", "reason"])
            else {
                throw InvalidStateSnapshot(
                    description: "The state's upstream must be {\"engine\", \"held\", \"recording\" or \"reason\"}.")
            }
            self.engine = engine
            reason = part["reason"] as? String
            guard held else {
                recording = nil
                return
            }
            guard engine == "moto", let recording = part["recording"] as? String else {
                throw InvalidStateSnapshot(description: "A held upstream is moto's, with its recording.")
            }
            // Each line of the recording is one JSON object, as moto writes them.
            for line in recording.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
                guard (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any] else {
                    throw InvalidStateSnapshot(description: "The upstream's recording has a line that is not JSON.")
                }
            }
            self.recording = recording
        }

        var object: [String: Any] {
            var object: [String: Any] = ["engine": engine, "held": recording != nil]
            if let recording { object["recording"] = recording }
            if let reason { object["reason"] = reason }
            return object
        }

        init(engine: String, recording: String?, reason: String?) {
            self.engine = engine
            self.recording = recording
            self.reason = reason
        }
    }

    /// A full reset's part: moto forgets everything, with forwarded requests held back meanwhile.
    func resetUpstream() async throws {
        guard let supervisor else { return }
        if supervisor.recording != nil {
            try await recordedTurns.withTurn(0) { try await supervisor.reset() }
        } else {
            try await supervisor.reset()
        }
    }

    /// What a snapshot holds of the upstream; nil without one.
    func snapshotPart() async throws -> [String: Any]? {
        guard let endpoint else { return nil }
        guard let supervisor, let recording = supervisor.recording else {
            let reason =
                endpoint.kind == "moto"
                ? "moto runs without a recording here (--in-memory or --database-url): nothing of it is kept"
                : "an upstream given by URL keeps its own state; this snapshot holds none of it"
            return SnapshotPart(engine: endpoint.kind, recording: nil, reason: reason).object
        }
        // No forwarded request runs meanwhile: the recording and moto's state agree.
        let text = await recordedTurns.withTurn(0) {
            (try? String(contentsOfFile: recording, encoding: .utf8)) ?? ""
        }
        return SnapshotPart(engine: "moto", recording: text, reason: nil).object
    }

    /// Puts a snapshot's upstream part in force: moto starts again from its recording. Returns what was done, for
    /// the answer (nil: no upstream, and none in the snapshot).
    func restore(_ part: SnapshotPart?) async throws -> String? {
        guard let supervisor, supervisor.recording != nil else {
            guard endpoint != nil || part != nil else { return nil }
            return part?.recording == nil
                ? "unchanged"
                : "not restored: this emulator keeps no upstream recording (--upstream moto on a data "
                    + "directory does)"
        }
        guard let recording = part?.recording else {
            return "unchanged: the state holds no upstream recording"
        }
        try await recordedTurns.withTurn(0) { try await supervisor.renew(recording: Data(recording.utf8)) }
        return "restored"
    }

    /// The account of the access key (`account(key:)`: the `Authorization` header's, or a presigned query's) and the
    /// region of the header's credential scope (else the default region).
    func caller(of request: Request) -> (account: String, region: String) {
        var key: String?
        var region: String?
        if let authorization = request.headers[.authorization] {
            let parsed = try? SigV4Authorization.parse(authorization)
            (key, region) = (parsed?.accessKeyId, parsed?.region)
        } else if let credential = request.uri.queryParameters.get("X-Amz-Credential") {
            key = credential.split(separator: "/").first.map(String.init)
        }
        return (account(key: key), region ?? defaultRegion)
    }

    /// The account the emulator derives from an access key id, as for its own operations: a 12-digit key is that
    /// account, any other key (or none) the default one.
    func account(key: String?) -> String {
        guard let key, key.utf8.count == 12, key.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return defaultAccount }
        return key
    }
}
