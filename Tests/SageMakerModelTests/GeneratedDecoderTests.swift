import AWSWire
import Foundation
import Testing

@testable import SageMakerModel

/// The generated readers must decode exactly what Foundation's JSONDecoder decodes, and refuse what it refuses with
/// the same SerializationException message.
@Suite struct GeneratedDecoderTests {
    /// One outcome, comparable across the two decoders.
    enum Outcome<T: Equatable>: Equatable {
        case value(T)
        case error(String)
    }

    func both<T: Decodable & WireDecodable & Equatable>(_ type: T.Type, _ body: String) -> (Outcome<T>, Outcome<T>) {
        let bytes = Array(body.utf8)
        let foundation: Outcome<T>
        do { foundation = .value(try WireCodec.decode(T.self, from: bytes)) } catch {
            foundation = .error(error.message)
        }
        let generated: Outcome<T>
        do { generated = .value(try WireCodec.decodeShape(T.self, from: bytes)) } catch {
            generated = .error(error.message)
        }
        return (foundation, generated)
    }

    static let updateBodies = [
        "",
        "{}",
        #"{"DomainId":"d-abc","DefaultUserSettings":{"ExecutionRole":"arn:aws:iam::111111111111:role/R","SecurityGroups":["sg-1","sg-2"],"JupyterServerAppSettings":{"DefaultResourceSpec":{"InstanceType":"system","SageMakerImageArn":"arn:aws:sagemaker:us-east-1:111111111111:image/x"},"LifecycleConfigArns":[]}},"DomainSettingsForUpdate":{"SecurityGroupIds":[],"RStudioServerProDomainSettingsForUpdate":{"DomainExecutionRoleArn":"arn:aws:iam::111111111111:role/R"}},"AppNetworkAccessType":"VpcOnly","SubnetIds":["subnet-1"],"TagPropagation":"ENABLED"}"#,
        #"{"DomainId":"a\"b\\c\/d\u00e9\ud83d\ude00\n\t","Unknown":{"deep":[1,2,{"x":null}]},"VpcId":null}"#,
        #"  {"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[{"AppImageConfigName":"c","ImageName":"i","ImageVersionNumber":3}]}}}  "#,
        #"{"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[{"ImageVersionNumber":1.0}]}}}"#,
        #"{"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[{"ImageVersionNumber":1.5}]}}}"#,
        #"{"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[{"ImageVersionNumber":99999999999999999999}]}}}"#,
        #"{"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[{"ImageVersionNumber":"3"}]}}}"#,
        #"{"DefaultUserSettings":{"KernelGatewayAppSettings":{"CustomImages":[null]}}}"#,
        #"{"SubnetIds":[null]}"#, #"{"SubnetIds":[1]}"#, #"{"SubnetIds":"subnet-1"}"#, #"{"SubnetIds":{}}"#,
        #"{"DomainId":5}"#, #"{"DomainId":true}"#, #"{"DomainId":{}}"#, #"{"DomainId":[]}"#, #"{"DomainId":-0.5e3}"#,
        #"{"DefaultUserSettings":"x"}"#, #"{"DefaultUserSettings":[]}"#, #"{"DefaultUserSettings":false}"#,
        "[]", #""text""#, "null", "5", "true",
        "{", #"{"a":}"#, #"{"a" 1}"#, "{} x", #"{"a":.5}"#, #"{"a":tru}"#, #"{,}"#, #"{'a':1}"#,
    ]

    @Test(arguments: updateBodies)
    func updateDomainRequestsDecodeAlike(body: String) {
        let (foundation, generated) = both(UpdateDomainRequest.self, body)
        #expect(foundation == generated, "body: \(body)")
    }

    static let otherBodies: [(String, String)] = [
        ("list", #"{"MaxResults":10,"NextToken":"abc","SortOrder":"Ascending"}"#),
        ("list", #"{"MaxResults":1e1}"#),
        ("list", #"{"MaxResults":"10"}"#),
        ("list", #"{"MaxResults":10.5}"#),
        ("lcc", #"{"CreationTimeAfter":1605418785.555,"ModifiedTimeBefore":1605418785}"#),
        ("lcc", #"{"CreationTimeAfter":"2020-01-01"}"#),
        (
            "create",
            #"{"DomainName":"x","Tags":[{"Key":"a","Value":"b"},{"Key":"c"}],"DomainSettings":{"DockerSettings":{"EnableDockerAccess":"ENABLED","VpcOnlyTrustedAccounts":["111111111111"]}}}"#
        ),
        ("create", #"{"Tags":[{"Key":1}]}"#),
        ("create", #"{"Tags":[{"Key":"a"},"b"]}"#),
        (
            "app",
            #"{"AppName":"default","AppType":"JupyterLab","DomainId":"d-1","RecoveryMode":true,"ResourceSpec":{"InstanceType":"ml.t3.medium"}}"#
        ),
        ("app", #"{"RecoveryMode":"yes"}"#),
        ("app", #"{"RecoveryMode":1}"#),
    ]

    @Test(arguments: otherBodies)
    func otherRequestsDecodeAlike(kind: String, body: String) {
        switch kind {
        case "list":
            let (foundation, generated) = both(ListUserProfilesRequest.self, body)
            #expect(foundation == generated, "body: \(body)")
        case "lcc":
            let (foundation, generated) = both(ListStudioLifecycleConfigsRequest.self, body)
            #expect(foundation == generated, "body: \(body)")
        case "create":
            let (foundation, generated) = both(CreateDomainRequest.self, body)
            #expect(foundation == generated, "body: \(body)")
        default:
            let (foundation, generated) = both(CreateAppRequest.self, body)
            #expect(foundation == generated, "body: \(body)")
        }
    }

    /// Malformed JSON that Foundation lets through inside members it never reads; AWS refuses malformed JSON.
    static let strictBodies = [
        #"{"a":01}"#, #"{"a":-}"#, #"{"a":1.}"#, #"{"a":1e}"#, #"{"a":"\x"}"#, #"{"a":"\ud800"}"#,
        #"{"a":"\udc00x"}"#, "{\"a\":\"\u{01}\"}", #"{"a":[1,]}"#, #"{"a":1,}"#,
    ]

    @Test(arguments: strictBodies)
    func malformedJSONIsRefusedWherever(body: String) {
        let (_, generated) = both(UpdateDomainRequest.self, body)
        #expect(generated == .error("Malformed JSON: the request body could not be parsed."))
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let body = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let (_, generated) = both(UpdateDomainRequest.self, #"{"Unknown":"# + body + "}")
        #expect(generated == .error("Malformed JSON: the request body could not be parsed."))
    }

    /// The Terraform provider sends every idle-settings number, 0 for those left out: those read as absent, so that
    /// the range check (60 and up) sees only numbers a user gave. Other integers keep their 0.
    @Test func idleSettingsZerosReadAsAbsent() throws {
        let idle = try WireCodec.decodeShape(
            IdleSettings.self,
            from: Array(
                #"{"LifecycleManagement":"ENABLED","IdleTimeoutInMinutes":0,"MinIdleTimeoutInMinutes":0,"MaxIdleTimeoutInMinutes":240}"#
                    .utf8))
        #expect(idle == IdleSettings(lifecycleManagement: "ENABLED", maxIdleTimeoutInMinutes: 240))
        let space = try WireCodec.decodeShape(SpaceIdleSettings.self, from: Array(#"{"IdleTimeoutInMinutes":0}"#.utf8))
        #expect(space.idleTimeoutInMinutes == nil)
        let image = try WireCodec.decodeShape(CustomImage.self, from: Array(#"{"ImageVersionNumber":0}"#.utf8))
        #expect(image.imageVersionNumber == 0)
    }
}
