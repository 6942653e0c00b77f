import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// The control API under `/_emulator/` (docs/control-api.md): JSON in and out, beside the AWS API and off its path.
struct ControlAPI<Store: ResourceStore>: Sendable {
    let store: Store
    let service: SageMakerService<Store>
    let scheduler: StatusScheduler<Store>
    let clock: SteerableClock
    let journal: RequestJournal
    let metrics: EmulatorMetrics
    let storeDescription: String
    let started: ContinuousClock.Instant
    let console: Console<Store>
    /// Requests for other services and their upstream (`--upstream`): its health, and its part of a full reset and
    /// of a state snapshot.
    let upstreamRoom: UpstreamRoom
    var upstream: UpstreamEndpoint? { upstreamRoom.endpoint }

    var controls: EmulatorControls { service.controls }

    /// The largest body the control API reads (a state snapshot of many resources). Reading a snapshot takes up to
    /// about 30 times its size in memory (JSON objects, then documents), so 128 MiB stays within a few GiB; a larger
    /// state is started from with `serve --state FILE`.
    static var maxBodyBytes: Int { 128 << 20 }

    func addRoutes(to router: Router<EmulatorRequestContext>) {
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = metrics.exposition(resources: try await store.countsByStatus())
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        let api = router.group("_emulator")
        console.addRoutes(to: api)
        api.get("health") { _, _ in try await health() }
        api.post("reset") { request, _ in try await reset(request) }
        api.get("state") { _, _ in try await exportState() }
        api.put("state") { request, _ in try await importState(request) }
        api.get("delays") { _, _ in Self.json(delayObject(controls.delays)) }
        api.put("delays") { request, _ in try await setDelays(request) }
        api.get("holds") { _, _ in Self.json(["holds": controls.holds]) }
        api.post("holds") { request, _ in try await hold(request) }
        api.delete("holds") { request, _ in release(request) }
        api.post("transitions/complete") { _, _ in
            Self.json(["completed": try await scheduler.completeAll()])
        }
        api.get("clock") { _, _ in clockObject() }
        api.post("clock") { request, _ in try await steerClock(request) }
        api.get("faults") { _, _ in try Self.json(encoding: ["rules": controls.faults.rules]) }
        api.post("faults") { request, _ in try await addFault(request) }
        api.delete("faults") { _, _ in
            controls.faults.removeAll()
            return Response(status: .noContent)
        }
        api.delete("faults/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard controls.faults.remove(id: id) else { throw ControlError(.notFound, "There is no fault rule \(id).") }
            return Response(status: .noContent)
        }
        api.get("history") { request, _ in try history(request) }
        api.get("requests") { request, _ in try requests(request) }
    }

    // MARK: - Health, reset and state

    func health() async throws -> Response {
        let counts: [ResourceKind: Int]
        do {
            counts = try await store.countsByKind()
        } catch {
            return Self.json(
                ["status": "unavailable", "message": "The store cannot be read: \(error)"],
                status: .serviceUnavailable)
        }
        var resources: [String: Int] = [:]
        for kind in ResourceKind.allCases { resources[kind.rawValue] = counts[kind] ?? 0 }
        let uptime = ContinuousClock.now - started
        var upstreamObject: Any = NSNull()
        if let upstream {
            let url = upstream.url
            let object: [String: Any] = [
                "engine": upstream.kind, "url": url.map { $0 as Any } ?? NSNull(), "status": url == nil ? "down" : "up",
            ]
            upstreamObject = object
        }
        return Self.json([
            "upstream": upstreamObject,
            "status": "ok", "version": EmulatorVersion.release, "botocoreVersion": EmulatorVersion.botocore,
            "uptimeSeconds": Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
            "store": storeDescription, "resources": resources,
        ])
    }

    func reset(_ request: Request) async throws -> Response {
        let body = try await Self.object(request, members: ["account", "region"], allowEmpty: true)
        let account = try Self.string(body, "account")
        let region = try Self.string(body, "region")
        if region != nil, account == nil { throw ControlError(.badRequest, "A region is reset within an account.") }
        let removed = try await store.removeAll(account: account, region: region)
        service.forgetDecodedDocuments()
        controls.reset(account: account, region: region)
        journal.removeAll(account: account, region: region)
        if account == nil {
            clock.resetOffset()
            try await upstreamRoom.resetUpstream()
        }
        return Self.json(["removedResources": removed])
    }

    func exportState() async throws -> Response {
        var extra: [String: Any] = [:]
        if let part = try await upstreamRoom.snapshotPart() { extra["upstream"] = part }
        let data = try StateSnapshot.encode(
            try await store.contents(), generator: EmulatorVersion.description, exportedAt: clock.now(), extra: extra)
        return Self.response(data, status: .ok)
    }

    func importState(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodyBytes)
        let contents: StoreContents
        let upstreamPart: UpstreamRoom.SnapshotPart?
        do {
            let decoded = try StateSnapshot.decodeWithUpstream(Data(body.readableBytesView))
            contents = decoded.contents
            upstreamPart = try decoded.upstream.map { member throws(InvalidStateSnapshot) in
                try UpstreamRoom.SnapshotPart(member: member)
            }
        } catch {
            throw ControlError(.badRequest, error.description)
        }
        do {
            try await store.replaceAll(with: contents)
        } catch StoreConflict.nameTaken {
            throw ControlError(.badRequest, "The state names one resource (or one name among siblings) twice.")
        } catch StoreConflict.documentTooLarge(let bytes, let limit) {
            throw ControlError(
                .badRequest, "A resource of \(bytes) bytes is over the limit of \(limit) (--max-document-bytes).")
        }
        service.forgetDecodedDocuments()
        controls.forgetResources()
        let upstreamOutcome: String?
        do {
            upstreamOutcome = try await upstreamRoom.restore(upstreamPart)
        } catch {
            throw ControlError(
                .serviceUnavailable, "The Studio resources were restored; the upstream's recording was not: \(error)")
        }
        var answer: [String: Any] = ["resources": contents.resources.count, "counters": contents.counters.count]
        if let upstreamOutcome { answer["upstream"] = upstreamOutcome }
        return Self.json(answer)
    }

    // MARK: - Delays, holds, clock

    static var delayFields: [(String, WritableKeyPath<StatusDelays, Double>)] {
        StatusDelays.fields.map { ($0.name, $0.keyPath) }
    }

    func delayObject(_ delays: StatusDelays) -> [String: Any] {
        var object: [String: Any] = [:]
        for (name, path) in Self.delayFields { object[name] = delays[keyPath: path] }
        return object
    }

    func setDelays(_ request: Request) async throws -> Response {
        let body = try await Self.object(request, members: Set(Self.delayFields.map(\.0)))
        var delays = controls.delays
        for (name, path) in Self.delayFields {
            guard let value = body[name] else { continue }
            guard let seconds = Self.number(value), seconds.isFinite, seconds >= 0, seconds <= 86_400
            else { throw ControlError(.badRequest, "\(name) must be a number of seconds from 0 to 86400.") }
            delays[keyPath: path] = seconds
        }
        controls.setDelays(delays)
        return Self.json(delayObject(delays))
    }

    func hold(_ request: Request) async throws -> Response {
        let body = try await Self.object(request, members: ["resource"])
        guard let resource = try Self.string(body, "resource"), !resource.isEmpty else {
            throw ControlError(.badRequest, "Name the resource to hold: {\"resource\": \"<id or ARN>\"}.")
        }
        guard try await service.resourceExists(named: resource) else {
            throw ControlError(
                .notFound, "There is no resource \(resource): name one by its ARN or its id (d-..., d-.../profile).")
        }
        controls.hold(resource)
        return Self.json(["holds": controls.holds])
    }

    func release(_ request: Request) -> Response {
        if let resource = request.uri.queryParameters.get("resource") {
            guard controls.release(resource) else {
                return Self.json(["error": "NotFound", "message": "\(resource) is not held."], status: .notFound)
            }
        } else {
            for held in controls.holds { controls.release(held) }
        }
        return Self.json(["holds": controls.holds])
    }

    func clockObject() -> Response {
        Self.json(["now": Self.timestamp(clock.now()), "offsetSeconds": clock.offsetSeconds])
    }

    func steerClock(_ request: Request) async throws -> Response {
        let body = try await Self.object(request, members: ["advance", "reset"])
        // Times stay finite and within what a state file may hold: the clock never passes the end of year 9999.
        let room = StateSnapshot.latestTime - clock.now().timeIntervalSince1970
        if body["reset"] as? Bool == true, body.count == 1 {
            clock.resetOffset()
        } else if body.count == 1, let seconds = body["advance"].flatMap(Self.number), seconds.isFinite, seconds >= 0,
            seconds <= room
        {
            clock.advance(by: seconds)
        } else {
            throw ControlError(
                .badRequest,
                "Send {\"advance\": <seconds, from 0 to \(Int(max(0, room)))>} or {\"reset\": true}.")
        }
        return clockObject()
    }

    // MARK: - Faults, history, journal

    func addFault(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let rule: FaultRule
        do {
            rule = try JSONDecoder().decode(FaultRule.self, from: Data(body.readableBytesView))
        } catch {
            throw ControlError(.badRequest, "The fault rule is not valid JSON of its form (docs/control-api.md).")
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] {
            try Self.refuseUnknownMembers(object, members: FaultRule.members)
            if let error = object["error"] as? [String: Any] {
                try Self.refuseUnknownMembers(error, members: FaultRule.errorMembers, in: " in error")
            }
            if let failure = object["failTransition"] as? [String: Any] {
                try Self.refuseUnknownMembers(
                    failure, members: FaultRule.failTransitionMembers, in: " in failTransition")
            }
        }
        let added: FaultRule
        do {
            added = try controls.faults.add(rule)
        } catch {
            throw ControlError(.badRequest, error.description)
        }
        return try Self.json(encoding: added, status: .created)
    }

    func history(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        if let arn = query.get("arn") {
            guard let events = controls.history.events(arn: arn) else {
                throw ControlError(.badRequest, "\(arn) is not an ARN of this service's resources.")
            }
            return Self.json(["arn": arn, "events": events.map(Self.eventObject)])
        }
        var kind: ResourceKind?
        if let name = query.get("resourceType") {
            guard let named = ResourceKind(rawValue: name) else {
                throw ControlError(
                    .badRequest,
                    "resourceType must be one of "
                        + ResourceKind.allCases.map(\.rawValue).joined(separator: ", ") + ".")
            }
            kind = named
        }
        let events = controls.history.events(
            account: query.get("account"), region: query.get("region"), kind: kind, limit: try Self.limit(query))
        return Self.json(["events": events.map(Self.eventObject)])
    }

    static func eventObject(_ event: HistoryEvent) -> [String: Any] {
        var object: [String: Any] = [
            "sequence": event.sequence, "time": timestamp(event.time), "arn": event.arn,
            "resourceType": event.resourceType, "event": event.event, "account": event.account, "region": event.region,
            "changes": event.changes.map { change in
                [
                    "path": change.path, "before": change.before.map(fragmentValue) ?? NSNull(),
                    "after": change.after.map(fragmentValue) ?? NSNull(),
                ] as [String: Any]
            },
        ]
        object["requestId"] = event.requestId ?? NSNull()
        object["accessKeyId"] = event.accessKeyId ?? NSNull()
        object["statusBefore"] = event.statusBefore ?? NSNull()
        object["statusAfter"] = event.statusAfter ?? NSNull()
        return object
    }

    static func fragmentValue(_ fragment: JSONFragment) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(fragment.json.utf8), options: .fragmentsAllowed)) ?? NSNull()
    }

    func requests(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let status = try query.get("status").map { text in
            guard let code = Int(text) else { throw ControlError(.badRequest, "status is an HTTP status code.") }
            return code
        }
        let (operation, account, region, errorCode) =
            (query.get("operation"), query.get("account"), query.get("region"), query.get("errorCode"))
        let faulted = query.get("faulted").map { $0 == "true" }
        let matching = journal.entries.filter { entry in
            (operation.map { entry.operation == $0 } ?? true) && (account.map { entry.account == $0 } ?? true)
                && (region.map { entry.region == $0 } ?? true) && (status.map { entry.httpStatus == $0 } ?? true)
                && (errorCode.map { entry.errorCode == $0 } ?? true)
                && (faulted.map { (entry.fault != nil) == $0 } ?? true)
        }
        let entries = matching.suffix(try Self.limit(query)).map { entry -> [String: Any] in
            [
                "time": Self.timestamp(entry.time), "requestId": entry.requestId, "operation": entry.operation,
                "account": entry.account, "region": entry.region, "httpStatus": entry.httpStatus,
                "errorCode": entry.errorCode ?? NSNull(), "milliseconds": entry.milliseconds,
                "fault": entry.fault ?? NSNull(),
            ]
        }
        return Self.json(["requests": Array(entries)])
    }

    // MARK: - JSON

    static func limit(_ query: Parameters) throws -> Int {
        guard let text = query.get("limit") else { return 100 }
        guard let limit = Int(text), limit > 0 else { throw ControlError(.badRequest, "limit is a positive number.") }
        return limit
    }

    /// The request's JSON object, whose members must all be among `members`: a misspelled member is refused, never
    /// ignored (a reset of `{"acount": ...}` would otherwise reset every account).
    static func object(
        _ request: Request, members: Set<String>, allowEmpty: Bool = false
    ) async throws -> [String: Any] {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        if body.readableBytes == 0, allowEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw ControlError(.badRequest, "The body must be a JSON object.")
        }
        try refuseUnknownMembers(object, members: members)
        return object
    }

    static func refuseUnknownMembers(_ object: [String: Any], members: Set<String>, in place: String = "") throws {
        if let unknown = object.keys.filter({ !members.contains($0) }).sorted().first {
            throw ControlError(
                .badRequest,
                "Unknown member \"\(unknown)\"\(place); the members are "
                    + members.sorted().joined(separator: ", ") + ".")
        }
    }

    /// A JSON number (never a boolean), however Foundation handed it over.
    static func number(_ value: Any) -> Double? {
        // Foundation on Linux answers `1 is Bool` with true; its booleans are a class of their own.
        if let number = value as? NSNumber {
            return String(describing: type(of: number)).contains("Boolean") ? nil : number.doubleValue
        }
        if value is Bool { return nil }
        return (value as? Int).map(Double.init) ?? (value as? Double)
    }

    static func string(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String else { throw ControlError(.badRequest, "\(key) must be a string.") }
        return text
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return response(data, status: status)
    }

    static func json(encoding value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return response(try encoder.encode(value), status: status)
    }

    static func response(_ data: Data, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
