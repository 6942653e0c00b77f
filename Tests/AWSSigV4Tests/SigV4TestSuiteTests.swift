import Foundation
import Testing

@testable import AWSSigV4

/// AWS's SigV4 signing test suite (`Vectors/sigv4` beside this file, with its LICENSE and source): every signed request
/// verifies, in the header and in the query form, and fails when any signed part changes.
@Suite struct SigV4TestSuiteTests {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["SIGV4_VECTORS"] { return URL(fileURLWithPath: path) }
        // Tests/AWSSigV4Tests/<this file> -> Tests/AWSSigV4Tests/Vectors/sigv4, inside the repository.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/sigv4")
    }()

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/context.json").path)
        }
        .sorted()
    }()

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 30, "expected AWS's SigV4 test suite at \(Self.directory.path)")
    }

    @Test(arguments: cases) func headerFormVerifiesAndEveryChangeFails(name: String) throws {
        let vector = try Vector(name: name, directory: Self.directory)
        let request = try vector.request("header-signed-request.txt")
        #expect(try vector.canonical(request, presigned: false) == vector.text("header-canonical-request.txt"))
        let identity = try vector.verifier().verify(request, now: vector.timestamp)
        #expect(
            identity == SigV4Identity(accessKeyId: vector.accessKey, region: vector.region, service: vector.service))
        try expectEveryChangeFails(vector, request)
    }

    @Test(arguments: cases) func queryFormVerifiesAndEveryChangeFails(name: String) throws {
        let vector = try Vector(name: name, directory: Self.directory)
        let request = try vector.request("query-signed-request.txt")
        #expect(try vector.canonical(request, presigned: true) == vector.text("query-canonical-request.txt"))
        _ = try vector.verifier().verify(request, now: vector.timestamp)
        try expectEveryChangeFails(vector, request)
        // Presigned requests expire after X-Amz-Expires.
        #expect(throws: SigV4Failure.self) { try vector.verifier().verify(request, now: vector.timestamp + 3601) }
    }

    private func expectEveryChangeFails(_ vector: Vector, _ request: SigV4Request) throws {
        let verifier = vector.verifier()
        var changes: [(String, SigV4Request)] = []
        var changed = request
        changed.method = request.method == "GET" ? "POST" : "GET"
        changes.append(("method", changed))
        changed = request
        changed.path = request.path + "x"
        changes.append(("path", changed))
        changed = request
        changed.query = request.query.isEmpty ? "extra=1" : request.query + "&extra=1"
        changes.append(("query", changed))
        changed = request
        changed.body = request.body + Array("x".utf8)
        changes.append(("body", changed))
        for signed in vector.signedHeaders(request) where signed != "x-amz-date" {
            changed = request
            guard let index = changed.headers.firstIndex(where: { $0.name.lowercased() == signed }) else { continue }
            changed.headers[index].value += "x"
            changes.append(("header \(signed)", changed))
        }
        for (what, request) in changes {
            #expect(throws: SigV4Failure.self, "\(vector.name): changing the \(what) must fail") {
                try verifier.verify(request, now: vector.timestamp)
            }
        }
        // Another secret, and a date a second later (same scope day), fail too.
        let wrongSecret = SigV4Verifier(service: vector.service, normalizePath: vector.normalize) { _ in "wrong" }
        #expect(throws: SigV4Failure.signatureMismatch) { try wrongSecret.verify(request, now: vector.timestamp) }
        var later = request
        if let index = later.headers.firstIndex(where: { $0.name.lowercased() == "x-amz-date" }) {
            later.headers[index].value = "20150830T123601Z"
        } else {
            later.query = later.query.replacingOccurrences(of: "20150830T123600Z", with: "20150830T123601Z")
        }
        #expect(throws: SigV4Failure.signatureMismatch) { try verifier.verify(later, now: vector.timestamp) }
    }
}

/// One case of the suite: its context and files.
struct Vector {
    let name: String
    let folder: URL
    let accessKey: String
    let secret: String
    let region: String
    let service: String
    let normalize: Bool
    let timestamp: Int64
    /// The session token was added after signing (and is not part of the signature).
    let omitsToken: Bool

    init(name: String, directory: URL) throws {
        self.name = name
        folder = directory.appendingPathComponent(name)
        let context =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("context.json")))
            as? [String: Any] ?? [:]
        let credentials = context["credentials"] as? [String: Any] ?? [:]
        accessKey = credentials["access_key_id"] as? String ?? ""
        secret = credentials["secret_access_key"] as? String ?? ""
        region = context["region"] as? String ?? ""
        service = context["service"] as? String ?? ""
        normalize = context["normalize"] as? Bool ?? true
        omitsToken = context["omit_session_token"] as? Bool ?? false
        let stamp = (context["timestamp"] as? String ?? "").replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: ":", with: "")
        timestamp = try #require(AmzDate(stamp)).seconds
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    func verifier() -> SigV4Verifier {
        let (key, secret) = (accessKey, self.secret)
        return SigV4Verifier(service: service, normalizePath: normalize) { $0 == key ? secret : nil }
    }

    func signedHeaders(_ request: SigV4Request) -> [String] {
        if let authorization = request.firstValue(of: "authorization"),
            let parsed = try? SigV4Authorization.parse(authorization)
        {
            return parsed.signedHeaders
        }
        return request.queryParameters.first { $0.name == "X-Amz-SignedHeaders" }?.value
            .split(separator: ";").map(String.init) ?? []
    }

    func canonical(_ request: SigV4Request, presigned: Bool) throws -> String {
        let excluded = presigned ? ["X-Amz-Signature"] + (omitsToken ? ["X-Amz-Security-Token"] : []) : []
        let field = Array(signedHeaders(request).joined(separator: ";").utf8)
        let bytes = try field.withUnsafeBufferPointer { field in
            try CanonicalRequest.bytes(
                of: request, signedHeaders: field, normalizePath: normalize, excludedQueryNames: excluded)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a raw HTTP request of the suite: request line, headers (folded lines continue a value), blank line, body.
    func request(_ file: String) throws -> SigV4Request {
        let raw = try text(file)
        var lines = raw.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if let range = target.range(of: " HTTP/", options: .backwards) { target = String(target[..<range.lowerBound]) }
        let path: String
        let query: String
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            query = String(target[target.index(after: question)...])
        } else {
            path = target
            query = ""
        }
        var headers: [SigV4Request.Header] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return SigV4Request(
            method: method, path: path, query: query, headers: headers,
            body: Array(bodyLines.joined(separator: "\n").utf8))
    }
}

/// The kept signing keys are bounded and only for access keys that have a secret (docs/guarantees.md).
@Suite struct SigningKeyCacheTests {
    @Test func madeUpScopesAndUnknownKeysGrowNothing() throws {
        let verifier = SigV4Verifier(service: "sagemaker") { _ in nil }
        for region in 0..<50 {
            let request = SigV4Request(
                method: "POST", path: "/", query: "",
                headers: [
                    .init("Host", "example"), .init("X-Amz-Date", "20261126T000000Z"),
                    .init(
                        "Authorization",
                        "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20261126/r\(region)/sagemaker/aws4_request, "
                            + "SignedHeaders=host;x-amz-date, Signature=00"),
                ],
                body: [])
            #expect(throws: SigV4Failure.unknownAccessKey) { try verifier.verify(request, now: 1_795_651_200) }
        }
        #expect(verifier.signers.count == 0)
        let signers = Signers()
        for index in 0..<(signers.capacity + 100) {
            let identity = SigV4Identity(accessKeyId: "AKID", region: "r\(index)", service: "sagemaker")
            signers.keep(
                Signer(identity: identity, scopeDate: "20261126", secret: "s"),
                for: Array("AKID/20261126/r\(index)/sagemaker/aws4_request".utf8))
            #expect(signers.count <= signers.capacity)
        }
    }
}
