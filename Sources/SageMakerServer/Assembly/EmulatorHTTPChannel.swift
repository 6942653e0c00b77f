import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel, with `ForwardingHandler` after its connection state handler when the
/// emulator forwards: that handler then sees requests and answers as the state handler counts them, so the idle
/// timeout and a graceful shutdown treat a forwarded request like any other.
struct EmulatorHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let upstream: UpstreamRoom

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let upstream = upstream
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            guard upstream.forwarder != nil else { return value }
            let operations = channel.pipeline.syncOperations
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(ForwardingHandler(room: upstream), position: .after(state))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}
