import Foundation
import SageMakerModel
import SageMakerStorage
import Synchronization

/// A rule that makes matching requests, or matching status transitions, fail on purpose (docs/control-api.md).
/// A rule has one effect: an AWS error answered instead of the operation, added latency (before the operation, or
/// before the error), or a failed transition: the resource's next transition ends in a failure status.
public struct FaultRule: Sendable, Codable, Equatable {
    /// The error a matching request gets instead of its answer.
    public struct InjectedError: Sendable, Codable, Equatable {
        public var code: String
        public var message: String?
        public var httpStatus: Int?
    }

    /// The failure status (and FailureReason) a matching transition ends in.
    public struct FailedTransition: Sendable, Codable, Equatable {
        public var status: String?
        public var reason: String?
    }

    /// Assigned by the server (`f-1`, `f-2`, ...).
    public var id: String?
    /// A SageMaker operation (`UpdateDomain`); any operation when absent.
    public var operation: String?
    public var account: String?
    public var region: String?
    /// A pattern (`*` any run of characters, `?` one) matched against the names, ids and ARNs a request carries
    /// (the values of its `...Name`, `...Id` and `...Arn` members) or, for a transition, the resource's.
    public var resource: String?
    /// The chance that a matching request is faulted (0 < p <= 1; 1 when absent).
    public var probability: Double?
    /// How many requests the rule faults before it is spent; unlimited when absent.
    public var count: Int?
    public var error: InjectedError?
    /// Seconds added before the request is served (or refused).
    public var latency: Double?
    public var failTransition: FailedTransition?
    /// How many requests or transitions the rule has faulted (assigned by the server).
    public var hits: Int?

    /// The members a rule sent to the control API may have (`id` and `hits` are the server's, and ignored).
    public static let members: Set<String> = [
        "id", "operation", "account", "region", "resource", "probability", "count", "error", "latency",
        "failTransition", "hits",
    ]
    public static let errorMembers: Set<String> = ["code", "message", "httpStatus"]
    public static let failTransitionMembers: Set<String> = ["status", "reason"]

    /// Whether the rule acts on transitions (the scheduler) rather than on requests.
    var actsOnTransitions: Bool { failTransition != nil }
    var isSpent: Bool { count.map { (hits ?? 0) >= $0 } ?? false }
}

/// A rule the server refuses, with the reason.
public struct InvalidFaultRule: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The fault rules in force, matched by requests (`requestFault`) and by the scheduler (`transitionFault`).
/// Without rules, a check costs one atomic load.
public final class FaultRules: Sendable {
    private struct State {
        var rules: [FaultRule] = []
        var nextNumber = 1
    }

    private let state = Mutex(State())
    private let requestRuleCount = Atomic<Int>(0)
    private let transitionRuleCount = Atomic<Int>(0)
    private let random: @Sendable () -> Double

    public init(random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.random = random
    }

    /// Adds a rule after checking it; returns it with its id.
    public func add(_ rule: FaultRule) throws(InvalidFaultRule) -> FaultRule {
        var rule = try Self.checked(rule)
        state.withLock { state in
            rule.id = "f-\(state.nextNumber)"
            rule.hits = 0
            state.nextNumber += 1
            state.rules.append(rule)
            updateCounts(state.rules)
        }
        return rule
    }

    public var rules: [FaultRule] { state.withLock { $0.rules } }

    /// Removes one rule; false when there is none with that id.
    public func remove(id: String) -> Bool {
        state.withLock { state in
            guard let index = state.rules.firstIndex(where: { $0.id == id }) else { return false }
            state.rules.remove(at: index)
            updateCounts(state.rules)
            return true
        }
    }

    /// Removes every rule, or those naming one account (and region).
    public func removeAll(account: String? = nil, region: String? = nil) {
        state.withLock { state in
            state.rules.removeAll { rule in
                guard let account else { return true }
                return rule.account == account && (region == nil || rule.region == region)
            }
            updateCounts(state.rules)
        }
    }

    private func updateCounts(_ rules: [FaultRule]) {
        let forTransitions = rules.count(where: \.actsOnTransitions)
        requestRuleCount.store(rules.count - forTransitions, ordering: .releasing)
        transitionRuleCount.store(forTransitions, ordering: .releasing)
    }

    /// Whether any rule acts on requests (a cheap check for paths that skip the rules when there are none).
    public var hasRequestRules: Bool { requestRuleCount.load(ordering: .acquiring) > 0 }

    /// The first rule that faults this request (counted as a hit), if any. `names` is read only when a rule needs it.
    public func requestFault(
        operation: String, account: String, region: String, names: () -> [String]
    ) -> FaultRule? {
        guard requestRuleCount.load(ordering: .acquiring) > 0 else { return nil }
        return match(transitions: false, operation: operation, account: account, region: region, names: names)
    }

    /// The failure a transition of `resource` ends in, when a rule asks for one (counted as a hit).
    func transitionFault(for resource: StoredResource) -> (status: String, reason: String, rule: String)? {
        guard transitionRuleCount.load(ordering: .acquiring) > 0,
            let phase = TransitionPhase(resource)
        else { return nil }
        let operation = phase.operation
        let arn = ResourceNames.arn(resource.kind, resource.scope, id: resource.id)
        let name = resource.id.split(separator: "/").last.map(String.init) ?? resource.id
        guard
            let rule = match(
                transitions: true, operation: operation, account: resource.scope.account, region: resource.scope.region,
                names: { [resource.id, name, arn] }),
            let failure = rule.failTransition
        else { return nil }
        let status = failure.status ?? phase.defaultFailure
        let reason = failure.reason ?? "Failed on purpose by sagemaker-emulator fault rule \(rule.id ?? "")."
        return (status, reason, rule.id ?? "")
    }

    private func match(
        transitions: Bool, operation: String, account: String, region: String, names: () -> [String]
    ) -> FaultRule? {
        var candidates: [String]?
        return state.withLock { state -> FaultRule? in
            for index in state.rules.indices {
                let rule = state.rules[index]
                guard rule.actsOnTransitions == transitions, !rule.isSpent,
                    rule.operation.map({ $0 == operation }) ?? true,
                    rule.account.map({ $0 == account }) ?? true,
                    rule.region.map({ $0 == region }) ?? true
                else { continue }
                if let pattern = rule.resource {
                    let values = candidates ?? names()
                    candidates = values
                    guard values.contains(where: { Glob.matches(pattern, $0) }) else { continue }
                }
                if let probability = rule.probability, probability < 1, random() >= probability { continue }
                state.rules[index].hits = (rule.hits ?? 0) + 1
                return state.rules[index]
            }
            return nil
        }
    }

    /// `service:Operation` (IAM's action syntax): an operation of another service, answered by the upstream.
    static func isForwarded(_ operation: String) -> Bool {
        let parts = operation.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].utf8.count <= 32,
            parts[1].utf8.count <= 128
        else { return false }
        return parts[0].utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// The rule as the server keeps it, or why it is refused.
    static func checked(_ rule: FaultRule) throws(InvalidFaultRule) -> FaultRule {
        var rule = rule
        let effects = [rule.error != nil, rule.latency != nil, rule.failTransition != nil].count(where: { $0 })
        guard effects > 0 else {
            throw InvalidFaultRule(description: "A fault rule needs an effect: error, latency or failTransition.")
        }
        if let operation = rule.operation, SageMakerOperation(rawValue: operation) == nil, !isForwarded(operation) {
            throw InvalidFaultRule(
                description: "operation '\(operation)' is not an operation this emulator serves, nor one of another "
                    + "service in the form service:Operation (iam:CreateRole) for the upstream.")
        }
        if rule.failTransition != nil, let operation = rule.operation, isForwarded(operation) {
            throw InvalidFaultRule(description: "failTransition acts on SageMaker transitions, not on \(operation).")
        }
        if let probability = rule.probability, !(probability > 0 && probability <= 1) {
            throw InvalidFaultRule(description: "probability must be greater than 0 and at most 1.")
        }
        if let count = rule.count, count < 1 {
            throw InvalidFaultRule(description: "count must be at least 1 (leave it out for no limit).")
        }
        if let latency = rule.latency, !(latency >= 0 && latency <= 300) {
            throw InvalidFaultRule(description: "latency is in seconds, from 0 to 300.")
        }
        if var error = rule.error {
            guard !error.code.isEmpty, error.code.utf8.count <= 128,
                error.code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") })
            else {
                throw InvalidFaultRule(description: "error.code must be an AWS error code such as ThrottlingException.")
            }
            let status = error.httpStatus ?? Self.defaultStatus(error.code)
            guard (400...599).contains(status) else {
                throw InvalidFaultRule(description: "error.httpStatus must be from 400 to 599.")
            }
            error.httpStatus = status
            error.message = error.message ?? Self.defaultMessage(error.code)
            rule.error = error
        }
        if var failure = rule.failTransition {
            guard effects == 1 else {
                throw InvalidFaultRule(
                    description: "failTransition acts on the transition, not on the request: it "
                        + "cannot be combined with error or latency.")
            }
            guard let operation = rule.operation, let phase = TransitionPhase(operation: operation) else {
                throw InvalidFaultRule(
                    description: "failTransition needs the operation that starts the transition: "
                        + TransitionPhase.operations.joined(separator: ", ") + ".")
            }
            if let status = failure.status {
                guard phase.failures.contains(status) else {
                    throw InvalidFaultRule(
                        description: "failTransition.status for \(operation) must be one of "
                            + phase.failures.joined(separator: ", ") + ".")
                }
            } else {
                failure.status = phase.defaultFailure
            }
            if let reason = failure.reason, reason.utf8.count > 1024 {
                throw InvalidFaultRule(
                    description: "failTransition.reason is at most 1024 bytes (the model's FailureReason).")
            }
            rule.failTransition = failure
        }
        rule.id = nil
        rule.hits = nil
        return rule
    }

    static func defaultStatus(_ code: String) -> Int {
        switch code {
        case "ServiceUnavailable", "ServiceUnavailableException": 503
        case "InternalFailure", "InternalServerError", "InternalServerException": 500
        default: 400
        }
    }

    /// AWS's words where they are known (a throttled call says "Rate exceeded").
    static func defaultMessage(_ code: String) -> String {
        switch code {
        case "ThrottlingException", "Throttling": "Rate exceeded"
        case "ServiceUnavailable", "ServiceUnavailableException": "Service Unavailable"
        default: "Injected by a sagemaker-emulator fault rule."
        }
    }
}

/// Which operation started a resource's pending transition, and the failure statuses it can end in: a phase of its
/// kind's declaration (`ResourceKindDeclaration.phases`).
struct TransitionPhase {
    let phase: ResourceKindDeclaration.Phase

    /// Every operation whose transition a rule can fail.
    static var operations: [String] { ResourceKindDeclaration.all.flatMap { $0.phases.map(\.operation) } }

    init?(operation: String) {
        for declaration in ResourceKindDeclaration.all {
            if let phase = declaration.phases.first(where: { $0.operation == operation }) {
                self.phase = phase
                return
            }
        }
        return nil
    }

    /// The phase of a resource's pending transition, judged from the status it is leaving.
    init?(_ resource: StoredResource) {
        guard resource.transition != nil,
            let phase = ResourceKindDeclaration.of(resource.kind).phases.first(where: { $0.status == resource.status })
        else { return nil }
        self.phase = phase
    }

    var operation: String { phase.operation }

    /// The kind's failure statuses a transition of this phase may end in.
    var failures: [String] { phase.failures }

    /// The status AWS reports for a failure of this phase.
    var defaultFailure: String { phase.failure }
}

/// `*` (any run of characters) and `?` (one character) patterns.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        var (p, t) = (0, 0)
        var star: (p: Int, t: Int)?
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.p + 1
                t = last.t + 1
                star = (last.p, last.t + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
