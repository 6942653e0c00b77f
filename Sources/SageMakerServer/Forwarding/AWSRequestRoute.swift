import AWSSigV4
import Foundation
import HTTPTypes
import Hummingbird
import SageMakerModel

/// Which AWS service a request is for, read the way AWS reads it: the service of its SigV4 credential scope (the
/// `Authorization` header, or a presigned query's `X-Amz-Credential`), else the prefix of its `X-Amz-Target`. And
/// whether it is one of the SageMaker operations this emulator serves, which is all the hot path asks.
struct AWSRequestRoute: Sendable {
    /// The wire protocol a request speaks, which its error must speak too.
    enum WireProtocol: Sendable {
        /// AWS JSON 1.0 / 1.1: `POST /` with `X-Amz-Target` (SageMaker, KMS, ...).
        case json
        /// The Query protocol: a form body or query with `Action` (IAM, STS, ...).
        case query
        /// EC2's flavour of Query, whose errors have their own XML form.
        case ec2
        /// REST protocols (S3 is REST-XML; others REST-JSON): the method and path name the operation.
        case rest
    }

    /// The service's signing name (`iam`, `sts`, `ec2`, `s3`, `kms`, `sagemaker`), when the request says it.
    let service: String?
    let wireProtocol: WireProtocol
    /// A SageMaker operation this emulator serves: answered here, never forwarded.
    let isServedHere: Bool
    /// A request for SageMaker (served or not).
    let isSageMaker: Bool

    /// Target prefixes of AWS JSON services whose signing name is not the prefix lowercased.
    static let targetServices: [String: String] = [
        "TrentService": "kms", "AmazonSSM": "ssm", "DynamoDB_20120810": "dynamodb", "Logs_20140328": "logs",
        "AWSEvents": "events", "secretsmanager": "secretsmanager", "AmazonSQS": "sqs",
        "AWSCognitoIdentityService":
            "cognito-identity", "Kinesis_20131202": "kinesis", "AmazonEC2ContainerRegistry_V20150921": "ecr",
    ]

    init(_ request: Request) {
        let target = request.headers.value(of: .amzTarget)
        let prefix = SageMakerOperationTable.targetPrefix + "."
        if let target, target.hasPrefix(prefix) {
            let name = target.dropFirst(prefix.count)
            service = "sagemaker"
            wireProtocol = .json
            isSageMaker = true
            isServedHere = SageMakerOperation(rawValue: String(name)) != nil
            return
        }
        let scoped = Self.scopeService(request)
        service = scoped ?? target.map { Self.targetService($0) }
        isServedHere = false
        if target != nil {
            wireProtocol = .json
        } else if service == "ec2" {
            wireProtocol = .ec2
        } else if Self.isQuery(request) {
            wireProtocol = .query
        } else {
            wireProtocol = .rest
        }
        // SageMaker's own requests always carry a target; one signed for sagemaker without one is still ours to
        // refuse (the AWS path answers UnknownOperationException), as is an unsigned POST / with neither.
        isSageMaker =
            service == "sagemaker"
            || (service == nil && target == nil && request.method == .post && request.uri.path == "/"
                && !Self.isQuery(request))
    }

    /// The signing name of a JSON service from its target prefix (`TrentService.CreateKey` is `kms`).
    static func targetService(_ target: String) -> String {
        let prefix = String(target.prefix(while: { $0 != "." }))
        return targetServices[prefix] ?? prefix.lowercased()
    }

    /// The service of the credential scope: `Credential=AKID/20261206/us-east-1/iam/aws4_request`.
    static func scopeService(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization],
            let parsed = try? SigV4Authorization.parse(authorization)
        {
            return parsed.service
        }
        guard let query = request.uri.query, query.contains("X-Amz-Credential=") else { return nil }
        let credential = request.uri.queryParameters.get("X-Amz-Credential") ?? ""
        let parts = credential.split(separator: "/")
        return parts.count == 5 ? String(parts[3]) : nil
    }

    /// A Query-protocol request: a form body, or `Action` in the query string.
    static func isQuery(_ request: Request) -> Bool {
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true { return true }
        return request.uri.queryParameters.get("Action") != nil
    }
}
