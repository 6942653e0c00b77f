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
        let domainId = input.required.domainId
        guard let domainRecord = try await store.fetch(.domain, scope: context.scope, id: domainId) else {
            throw ResourceKindDeclaration.domain.notFound(domainId, context)
        }
        let domain = try StoredDocument.decode(DescribeDomainResponse.self, from: domainRecord.document)
        if domain.authMode == AuthMode.sso {
            throw AWSError.validation("CreatePresignedDomainUrl is only supported for domains in IAM auth mode.")
        }
        let profileId = ResourceNames.userProfileId(domainId: domainId, name: input.required.userProfileName)
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
        let token = ResourceNames.newPresignedToken(
            domainId: domainId, userProfileName: input.required.userProfileName, spaceName: input.spaceName,
            landingUri: input.landingUri, session: input.sessionExpirationDurationInSeconds, expires: Int64(expires))
        // Built as text: the domain's Url holds the region of a request, and nothing made from a request may trap.
        let url = (domain.url ?? "") + "/auth?token=" + token
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

    /// The sign-in token of a presigned domain URL: AWS's answer carries `token` alone (developer guide,
    /// studio-interface-endpoint.md), so what the request asked for (the expiry in epoch seconds, the landing URI,
    /// the session's length) travels inside it, as base64url JSON claims, a dot and a random nonce.
    static func newPresignedToken(
        domainId: String, userProfileName: String, spaceName: String?, landingUri: String?, session: Int?,
        expires: Int64
    ) -> String {
        var claims = JSONWriter(capacity: 256)
        claims.beginObject()
        claims.key("domainId")
        claims.string(domainId)
        claims.key("userProfileName")
        claims.string(userProfileName)
        if let spaceName {
            claims.key("spaceName")
            claims.string(spaceName)
        }
        if let landingUri {
            claims.key("landingUri")
            claims.string(landingUri)
        }
        if let session {
            claims.key("sessionExpirationDurationInSeconds")
            claims.number(session)
        }
        claims.key("exp")
        claims.number(expires)
        claims.endObject()
        return base64URL(claims.bytes) + "." + random(lowerAlphanumerics, count: 43)
    }

    /// Base64url without padding (RFC 4648, section 5): safe in a query value as it is.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
