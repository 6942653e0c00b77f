import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// CreatePresignedDomainUrl: `https://<domain-id>.studio.<region>.sagemaker.aws/auth?token=...` (developer guide,
/// studio-interface-endpoint.md), for a user profile (and space) of an IAM domain.
extension SageMakerService {
    public func createPresignedDomainUrl(
        _ input: CreatePresignedDomainUrlRequest, context: OperationContext
    ) async throws -> CreatePresignedDomainUrlResponse {
        let domainId = input.domainId ?? ""
        guard let domainRecord = try await store.fetch(.domain, scope: context.scope, id: domainId) else {
            throw ResourceKindDeclaration.domain.notFound(domainId, context)
        }
        let domain = try StoredDocument.decode(DescribeDomainResponse.self, from: domainRecord.document)
        if domain.authMode == AuthMode.sso {
            throw AWSError.validation("CreatePresignedDomainUrl is only supported for domains in IAM auth mode.")
        }
        let profileId = ResourceNames.userProfileId(domainId: domainId, name: input.userProfileName ?? "")
        guard try await store.fetch(.userProfile, scope: context.scope, id: profileId) != nil else {
            throw ResourceKindDeclaration.userProfile.notFound(profileId, context)
        }
        if let space = input.spaceName {
            let spaceId = ResourceNames.spaceId(domainId: domainId, name: space)
            guard try await store.fetch(.space, scope: context.scope, id: spaceId) != nil else {
                throw ResourceKindDeclaration.space.notFound(spaceId, context)
            }
        }
        let expires = WireCodec.epochMilliseconds(clock.now()) + Double(input.expiresInSeconds ?? 300)
        // Built as text: the domain's Url holds the region of a request, and nothing made from a request may trap.
        var query = [("token", ResourceNames.newPresignedToken())]
        if let landing = input.landingUri { query.append(("landing-uri", landing)) }
        query.append(("expires", String(Int(expires))))
        let url = (domain.url ?? "") + "/auth?"
            + query.map { "\($0.0)=\(ResourceNames.queryEncoded($0.1))" }.joined(separator: "&")
        return CreatePresignedDomainUrlResponse(authorizedUrl: url)
    }
}

extension ResourceNames {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// A query parameter value, percent-encoded (RFC 3986 unreserved characters stay).
    static func queryEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// An opaque sign-in token of a presigned domain URL.
    static func newPresignedToken() -> String { random(lowerAlphanumerics, count: 64) }
}
