/// The parts of a SigV4 `Authorization` header:
/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=..., Signature=...`.
public struct SigV4Authorization: Sendable, Equatable {
    public var accessKeyId: String
    /// `YYYYMMDD` of the credential scope.
    public var scopeDate: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String

    public static let algorithm = "AWS4-HMAC-SHA256"

    /// Why a header could not be read, in the words AWS uses for `IncompleteSignatureException`.
    public struct ParseError: Error, Sendable, Equatable {
        public let message: String
    }

    /// Parses the header; a header of another scheme or with missing parts is a `ParseError`.
    public static func parse(_ header: String) throws(ParseError) -> SigV4Authorization {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.hasPrefix(algorithm + " ") else {
            throw ParseError(message: "Authorization header requires the \(algorithm) algorithm. Authorization=\(header)")
        }
        var parameters: [Substring: Substring] = [:]
        for part in trimmed.dropFirst(algorithm.count + 1).split(separator: ",") {
            let item = part.drop { $0 == " " }
            guard let equals = item.firstIndex(of: "=") else { continue }
            parameters[item[..<equals]] = item[item.index(after: equals)...]
        }
        var missing: [String] = []
        for name in ["Credential", "Signature", "SignedHeaders"] where parameters[Substring(name)] == nil {
            missing.append("Authorization header requires '\(name)' parameter.")
        }
        if !missing.isEmpty {
            throw ParseError(message: (missing + ["Authorization=\(header)"]).joined(separator: " "))
        }
        let credential = parameters["Credential"]!.split(separator: "/", omittingEmptySubsequences: false)
        guard credential.count == 5, credential[4] == "aws4_request", !credential[0].isEmpty else {
            throw ParseError(
                message: "Credential should be scoped to a valid region, not '\(parameters["Credential"]!)'. "
                    + "Credential should be scoped correctly: <key>/<date>/<region>/<service>/aws4_request.")
        }
        return SigV4Authorization(
            accessKeyId: String(credential[0]), scopeDate: String(credential[1]), region: String(credential[2]),
            service: String(credential[3]),
            signedHeaders: parameters["SignedHeaders"]!.split(separator: ";").map(String.init),
            signature: String(parameters["Signature"]!))
    }
}
