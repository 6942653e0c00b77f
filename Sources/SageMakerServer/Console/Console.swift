import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import SageMakerOperations
import SageMakerStorage

/// The web console at `/_emulator/console`: server-rendered pages (Mustache) of accounts and regions, domains with
/// their profiles, spaces, apps, settings and update history, the fault rules and the request journal. No
/// JavaScript: a page that shows a status in motion refreshes itself.
struct Console<Store: ResourceStore>: Sendable {
    let store: Store
    let controls: EmulatorControls
    let journal: RequestJournal
    /// The engine behind the emulator (`--upstream`), shown on the home page.
    let upstream: UpstreamEndpoint?
    let library: MustacheLibrary

    init(store: Store, controls: EmulatorControls, journal: RequestJournal, upstream: UpstreamEndpoint? = nil) throws {
        self.store = store
        self.controls = controls
        self.journal = journal
        self.upstream = upstream
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// The statuses a resource moves out of by itself: a page showing one refreshes every second.
    static var moving: Set<String> {
        ["Pending", "Updating", "Deleting", "CREATING", "UPDATING", "DELETING", "Creating", "Starting", "Stopping"]
    }

    func addRoutes(to api: RouterGroup<EmulatorRequestContext>) {
        api.get("console") { _, _ in try await home() }
        api.get("console/scopes/:account/:region") { _, context in
            try await scope(
                ResourceScope(
                    account: context.parameters.get("account") ?? "", region: context.parameters.get("region") ?? ""))
        }
        api.get("console/domains/:account/:region/:id") { _, context in
            try await domain(
                ResourceScope(
                    account: context.parameters.get("account") ?? "", region: context.parameters.get("region") ?? ""),
                id: context.parameters.get("id") ?? "")
        }
        api.get("console/faults") { _, _ in faults() }
        api.get("console/requests") { _, _ in requests() }
    }

    func home() async throws -> Response {
        let scopes = try await store.countsByScope()
            .sorted { ($0.key.account, $0.key.region) < ($1.key.account, $1.key.region) }
            .map { scope, count -> [String: Any] in
                [
                    "account": scope.account, "region": scope.region, "count": count,
                    "link": "/_emulator/console/scopes/\(Self.path(scope.account))/\(Self.path(scope.region))",
                ]
            }
        var values: [String: Any] = ["scopes": scopes, "hasScopes": !scopes.isEmpty]
        if let upstream {
            let url = upstream.url
            values["upstream"] = [
                "engine": upstream.kind, "url": url ?? "(not started)", "status": url == nil ? "down" : "up",
            ]
            values["services"] = forwardedByService()
        }
        return page("Accounts and regions", "home", values)
    }

    /// The forwarded requests the journal holds (`service:Operation`), by service: how many, and how many failed.
    func forwardedByService() -> [[String: Any]] {
        var counts: [String: (requests: Int, errors: Int)] = [:]
        for entry in journal.entries {
            guard let colon = entry.operation.firstIndex(of: ":") else { continue }
            let service = String(entry.operation[..<colon])
            counts[service, default: (0, 0)].requests += 1
            if entry.httpStatus >= 400 { counts[service, default: (0, 0)].errors += 1 }
        }
        return counts.sorted { $0.key < $1.key }.map { service, count in
            ["service": service, "requests": count.requests, "errors": count.errors]
        }
    }

    func scope(_ scope: ResourceScope) async throws -> Response {
        let domains = try await store.list(.domain, scope: scope, parentId: nil, after: 0, limit: 1000)
        let rows = domains.map { record -> [String: Any] in
            let document = Self.object(record.document)
            return [
                "name": document["DomainName"] as? String ?? record.nameKey, "id": record.id, "status": record.status,
                "created": Self.time(document["CreationTime"]),
                "link":
                    "/_emulator/console/domains/\(Self.path(scope.account))/\(Self.path(scope.region))/\(Self.path(record.id))",
            ]
        }
        let moving = domains.contains { Self.moving.contains($0.status) }
        return page(
            "\(scope.account) · \(scope.region)", "scope", ["domains": rows, "hasDomains": !rows.isEmpty],
            refresh: moving)
    }

    func domain(_ scope: ResourceScope, id: String) async throws -> Response {
        guard let record = try await store.fetch(.domain, scope: scope, id: id) else {
            return page("Domain \(id)", "scope", ["domains": [], "hasDomains": false], status: .notFound)
        }
        let document = Self.object(record.document)
        let profiles = try await store.list(.userProfile, scope: scope, parentId: id, after: 0, limit: 1000)
        let spaces = try await store.list(.space, scope: scope, parentId: id, after: 0, limit: 1000)
        let apps = try await store.page(ResourcePageQuery(.app, scope: scope, parent: .prefix(id + "/"), limit: 1000))
            .map(\.resource)
        func named(_ records: [StoredResource]) -> [[String: Any]] {
            records.map { ["name": $0.nameKey, "status": $0.status] }
        }
        let appRows = apps.map { app -> [String: Any] in
            let parts = app.id.split(separator: "/").map(String.init)
            return [
                "owner": parts.count > 1 ? parts[1] : "", "type": parts.count > 2 ? parts[2] : "",
                "name": parts.last ?? "", "status": app.status,
            ]
        }
        let arn = document["DomainArn"] as? String ?? ""
        var values: [String: Any] = [:]
        values["failureReason"] = document["FailureReason"] as? String
        let history = (controls.history.events(arn: arn) ?? []).reversed().map { event -> [String: Any] in
            [
                "time": ControlAPI<Store>.timestamp(event.time), "event": event.event,
                "statusBefore": event.statusBefore ?? "", "statusAfter": event.statusAfter ?? "gone",
                "accessKeyId": event.accessKeyId ?? "", "requestId": event.requestId ?? "",
                "changes": event.changes.filter { $0.path != "Status" }.map { change in
                    ["path": change.path, "before": change.before?.json ?? "", "after": change.after?.json ?? ""]
                },
            ]
        }
        let settings =
            (try? JSONSerialization.data(
                withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        let everything = [record] + profiles + spaces + apps
        values.merge(
            [
                "status": record.status, "arn": arn, "profiles": named(profiles), "hasProfiles": !profiles.isEmpty,
                "spaces": named(spaces), "hasSpaces": !spaces.isEmpty, "apps": appRows, "hasApps": !apps.isEmpty,
                "history": Array(history), "settings": settings,
            ]
        ) { _, new in new }
        return page(
            "Domain \(document["DomainName"] as? String ?? id)", "domain", values,
            refresh: everything.contains { Self.moving.contains($0.status) })
    }

    func faults() -> Response {
        let rules = controls.faults.rules.map { rule -> [String: Any] in
            let effect: String =
                if let error = rule.error {
                    "error \(error.code) (HTTP \(error.httpStatus ?? 400))"
                        + (rule.latency.map { " after \($0) s" } ?? "")
                } else if let failure = rule.failTransition {
                    "transition ends \(failure.status ?? "")"
                } else {
                    "latency \(rule.latency ?? 0) s"
                }
            return [
                "id": rule.id ?? "", "operation": rule.operation ?? "any", "account": rule.account ?? "any",
                "resource": rule.resource ?? "any", "effect": effect, "probability": rule.probability ?? 1,
                "count": rule.count.map(String.init) ?? "unlimited", "hits": rule.hits ?? 0,
            ]
        }
        return page("Fault rules", "faults", ["rules": rules, "hasRules": !rules.isEmpty])
    }

    func requests() -> Response {
        let rows = journal.entries.suffix(200).reversed().map { entry -> [String: Any] in
            [
                "time": ControlAPI<Store>.timestamp(entry.time), "operation": entry.operation, "account": entry.account,
                "region": entry.region, "status": entry.httpStatus, "errorCode": entry.errorCode ?? "",
                "milliseconds": String(format: "%.3f", entry.milliseconds), "fault": entry.fault ?? "",
            ]
        }
        return page("Requests", "requests", ["requests": Array(rows)])
    }

    /// A page: `template` rendered with `values`, inside the layout.
    func page(
        _ title: String, _ template: String, _ values: [String: Any], refresh: Bool = false,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body, "version": EmulatorVersion.description]
        if refresh { layout["refresh"] = 1 }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func object(_ document: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: document) as? [String: Any]) ?? [:]
    }

    static func time(_ value: Any?) -> String {
        guard let seconds = value as? Double else { return "" }
        return ControlAPI<SQLiteResourceStore>.timestamp(Date(timeIntervalSince1970: seconds))
    }

    /// A path segment, percent-encoded.
    static func path(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? text
    }
}
