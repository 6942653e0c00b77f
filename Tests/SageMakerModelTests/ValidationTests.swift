import AWSWire
import Foundation
import Testing

@testable import SageMakerModel

func validationMessage(_ input: some ShapeValidatable) -> String? {
    do {
        try ValidationReport.validate(input)
        return nil
    } catch {
        #expect(error.code == .validation)
        return error.message
    }
}

@Suite struct ValidationTests {
    @Test func emptyRoleFailsLengthAndPatternInAWSFormat() {
        let request = UpdateDomainRequest(
            defaultSpaceSettings: DefaultSpaceSettings(executionRole: ""), domainId: "d-abcdefghijkl")
        #expect(
            validationMessage(request)
                == "2 validation errors detected: Value '' at 'defaultSpaceSettings.executionRole' failed to satisfy "
                + "constraint: Member must have length greater than or equal to 20; Value '' at "
                + "'defaultSpaceSettings.executionRole' failed to satisfy constraint: Member must satisfy regular "
                + #"expression pattern: arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"#)
    }

    @Test func missingRequiredMemberIsNull() {
        #expect(
            validationMessage(DescribeDomainRequest())
                == "1 validation error detected: Value null at 'domainId' failed to satisfy constraint: Member must not be null"
        )
    }

    @Test func patternsMatchTheWholeValue() {
        #expect(validationMessage(DescribeDomainRequest(domainId: "d-abc123")) == nil)
        #expect(validationMessage(DescribeDomainRequest(domainId: "xd-abc123")) != nil)
        #expect(validationMessage(DescribeDomainRequest(domainId: "d-abc123!")) != nil)
    }

    @Test func aValueOutsideTheVocabularyDecodesKeepsItsTextAndIsRefusedByValidation() throws {
        let body = Array(#"{"DomainId":"d-abc","AppSecurityGroupManagement":"Both"}"#.utf8)
        let request = try WireCodec.decodeShape(UpdateDomainRequest.self, from: body)
        #expect(request.appSecurityGroupManagement?.rawValue == "Both")
        #expect(request.appSecurityGroupManagement != AppSecurityGroupManagement.service)
        #expect(validationMessage(request)?.contains("Member must satisfy enum value set: [Service, Customer]") == true)
        // Stored documents keep the text itself.
        let stored = try JSONEncoder().encode(DescribeDomainResponse(domainId: "d-abc", status: .inService))
        #expect(String(decoding: stored, as: UTF8.self).contains(#""Status":"InService""#))
        #expect(try JSONDecoder().decode(DescribeDomainResponse.self, from: stored).status == .inService)
    }

    @Test func enumValuesAreListedInModelOrder() {
        let request = UpdateDomainRequest(appSecurityGroupManagement: "Both", domainId: "d-abc")
        #expect(
            validationMessage(request)
                == "1 validation error detected: Value 'Both' at 'appSecurityGroupManagement' failed to satisfy "
                + "constraint: Member must satisfy enum value set: [Service, Customer]")
    }

    @Test func listElementsAreAddressedByOneBasedIndex() {
        let request = UpdateDomainRequest(
            domainId: "d-abc", subnetIds: ["subnet-1", String(repeating: "s", count: 33)])
        let message = validationMessage(request)
        #expect(
            message?.contains(
                "at 'subnetIds.2.member' failed to satisfy constraint: Member must have length less than or equal to 32"
            ) == true)
    }

    @Test func listSizeAndNumberRanges() {
        #expect(
            validationMessage(ListDomainsRequest(maxResults: 0))
                == "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
        )
        #expect(validationMessage(ListDomainsRequest(maxResults: 101))?.contains("less than or equal to 100") == true)
        let tooMany = UpdateDomainRequest(domainId: "d-abc", subnetIds: (1...17).map { "subnet-\($0)" })
        #expect(
            validationMessage(tooMany)?.contains(
                "at 'subnetIds' failed to satisfy constraint: Member must have length less than or equal to 16") == true
        )
    }

    @Test func nestedListOfStructuresUsesMemberPaths() {
        let request = CreateDomainRequest(
            authMode: "IAM", defaultUserSettings: UserSettings(), domainName: "ok",
            tags: [Tag(key: "a", value: "1"), Tag(key: "", value: "2")])
        #expect(
            validationMessage(request)?.contains(
                "at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"
            ) == true)
    }

    @Test func everyPatternOfTheModelCompiles() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("model/sagemaker-2017-07-24.json")
        let model = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let shapes = model["shapes"] as! [String: [String: Any]]
        let patterns = shapes.values.compactMap { $0["pattern"] as? String }
        #expect(patterns.count > 20)
        for pattern in patterns {
            #expect(ShapePattern(pattern).isCompiled, "\(pattern)")
        }
    }
}

@Suite struct WireCodecTests {
    @Test func malformedAndNonObjectBodiesAreSerializationErrors() {
        for body in ["{", "[1,2]", "\"text\"", "42", "{\"NextToken\": 5}", "{\"MaxResults\": \"ten\"}"] {
            #expect(throws: AWSError.self) { _ = try WireCodec.decode(ListDomainsRequest.self, from: Array(body.utf8)) }
        }
        do {
            _ = try WireCodec.decode(ListDomainsRequest.self, from: Array(#"{"MaxResults": "ten"}"#.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .serialization)
            #expect(error.message.hasPrefix("STRING_VALUE can not be converted to an Integer"))
        }
    }

    @Test func emptyBodyIsTheEmptyObject() throws {
        #expect(try WireCodec.decode(ListDomainsRequest.self, from: [UInt8]()) == ListDomainsRequest())
    }

    @Test func timestampsAreEpochSecondsWithMilliseconds() throws {
        let details = DomainDetails(creationTime: Date(timeIntervalSince1970: 1_605_418_785.5554))
        #expect(String(decoding: try WireCodec.encode(details), as: UTF8.self) == #"{"CreationTime":1605418785.555}"#)
    }

    @Test func absentMembersAreLeftOutNotNull() throws {
        let body = String(decoding: try WireCodec.encode(CreateDomainResponse(domainId: "d-x")), as: UTF8.self)
        #expect(body == #"{"DomainId":"d-x"}"#)
    }

    @Test func modelledErrorsUseMessageAndCommonErrorsUseLowercaseMessage() throws {
        let modelled =
            try JSONSerialization.jsonObject(with: Data(WireCodec.errorBody(.resourceNotFound("gone"))))
            as? [String: String]
        #expect(modelled == ["__type": "ResourceNotFound", "Message": "gone"])
        let validation = String(decoding: WireCodec.errorBody(.validation("bad")), as: UTF8.self)
        #expect(validation.contains(#""message":"bad""#) && validation.contains(#""__type":"ValidationException""#))
        #expect(AWSError.notImplemented(operation: "X").httpStatus == 501)
        #expect(AWSError.internalFailure().httpStatus == 500)
    }
}

@Suite struct ReferenceTests {
    @Test func settingsCollectEveryImageAndLifecycleConfigurationAtEveryDepth() {
        let lcc = { (name: String) in "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/\(name)" }
        let settings = UserSettings(
            codeEditorAppSettings: CodeEditorAppSettings(lifecycleConfigArns: [lcc("a")]),
            jupyterServerAppSettings: JupyterServerAppSettings(
                defaultResourceSpec: ResourceSpec(lifecycleConfigArn: lcc("b")), lifecycleConfigArns: [lcc("a")]),
            kernelGatewayAppSettings: KernelGatewayAppSettings(
                customImages: [CustomImage(appImageConfigName: "c", imageName: "i", imageVersionNumber: 2)]),
            rSessionAppSettings: RSessionAppSettings(customImages: [
                CustomImage(appImageConfigName: "c", imageName: "j")
            ]),
            tensorBoardAppSettings: TensorBoardAppSettings(
                defaultResourceSpec: ResourceSpec(lifecycleConfigArn: lcc("c"))))
        var references = ShapeReferences()
        settings.collectReferences(into: &references)
        #expect(references.lifecycleConfigArns == [lcc("a"), lcc("b"), lcc("c")])
        #expect(
            references.customImages.sorted().map {
                [$0.appImageConfigName, $0.imageName, "\($0.imageVersionNumber ?? 0)"]
            }
                == [["c", "i", "2"], ["c", "j", "0"]])
        var none = ShapeReferences()
        UserSettings(executionRole: "arn:aws:iam::123456789012:role/x").collectReferences(into: &none)
        #expect(none.isEmpty)
    }
}

@Suite struct GeneratedEncoderTests {
    /// The generated writer and Foundation's JSONEncoder must produce the same JSON values.
    func sameJSON(_ value: some Encodable & WireEncodable) throws {
        let generated = WireCodec.encode(shape: value)
        let foundation = try WireCodec.encode(value)
        let left = try JSONSerialization.jsonObject(with: Data(generated)) as? NSDictionary
        let right = try JSONSerialization.jsonObject(with: Data(foundation)) as? NSDictionary
        #expect(left != nil)
        #expect(left == right, "\(String(decoding: generated, as: UTF8.self))")
    }

    @Test func matchesFoundationOnNestedListsScalarsAndTimestamps() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} é ✓ / slash"
        let spec = ResourceSpec(instanceType: "ml.t3.medium", lifecycleConfigArn: tricky)
        let domain = DescribeDomainResponse(
            appNetworkAccessType: "VpcOnly", creationTime: Date(timeIntervalSince1970: 1_605_418_785.555),
            defaultUserSettings: UserSettings(
                canvasAppSettings: CanvasAppSettings(
                    identityProviderOAuthSettings: [
                        IdentityProviderOAuthSetting(dataSourceName: "Snowflake", status: "ENABLED")
                    ]),
                jupyterServerAppSettings: JupyterServerAppSettings(
                    codeRepositories: [CodeRepository(repositoryUrl: "https://a/b/c")], defaultResourceSpec: spec,
                    lifecycleConfigArns: ["a", "b"]),
                kernelGatewayAppSettings: KernelGatewayAppSettings(
                    customImages: [CustomImage(appImageConfigName: "c", imageName: "i", imageVersionNumber: 7)]),
                securityGroups: []),
            domainId: "d-1", lastModifiedTime: Date(timeIntervalSince1970: 1_605_418_786),
            subnetIds: ["s-1", "s-2"], url: tricky)
        try sameJSON(domain)
        try sameJSON(
            ListDomainsResponse(
                domains: [
                    DomainDetails(creationTime: Date(timeIntervalSince1970: 1), domainId: "d-1"), DomainDetails(),
                ], nextToken: "t"))
        try sameJSON(CreateDomainResponse())
        let container = ContainerConfig(
            containerArguments: ["--x"], containerEntrypoint: ["python"],
            containerEnvironmentVariables: ["A": "1", "B\"": "two \n"])
        try sameJSON(container)
        #expect(String(decoding: WireCodec.encode(shape: CreateDomainResponse()), as: UTF8.self) == "{}")
    }
}
