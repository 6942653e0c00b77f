import AWSWire
import Crypto
import Foundation
import SageMakerStorage

/// Opaque `NextToken`s: the position in insertion order, bound to the caller's account, region and listing,
/// signed with a secret kept in the store, so that a token cannot be forged or replayed elsewhere.
public struct PageTokens: Sendable {
    let key: SymmetricKey

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    func payload(_ listing: String, _ scope: ResourceScope, _ cursor: String) -> String {
        "1|\(listing)|\(scope.account)|\(scope.region)|\(cursor)"
    }

    func signature(_ payload: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)).prefix(16)
    }

    /// A token that resumes `listing` after `sequence`.
    public func token(listing: String, scope: ResourceScope, after sequence: Int64) -> String {
        token(listing: listing, scope: scope, cursor: String(sequence))
    }

    /// A token that resumes `listing` at a position of its own (`cursor`).
    public func token(listing: String, scope: ResourceScope, cursor: String) -> String {
        let body = payload(listing, scope, cursor)
        return Data(body.utf8).base64EncodedString() + "." + signature(body).base64EncodedString()
    }

    /// The sequence a token resumes after; any token not made by `token` for this listing and scope is refused.
    public func sequence(from token: String, listing: String, scope: ResourceScope) throws(AWSError) -> Int64 {
        guard let sequence = Int64(try cursor(from: token, listing: listing, scope: scope)) else {
            throw AWSError.validation("Invalid pagination token: \(token)")
        }
        return sequence
    }

    /// The cursor a token carries; any token not made by `token` for this listing and scope is refused.
    public func cursor(from token: String, listing: String, scope: ResourceScope) throws(AWSError) -> String {
        let invalid = AWSError.validation("Invalid pagination token: \(token)")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let bodyData = Data(base64Encoded: String(parts[0])),
            let mac = Data(base64Encoded: String(parts[1])),
            let body = String(data: bodyData, encoding: .utf8)
        else { throw invalid }
        guard mac == signature(body) else { throw invalid }
        let fields = body.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5, fields[1] == listing, fields[2] == scope.account, fields[3] == scope.region
        else { throw invalid }
        return String(fields[4])
    }
}
