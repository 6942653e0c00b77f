import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerServer
import SageMakerStorage
import Testing

func post(
    _ client: RouterClient, target: String?, body: String, headers extra: HTTPFields = [:]
) async throws -> (status: Int, json: [String: Any], headers: HTTPFields) {
    var headers = extra
    headers[.contentType] = "application/x-amz-json-1.1"
    if let target { headers[HTTPField.Name("X-Amz-Target")!] = target }
    return try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body)) {
        response in
        let json =
            (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json, response.headers)
    }
}

@Suite struct RouterTests {
    @Test func everyResponseCarriesAUUIDRequestId() async throws {
        try await withRouterClient { client in
            let response = try await post(client, target: "SageMaker.ListDomains", body: "{}")
            #expect(response.status == 200)
            #expect((response.json["Domains"] as? [Any])?.isEmpty == true)
            let id = try #require(response.headers[HTTPField.Name("x-amzn-RequestId")!])
            #expect(UUID(uuidString: id) != nil)
            #expect(response.headers[.contentType] == "application/x-amz-json-1.1")
        }
    }

    @Test func unknownTargetsAndOperationsWeDoNotServe() async throws {
        try await withRouterClient { client in
            let unknown = try await post(client, target: "SageMaker.MakeCoffee", body: "{}")
            #expect(unknown.status == 400)
            #expect(unknown.json["__type"] as? String == "UnknownOperationException")
            let missing = try await post(client, target: nil, body: "{}")
            #expect(missing.json["__type"] as? String == "UnknownOperationException")
            let otherService = try await post(client, target: "DynamoDB_20120810.ListTables", body: "{}")
            #expect(otherService.json["__type"] as? String == "UnknownOperationException")
            let notServed = try await post(client, target: "SageMaker.CreateTrainingJob", body: "{}")
            #expect(notServed.status == 501)
            #expect(notServed.json["__type"] as? String == "NotImplemented")
            #expect((notServed.json["message"] as? String)?.contains("CreateTrainingJob") == true)
            #expect(notServed.headers[HTTPField.Name("x-amzn-RequestId")!] != nil)
        }
    }

    @Test func badBodiesAreSerializationExceptions() async throws {
        try await withRouterClient { client in
            for body in ["{not json", "[]", "\"x\"", #"{"DomainId": 12}"#, #"{"DomainId": {"a": 1}}"#] {
                let response = try await post(client, target: "SageMaker.DescribeDomain", body: body)
                #expect(response.status == 400, "\(body)")
                #expect(response.json["__type"] as? String == "SerializationException", "\(body)")
            }
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        try await withRouterClient(maxBodyBytes: 1000) { client in
            let body = #"{"DomainName":""# + String(repeating: "a", count: 5000) + #""}"#
            let response = try await post(client, target: "SageMaker.CreateDomain", body: body)
            #expect(response.status == 413)
            #expect(response.json["__type"] as? String == "RequestEntityTooLargeException")
        }
    }

    @Test func otherPathsAndMethodsAnswerInJSONNotHTML() async throws {
        try await withRouterClient { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status.code == 400)
                let json =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(json?["__type"] as? String == "UnknownOperationException")
            }
        }
    }

    @Test func theAccountComesFromTheAccessKeyAndTheRegionFromTheScope() async throws {
        try await withRouterClient { client in
            func signed(_ key: String, _ region: String) -> HTTPFields {
                [
                    .authorization:
                        "AWS4-HMAC-SHA256 Credential=\(key)/20261124/\(region)/sagemaker/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
                ]
            }
            let create = #"{"DomainName":"n","AuthMode":"IAM","DefaultUserSettings":{}}"#
            let created = try await post(
                client, target: "SageMaker.CreateDomain", body: create, headers: signed("444455556666", "eu-west-1"))
            #expect(
                (created.json["DomainArn"] as? String)?.hasPrefix("arn:aws:sagemaker:eu-west-1:444455556666:domain/d-")
                    == true)
            let unsigned = try await post(client, target: "SageMaker.CreateDomain", body: create)
            #expect(
                (unsigned.json["DomainArn"] as? String)?.hasPrefix("arn:aws:sagemaker:us-east-1:123456789012:domain/d-")
                    == true)
            let named = try await post(
                client, target: "SageMaker.CreateDomain", body: create, headers: signed("AKIDEXAMPLE", "ap-south-1"))
            #expect(
                (named.json["DomainArn"] as? String)?.hasPrefix("arn:aws:sagemaker:ap-south-1:123456789012:domain/d-")
                    == true)
            let broken = try await post(
                client, target: "SageMaker.ListDomains", body: "{}",
                headers: [.authorization: "AWS4-HMAC-SHA256 Signature=x"])
            #expect(broken.json["__type"] as? String == "IncompleteSignatureException")
        }
    }

    @Test func validationErrorsComeBackInAWSFormat() async throws {
        try await withRouterClient { client in
            let response = try await post(
                client, target: "SageMaker.UpdateDomain", body: #"{"DefaultSpaceSettings":{"ExecutionRole":""}}"#)
            #expect(response.status == 400)
            #expect(response.json["__type"] as? String == "ValidationException")
            #expect((response.json["message"] as? String)?.hasPrefix("3 validation errors detected: ") == true)
            #expect(
                (response.json["message"] as? String)?.contains(
                    "Value null at 'domainId' failed to satisfy constraint: Member must not be null") == true)
        }
    }
}

/// A handler whose ListDomains fails in a way no operation should: the server must answer 500 InternalFailure.
struct BrokenHandler: PartialSageMakerHandler {
    struct Unexpected: Error {}
    func listDomains(_ input: ListDomainsRequest, context: OperationContext) async throws -> ListDomainsResponse {
        throw Unexpected()
    }
}

@Suite struct ErrorMappingTests {
    @Test func unexpectedErrorsBecomeInternalFailureNotACrash() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let router = buildRouter(service: BrokenHandler(), configuration: EmulatorConfiguration(), logger: logger)
        let client = RouterClient(router: router, logger: logger)
        do {
            let response = try await post(client, target: "SageMaker.ListDomains", body: "{}")
            #expect(response.status == 500)
            #expect(response.json["__type"] as? String == "InternalFailure")
            #expect(response.headers[HTTPField.Name("x-amzn-RequestId")!] != nil)
            // The default implementation of an operation not yet written answers 501.
            let notYet = try await post(client, target: "SageMaker.DescribeDomain", body: #"{"DomainId":"d-1"}"#)
            #expect(notYet.status == 501)
            #expect(notYet.json["__type"] as? String == "NotImplemented")
        }
    }

    @Test func aMalformedRegionInTheCredentialScopeIsASignatureErrorNotATrap() async throws {
        try await withRouterClient { client in
            for region in ["us east-1", "us|east-1", "us%east-1", "{", "\u{e9}u", "", "Us-East-1"] {
                var headers = HTTPFields()
                headers[.authorization] =
                    "AWS4-HMAC-SHA256 Credential=111122223333/20260101/\(region)/sagemaker/"
                    + "aws4_request, SignedHeaders=host, Signature=00"
                let response = try await post(
                    client, target: "SageMaker.CreatePresignedDomainUrl",
                    body: #"{"DomainId":"d-aaaaaaaaaaaa","UserProfileName":"u"}"#, headers: headers)
                #expect(response.status == 400)
                #expect(response.json["__type"] as? String == "InvalidSignatureException")
            }
        }
    }
}
