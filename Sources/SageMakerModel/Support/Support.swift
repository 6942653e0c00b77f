/// Who is calling, and where: the scope of every resource an operation touches.
public struct OperationContext: Sendable {
    /// The 12-digit account the request is attributed to.
    public var account: String
    /// The region from the SigV4 credential scope.
    public var region: String
    /// The `x-amzn-RequestId` of the response.
    public var requestId: String

    public init(account: String, region: String, requestId: String) {
        self.account = account
        self.region = region
        self.requestId = requestId
    }
}

/// A structure that merges member by member: members the update leaves out keep their value,
/// nested structures merge at every depth, and lists or scalars that are sent replace the stored ones.
public protocol DeepMergeable {
    func merging(_ update: Self) -> Self
}

/// Merges an optional nested structure.
public func mergeMember<T: DeepMergeable>(_ current: T?, _ update: T?) -> T? {
    guard let update else { return current }
    guard let current else { return update }
    return current.merging(update)
}
