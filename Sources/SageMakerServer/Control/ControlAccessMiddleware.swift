import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// Opens the control API to loopback callers, and to any caller that presents the admin key; under
/// `--auth verify` only to the key. A loopback caller without the key may still be a web page in the user's browser
/// (a request sent with `mode: "no-cors"`, or a name of the attacker's that resolves to 127.0.0.1): such a request
/// is refused unless it is addressed to a loopback name or `--host` (`Host`), comes from no other page (`Origin`
/// absent or the emulator's own), and carries JSON if it carries a body (docs/guarantees.md, "The control API").
struct ControlAccessMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let adminKey: String?
    let requiresKey: Bool
    /// `--control-access any`: callers beyond loopback are answered too, and a `Host` that no DNS rebinding can
    /// make (an IP address, or a name without a dot, as a container's service name) is accepted.
    let anyCaller: Bool
    /// The `--host` the server listens on: a `Host` naming it is the emulator's own.
    let servedHost: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let adminKey, let presented = request.headers[.authorization],
            Self.constantTimeEqual(presented, "Bearer " + adminKey)
        {
            return try await next(request, context)
        }
        if requiresKey {
            throw ControlError(
                .forbidden,
                adminKey == nil
                    ? "With --auth verify the control API needs --admin-key, and requests that present it."
                    : "The control API needs the admin key: Authorization: Bearer <key>.")
        }
        guard anyCaller || Self.isLoopback(context.channel.remoteAddress) else {
            throw ControlError(
                .forbidden, "The control API answers loopback callers only, or callers presenting --admin-key.")
        }
        if let refusal = Self.browserRefusal(request, servedHost: servedHost, anyCaller: anyCaller) { throw refusal }
        return try await next(request, context)
    }

    /// Why a request that only a web page would send is refused, or nil.
    static func browserRefusal(_ request: Request, servedHost: String, anyCaller: Bool = false) -> ControlError? {
        let authority = request.head.authority ?? ""
        let host = hostPart(of: authority)
        guard isOwnName(host, servedHost: servedHost) || (anyCaller && cannotBeRebound(host)) else {
            return ControlError(
                .forbidden,
                "The control API answers requests addressed to a loopback name or to --host only, not to Host "
                    + "'\(authority)'.")
        }
        if let origin = request.headers[.origin], origin.lowercased() != "http://" + authority.lowercased() {
            return ControlError(
                .forbidden, "The control API refuses requests from web pages of other origins (Origin '\(origin)').")
        }
        let length = request.headers[.contentLength]
        let hasBody = (length != nil && length != "0") || request.headers[.transferEncoding] != nil
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        if hasBody, mediaType != "application/json" {
            return ControlError(
                .unsupportedMediaType, "The control API reads JSON bodies only: send Content-Type: application/json.")
        }
        return nil
    }

    /// The host of a `Host` value, without its port or an IPv6 address's brackets.
    static func hostPart(of authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// A loopback name or address, or the address the server was told to listen on.
    static func isOwnName(_ host: String, servedHost: String) -> Bool {
        let host = host.lowercased()
        let served = hostPart(of: servedHost).lowercased()
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || (!host.isEmpty && host == served)
    }

    /// A name a web page cannot point at this server by DNS rebinding: an IP address, or a name without a dot (a
    /// container's service name), which no public DNS answers.
    static func cannotBeRebound(_ host: String) -> Bool {
        guard !host.isEmpty else { return false }
        if host.contains(":") { return true }  // IPv6
        if !host.contains(".") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let address else { return false }
        switch address {
        case .unixDomainSocket: return true
        case .v4: return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            let ip = address.ipAddress ?? ""
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        }
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
