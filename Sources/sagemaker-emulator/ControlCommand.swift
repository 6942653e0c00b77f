import ArgumentParser
import Foundation

/// `sagemaker-emulator control ...`: the control API of a running emulator from the command line
/// (docs/control-api.md). Prints the JSON answer; exits 1 when the emulator refuses the call.
struct Control: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call the control API (/_emulator/) of a running emulator.",
        subcommands: [
            Health.self, Reset.self, State.self, Delays.self, Hold.self, Release.self, Holds.self, Complete.self,
            Clock.self, Faults.self, History.self, Requests.self,
        ])
}

/// Where the emulator is and how to open its control API.
struct Connection: ParsableArguments {
    @Option(help: "the emulator's URL (env: SAGEMAKER_EMULATOR_ENDPOINT; else port SAGEMAKER_EMULATOR_PORT or 9090)")
    var endpoint: String = Self.defaultEndpoint

    /// The endpoint of an emulator started with the same environment (a container's health check).
    static var defaultEndpoint: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["SAGEMAKER_EMULATOR_ENDPOINT"]
            ?? "http://127.0.0.1:\(environment["SAGEMAKER_EMULATOR_PORT"] ?? "9090")"
    }

    @Option(help: "the admin key, when the emulator has one (env: SAGEMAKER_EMULATOR_ADMIN_KEY)")
    var adminKey: String?

    /// Sends one call and prints its answer; a refusal is printed to standard error and exits 1.
    func call(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, output: String? = nil) throws {
        let key = adminKey ?? ProcessInfo.processInfo.environment["SAGEMAKER_EMULATOR_ADMIN_KEY"]
        let client = try ControlClient(endpoint: endpoint, adminKey: key)
        let payload = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? body
        let (status, answer) = try client.send(method, "/_emulator/" + path, body: payload)
        if status >= 400 {
            FileHandle.standardError.write(answer + Data("\n".utf8))
            throw ExitCode(1)
        }
        if let output {
            try answer.write(to: URL(fileURLWithPath: output))
        } else if !answer.isEmpty {
            FileHandle.standardOutput.write(answer + Data("\n".utf8))
        }
    }
}

/// `a=b&c=d` from the options that are set, percent-encoded.
func query(_ items: [(String, String?)]) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+:/")
    let parts = items.compactMap { name, value in
        value.map { name + "=" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) }
    }
    return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
}

extension Control {
    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Status, version, uptime, store and resource counts.")
        @OptionGroup var connection: Connection
        func run() throws { try connection.call("GET", "health") }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every resource, fault, hold and history entry; or only one account's (and region's).")
        @OptionGroup var connection: Connection
        @Option(help: "only this account") var account: String?
        @Option(help: "only this region of the account") var region: String?
        func run() throws {
            var body: [String: String] = [:]
            body["account"] = account
            body["region"] = region
            try connection.call("POST", "reset", json: body)
        }
    }

    struct State: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the whole state to a file (get) or replace it with a file's (put).")
        @OptionGroup var connection: Connection
        @Argument(help: "get or put") var action: String
        @Argument(help: "the state file") var file: String
        func run() throws {
            switch action {
            case "get": try connection.call("GET", "state", output: file)
            case "put": try connection.call("PUT", "state", body: try Data(contentsOf: URL(fileURLWithPath: file)))
            default: throw ValidationError("the action is get or put")
            }
        }
    }

    struct Delays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the transition delays, or set some: domainCreate=5 appCreate=0.5 ...")
        @OptionGroup var connection: Connection
        @Argument(help: "name=seconds pairs") var settings: [String] = []
        func run() throws {
            if settings.isEmpty { return try connection.call("GET", "delays") }
            var body: [String: Double] = [:]
            for setting in settings {
                let parts = setting.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let seconds = Double(parts[1]) else {
                    throw ValidationError("\(setting) is not name=seconds")
                }
                body[String(parts[0])] = seconds
            }
            try connection.call("PUT", "delays", json: body)
        }
    }

    struct Hold: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep a resource (id or ARN) in its status.")
        @OptionGroup var connection: Connection
        @Argument var resource: String
        func run() throws { try connection.call("POST", "holds", json: ["resource": resource]) }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a held resource, or every one.")
        @OptionGroup var connection: Connection
        @Argument var resource: String?
        func run() throws { try connection.call("DELETE", "holds" + query([("resource", resource)])) }
    }

    struct Holds: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the held resources.")
        @OptionGroup var connection: Connection
        func run() throws { try connection.call("GET", "holds") }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Complete every pending status transition now.")
        @OptionGroup var connection: Connection
        func run() throws { try connection.call("POST", "transitions/complete") }
    }

    struct Clock: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the emulator's clock, move it forward or reset it.")
        @OptionGroup var connection: Connection
        @Option(help: "seconds to move the clock forward") var advance: Double?
        @Flag(help: "back to the system's time") var reset = false
        func run() throws {
            if reset { return try connection.call("POST", "clock", json: ["reset": true]) }
            if let advance { return try connection.call("POST", "clock", json: ["advance": advance]) }
            try connection.call("GET", "clock")
        }
    }

    struct Faults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List fault rules, add one, or delete one (or all).",
            discussion: "Add: an error (--error-code), latency (--latency) or a failed transition (--fail-transition).")
        @OptionGroup var connection: Connection
        @Argument(help: "list, add or delete") var action: String = "list"
        @Argument(help: "delete: the rule's id (none: every rule)") var id: String?
        @Option(help: "the operation, such as UpdateDomain") var operation: String?
        @Option var account: String?
        @Option var region: String?
        @Option(help: "a name, id or ARN pattern (* and ?)") var resource: String?
        @Option var probability: Double?
        @Option(help: "how many requests to fault") var count: Int?
        @Option(help: "an AWS error code, such as ThrottlingException") var errorCode: String?
        @Option var message: String?
        @Option var httpStatus: Int?
        @Option(help: "seconds to add") var latency: Double?
        @Option(
            help: """
                the failure status of the next transition: default (the one AWS reports for a failure of that \
                operation), Failed, Update_Failed, Delete_Failed, CREATE_FAILED, UPDATE_FAILED or DELETE_FAILED
                """)
        var failTransition: String?
        @Option(help: "the FailureReason of a failed transition") var reason: String?

        func run() throws {
            switch action {
            case "list": try connection.call("GET", "faults")
            case "delete": try connection.call("DELETE", "faults" + (id.map { "/" + $0 } ?? ""))
            case "add":
                var rule: [String: Any] = [:]
                rule["operation"] = operation
                rule["account"] = account
                rule["region"] = region
                rule["resource"] = resource
                rule["probability"] = probability
                rule["count"] = count
                rule["latency"] = latency
                if let errorCode {
                    var error: [String: Any] = ["code": errorCode]
                    error["message"] = message
                    error["httpStatus"] = httpStatus
                    rule["error"] = error
                }
                if failTransition != nil || reason != nil {
                    var failure: [String: Any] = [:]
                    // "default": the status AWS reports for a failure of that operation.
                    failure["status"] = failTransition == "default" ? nil : failTransition
                    failure["reason"] = reason
                    rule["failTransition"] = failure
                }
                try connection.call("POST", "faults", json: rule)
            default: throw ValidationError("the action is list, add or delete")
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The changes to one resource (by ARN), or the most recent changes.")
        @OptionGroup var connection: Connection
        @Argument(help: "a resource's ARN") var arn: String?
        @Option var account: String?
        @Option var region: String?
        @Option(help: "domain, user-profile, space, app, ...") var resourceType: String?
        @Option var limit: Int?
        func run() throws {
            try connection.call(
                "GET",
                "history"
                    + query([
                        ("arn", arn), ("account", account), ("region", region), ("resourceType", resourceType),
                        ("limit", limit.map(String.init)),
                    ]))
        }
    }

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The most recent requests, filtered.")
        @OptionGroup var connection: Connection
        @Option var operation: String?
        @Option var account: String?
        @Option var region: String?
        @Option(help: "an HTTP status") var status: Int?
        @Option var errorCode: String?
        @Flag(help: "only requests a fault rule acted on") var faulted = false
        @Option var limit: Int?
        func run() throws {
            try connection.call(
                "GET",
                "requests"
                    + query([
                        ("operation", operation), ("account", account), ("region", region),
                        ("status", status.map(String.init)), ("errorCode", errorCode),
                        ("faulted", faulted ? "true" : nil),
                        ("limit", limit.map(String.init)),
                    ]))
        }
    }
}
