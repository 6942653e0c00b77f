import AWSWire
import Foundation
import Synchronization

/// A shape that checks the constraints of the service model at every depth.
public protocol ShapeValidatable {
    /// Appends one entry per failed constraint, with `path` in AWS's lowerCamelCase form.
    func validate(path: String, into report: inout ValidationReport)
}

/// Length, pattern and enum constraints of a string shape.
public struct StringConstraint: Sendable {
    public let min: Int?
    public let max: Int?
    public let pattern: ShapePattern?
    public let enumValues: [String]?
    let enumSet: Set<String>?

    public init(min: Int64?, max: Int64?, pattern: ShapePattern?, enumValues: [String]?) {
        self.min = min.map { Int($0) }
        self.max = max.map { Int($0) }
        self.pattern = pattern
        self.enumValues = enumValues
        self.enumSet = enumValues.map(Set.init)
    }
}

/// Value range of a number shape.
public struct NumberConstraint: Sendable {
    public let min: Int64?
    public let max: Int64?
    public init(min: Int64?, max: Int64?) {
        self.min = min
        self.max = max
    }
}

/// Size range of a list or map shape.
public struct CountConstraint: Sendable {
    public let min: Int?
    public let max: Int?
    public init(min: Int64?, max: Int64?) {
        self.min = min.map { Int($0) }
        self.max = max.map { Int($0) }
    }
}

/// A model pattern. AWS patterns must match the whole value; the message prints the pattern as the model spells it.
public final class ShapePattern: Sendable {
    public let source: String
    private let regex: RegexBox?
    /// Recent outcomes: clients send the same identifiers again and again (polling Describe), and matching through
    /// NSRegularExpression costs more on Linux than a dictionary lookup.
    private let recent = Mutex<[String: Bool]>([:])
    private static let recentCapacity = 4096

    public init(_ source: String) {
        self.source = source
        self.regex = (try? NSRegularExpression(pattern: "\\A(?:" + source + ")\\z", options: [])).map(RegexBox.init)
    }

    /// Whether the model pattern compiled (a test checks every pattern of the model).
    public var isCompiled: Bool { regex != nil }

    public func matches(_ value: String) -> Bool {
        guard let regex = regex?.regex else { return true }
        if let known = recent.withLock({ $0[value] }) { return known }
        let range = NSRange(value.startIndex..<value.endIndex, in: value)
        let matched = regex.firstMatch(in: value, options: [], range: range) != nil
        if value.utf8.count <= 256 {
            recent.withLock { recent in
                if recent.count >= Self.recentCapacity { recent.removeAll(keepingCapacity: true) }
                recent[value] = matched
            }
        }
        return matched
    }
}

/// NSRegularExpression is immutable and documented as safe to share between threads.
private final class RegexBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}

/// The failed constraints of one request, rendered as AWS renders them.
public struct ValidationReport: Sendable {
    public private(set) var entries: [String] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// `N validation error(s) detected: ` followed by the entries joined by `; `.
    public var message: String {
        let count = entries.count
        let head = count == 1 ? "1 validation error detected: " : "\(count) validation errors detected: "
        return head + entries.joined(separator: "; ")
    }

    /// Validates a whole input and throws `ValidationException` when anything fails.
    public static func validate(_ input: some ShapeValidatable) throws(AWSError) {
        var report = ValidationReport()
        input.validate(path: "", into: &report)
        if !report.isEmpty { throw AWSError.validation(report.message) }
    }

    public static func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : path + "." + name
    }

    /// List elements are addressed `<list>.<1-based index>.member`.
    public static func element(_ path: String, _ index: Int) -> String {
        path + "." + String(index + 1) + ".member"
    }

    public mutating func fail(value: String?, at path: String, _ rule: String) {
        let shown = value.map { "'\($0)'" } ?? "null"
        entries.append("Value \(shown) at '\(path)' failed to satisfy constraint: \(rule)")
    }

    public mutating func missing(at path: String) {
        fail(value: nil, at: path, "Member must not be null")
    }

    public mutating func check(_ value: String, _ constraint: StringConstraint, at path: @autoclosure () -> String) {
        let length = value.utf16.count
        if let min = constraint.min, length < min {
            fail(value: value, at: path(), "Member must have length greater than or equal to \(min)")
        }
        if let max = constraint.max, length > max {
            fail(value: value, at: path(), "Member must have length less than or equal to \(max)")
        }
        if let pattern = constraint.pattern, !pattern.matches(value) {
            fail(value: value, at: path(), "Member must satisfy regular expression pattern: \(pattern.source)")
        }
        if let values = constraint.enumSet, !values.contains(value) {
            let list = (constraint.enumValues ?? []).joined(separator: ", ")
            fail(value: value, at: path(), "Member must satisfy enum value set: [\(list)]")
        }
    }

    public mutating func check<N: BinaryInteger>(
        number value: N, _ constraint: NumberConstraint, at path: @autoclosure () -> String
    ) {
        if let min = constraint.min, Int64(value) < min {
            fail(value: "\(value)", at: path(), "Member must have value greater than or equal to \(min)")
        }
        if let max = constraint.max, Int64(value) > max {
            fail(value: "\(value)", at: path(), "Member must have value less than or equal to \(max)")
        }
    }

    public mutating func check(
        number value: Double, _ constraint: NumberConstraint, at path: @autoclosure () -> String
    ) {
        if let min = constraint.min, value < Double(min) {
            fail(value: "\(value)", at: path(), "Member must have value greater than or equal to \(min)")
        }
        if let max = constraint.max, value > Double(max) {
            fail(value: "\(value)", at: path(), "Member must have value less than or equal to \(max)")
        }
    }

    public mutating func check<C: Collection>(
        count collection: C, _ constraint: CountConstraint, at path: @autoclosure () -> String
    ) {
        let count = collection.count
        if let min = constraint.min, count < min {
            fail(
                value: Self.describe(collection), at: path(), "Member must have length greater than or equal to \(min)")
        }
        if let max = constraint.max, count > max {
            fail(value: Self.describe(collection), at: path(), "Member must have length less than or equal to \(max)")
        }
    }

    /// A union shape takes at most one member.
    public mutating func checkUnion(setMembers: Int, at path: String) {
        if setMembers > 1 {
            fail(value: nil, at: path.isEmpty ? "union" : path, "Member must have exactly one member set")
        }
    }

    /// Lists print in Java's `[a, b]` form, as AWS's messages show them.
    static func describe<C: Collection>(_ collection: C) -> String {
        "["
            + collection.map { element in
                if let string = element as? String { return string }
                return String(describing: element)
            }.joined(separator: ", ") + "]"
    }
}
