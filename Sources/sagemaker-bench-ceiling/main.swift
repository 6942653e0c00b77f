import Hummingbird

// The benchmark's ceiling: a minimal Hummingbird server that answers every POST with a fixed JSON body.
// Nothing the emulator serves can be faster on the same machine.
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9099
let body = ByteBuffer(string: #"{"DomainArn":"arn:aws:sagemaker:us-east-1:123456789012:domain/d-abcdefghijkl"}"#)
let router = Router()
router.post("/") { _, _ in
    Response(
        status: .ok, headers: [.contentType: "application/x-amz-json-1.1"], body: ResponseBody(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
