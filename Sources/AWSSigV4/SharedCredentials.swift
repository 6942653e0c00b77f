/// Identities read from a file in the AWS shared-credentials INI format: one `[section]` per identity with
/// `aws_access_key_id`, `aws_secret_access_key` and `aws_account_id`.
public struct SharedCredentials: Sendable, Equatable {
    public struct Identity: Sendable, Equatable {
        public var profile: String
        public var accessKeyId: String
        public var secretAccessKey: String
        public var accountId: String
    }

    /// What is wrong with a file, naming the line or section.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// By access key id.
    public let identities: [String: Identity]

    public init(identities: [Identity]) {
        self.identities = Dictionary(identities.map { ($0.accessKeyId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses the text of a credentials file. Every section must have all three keys; the account id is 12 digits.
    public init(parsing text: String) throws(ParseError) {
        var sections: [(name: String, values: [String: String])] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingCarriageReturn.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw ParseError(description: "line \(number + 1): a section header is [name]")
                }
                sections.append((String(line.dropFirst().dropLast()).trimmingWhitespace, [:]))
                continue
            }
            guard let equals = line.firstIndex(of: "="), !sections.isEmpty else {
                throw ParseError(description: "line \(number + 1): expected key = value inside a [section]")
            }
            let key = String(line[..<equals]).trimmingWhitespace.lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace
            sections[sections.count - 1].values[key] = value
        }
        var identities: [Identity] = []
        var seen: Set<String> = []
        for section in sections {
            var found: [String] = []
            for key in ["aws_access_key_id", "aws_secret_access_key", "aws_account_id"] {
                guard let value = section.values[key], !value.isEmpty else {
                    throw ParseError(description: "[\(section.name)] has no \(key)")
                }
                found.append(value)
            }
            let account = found[2]
            guard account.utf8.count == 12,
                account.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else {
                throw ParseError(description: "[\(section.name)] aws_account_id must be 12 digits, not '\(account)'")
            }
            guard seen.insert(found[0]).inserted else {
                throw ParseError(description: "[\(section.name)] repeats the access key id \(found[0])")
            }
            identities.append(
                Identity(profile: section.name, accessKeyId: found[0], secretAccessKey: found[1], accountId: account))
        }
        self.init(identities: identities)
    }
}

extension String {
    var trimmingCarriageReturn: String { hasSuffix("\r") ? String(dropLast()) : self }
}
