import AWSSigV4
import AWSWire
import Hummingbird

/// Works out the caller from the SigV4 `Authorization` header: a 12-digit access key id is that account,
/// any other key is the default account; the region is the credential scope's. Unsigned requests act in
/// the default account and region. (Signatures are not verified yet.)
struct SigV4CallerMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let defaultAccount: String
    let defaultRegion: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let caller = try caller(authorization: request.headers[.authorization])
        context.caller = caller
        context.record.account = caller.account
        context.record.region = caller.region
        return try await next(request, context)
    }

    func caller(authorization: String?) throws(AWSError) -> Caller {
        guard let authorization else { return Caller(account: defaultAccount, region: defaultRegion) }
        let parsed: SigV4Authorization
        do {
            parsed = try SigV4Authorization.parse(authorization)
        } catch {
            throw AWSError.incompleteSignature(error.message)
        }
        let key = parsed.accessKeyId
        let isAccount = key.utf8.count == 12 && key.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Caller(account: isAccount ? key : defaultAccount, region: parsed.region)
    }
}
