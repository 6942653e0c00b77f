import AWSSigV4
import AWSWire
import Foundation
import Hummingbird
import NIOCore
import SageMakerOperations

/// How requests prove who they are.
public enum Authentication: Sendable {
    /// No check: a 12-digit access key id is that account, any other key the default account; unsigned requests act
    /// in the default account and region. The credential scope's region is still checked (AWS's region syntax).
    case off
    /// Every request's SigV4 signature (header or presigned query) is checked against these identities; the
    /// account is the identity's.
    case verify(SharedCredentials)
}

/// Works out the caller (account and region) of every request, verifying its signature when authentication is on.
struct CallerMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let defaultAccount: String
    let defaultRegion: String
    let maxBodyBytes: Int
    let clock: any EmulatorClock
    let verification: (verifier: SigV4Verifier, credentials: SharedCredentials)?

    init(configuration: EmulatorConfiguration, clock: any EmulatorClock) {
        defaultAccount = configuration.defaultAccount
        defaultRegion = configuration.defaultRegion
        maxBodyBytes = configuration.maxBodyBytes
        self.clock = clock
        switch configuration.authentication {
        case .off:
            verification = nil
        case .verify(let credentials):
            let verifier = SigV4Verifier(service: "sagemaker") { key in credentials.identities[key]?.secretAccessKey }
            verification = (verifier, credentials)
        }
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        var request = request
        let caller: Caller
        if let verification {
            caller = try await verifiedCaller(&request, verification.verifier, verification.credentials)
        } else {
            caller = try unverifiedCaller(authorization: request.headers.value(of: .authorization))
        }
        context.caller = caller
        context.record.account = caller.account
        context.record.region = caller.region
        return try await next(request, context)
    }

    func unverifiedCaller(authorization: String?) throws(AWSError) -> Caller {
        guard let authorization else { return Caller(account: defaultAccount, region: defaultRegion) }
        let parsed: SigV4Authorization
        do {
            parsed = try SigV4Authorization.parse(authorization)
        } catch {
            throw AWSError.incompleteSignature(error.message)
        }
        guard SigV4Authorization.isValidRegion(parsed.region) else {
            throw AWSError.invalidSignature("Credential should be scoped to a valid region, not '\(parsed.region)'. ")
        }
        let key = parsed.accessKeyId
        let isAccount =
            key.utf8.count == 12 && key.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Caller(account: isAccount ? key : defaultAccount, region: parsed.region, accessKeyId: key)
    }

    private func verifiedCaller(
        _ request: inout Request, _ verifier: SigV4Verifier, _ credentials: SharedCredentials
    ) async throws -> Caller {
        let body = try await request.collectBody(limit: maxBodyBytes)
        let signed = SigV4Request(request, body: Array(body.readableBytesView))
        let identity: SigV4Identity
        do {
            identity = try verifier.verify(signed, now: Int64(clock.now().timeIntervalSince1970.rounded(.down)))
        } catch {
            switch error.kind {
            case .missingAuthentication: throw AWSError.missingAuthenticationToken(error.message)
            case .incompleteSignature: throw AWSError.incompleteSignature(error.message)
            case .unknownAccessKey: throw AWSError.unrecognizedClient(error.message)
            case .invalidSignature: throw AWSError.invalidSignature(error.message)
            }
        }
        // The verifier only accepts keys that have an identity.
        let account = credentials.identities[identity.accessKeyId]?.accountId ?? defaultAccount
        return Caller(account: account, region: identity.region, accessKeyId: identity.accessKeyId)
    }
}

extension SigV4Request {
    /// The request as it arrived, in the form SigV4 signs: method, path and query as sent, every header with `host`
    /// from the authority.
    init(_ request: Request, body: [UInt8]) {
        let target = request.head.path ?? "/"
        let question = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        var headers: [SigV4Request.Header] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority { headers.append(.init("host", authority)) }
        for field in request.headers { headers.append(.init(field.name.rawName, field.value)) }
        self.init(
            method: request.method.rawValue,
            path: question.map { String(target[..<$0]) } ?? target,
            query: question.map { String(target[target.index(after: $0)...]) } ?? "",
            headers: headers, body: body)
    }
}
