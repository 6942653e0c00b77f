"""UpdateDomain: every member of the reference page and the model, the merge, the rules and every error."""
import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, create_domain, create_image, wait_for, wait_for_status

ACCOUNT_ROLE = "arn:aws:iam::111111111111:role/Other"
LCC = "arn:aws:sagemaker:us-east-1:111111111111:studio-lifecycle-config/setup"
IMAGE = "arn:aws:sagemaker:us-east-1:111111111111:image/my-image"
IMAGE_VERSION = "arn:aws:sagemaker:us-east-1:111111111111:image-version/my-image/1"


def spec(instance="ml.t3.medium"):
    return {"InstanceType": instance, "LifecycleConfigArn": LCC, "SageMakerImageArn": IMAGE,
            "SageMakerImageVersionArn": IMAGE_VERSION}


def custom_images(prefix):
    return [{"AppImageConfigName": f"{prefix}-config", "ImageName": f"{prefix}-image", "ImageVersionNumber": 1}]


# Every request member of the UpdateDomain API reference page (SageMaker API Reference, UpdateDomain), with valid values.
SEED_PAGE_REQUEST = {
    "AppSecurityGroupManagement": "Service",
    "DefaultSpaceSettings": {
        "ExecutionRole": ACCOUNT_ROLE,
        "JupyterServerAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/org/repo"}],
                                     "DefaultResourceSpec": spec("system"), "LifecycleConfigArns": [LCC]},
        "KernelGatewayAppSettings": {"CustomImages": custom_images("space"), "DefaultResourceSpec": spec(),
                                     "LifecycleConfigArns": [LCC]},
        "SecurityGroups": ["sg-space"],
    },
    "DefaultUserSettings": {
        "CanvasAppSettings": {
            "DirectDeploySettings": {"Status": "ENABLED"},
            "IdentityProviderOAuthSettings": [{"DataSourceName": "SalesforceGenie",
                                               "SecretArn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:x",
                                               "Status": "ENABLED"}],
            "KendraSettings": {"Status": "ENABLED"},
            "ModelRegisterSettings": {"CrossAccountModelRegisterRoleArn": ACCOUNT_ROLE, "Status": "ENABLED"},
            "TimeSeriesForecastingSettings": {"AmazonForecastRoleArn": ACCOUNT_ROLE, "Status": "ENABLED"},
            "WorkspaceSettings": {"S3ArtifactPath": "s3://bucket/canvas", "S3KmsKeyId": "key-1"},
        },
        "ExecutionRole": ACCOUNT_ROLE,
        "JupyterServerAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/org/repo"}],
                                     "DefaultResourceSpec": spec("system"), "LifecycleConfigArns": [LCC]},
        "KernelGatewayAppSettings": {"CustomImages": custom_images("kernel"), "DefaultResourceSpec": spec(),
                                     "LifecycleConfigArns": [LCC]},
        "RSessionAppSettings": {"CustomImages": custom_images("rsession"), "DefaultResourceSpec": spec()},
        "RStudioServerProAppSettings": {"AccessStatus": "ENABLED", "UserGroup": "R_STUDIO_USER"},
        "SecurityGroups": ["sg-user"],
        "SharingSettings": {"NotebookOutputOption": "Allowed", "S3KmsKeyId": "key-2",
                            "S3OutputPath": "s3://bucket/sharing"},
        "TensorBoardAppSettings": {"DefaultResourceSpec": spec("ml.t3.large")},
    },
    "DomainSettingsForUpdate": {
        "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
        "RStudioServerProDomainSettingsForUpdate": {
            "DefaultResourceSpec": spec("ml.t3.large"), "DomainExecutionRoleArn": ACCOUNT_ROLE,
            "RStudioConnectUrl": "https://connect.example.com", "RStudioPackageManagerUrl": "https://pm.example.com"},
        "SecurityGroupIds": ["sg-domain"],
    },
}


REFERENCE_ACCOUNT = "111111111111"


def ensure_references(client):
    """The lifecycle configuration, app image configs and images the requests of this module name must exist."""
    try:
        client.create_studio_lifecycle_config(StudioLifecycleConfigName="setup", StudioLifecycleConfigContent="ZWNobw==",
                                              StudioLifecycleConfigAppType="JupyterServer")
    except client.exceptions.ResourceInUse:
        pass
    for prefix in ["space", "kernel", "rsession", "a", "b"]:
        try:
            client.create_app_image_config(AppImageConfigName=f"{prefix}-config")
            create_image(client, f"{prefix}-image")
        except client.exceptions.ResourceInUse:
            pass
    return client


@pytest.fixture
def sm(emulator):
    """This module's requests name ARNs of account 111111111111, so its calls come from that account."""
    return ensure_references(emulator.client(account=REFERENCE_ACCOUNT))


def code_and_message(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_every_member_of_the_reference_page(sm, slow_transitions):
    created = create_domain(sm)
    slow_transitions(domainUpdate=3600)
    response = sm.update_domain(DomainId=created["DomainId"], **SEED_PAGE_REQUEST)
    assert set(response) - {"ResponseMetadata"} == {"DomainArn"}
    assert response["DomainArn"] == created["DomainArn"]
    assert sm.describe_domain(DomainId=created["DomainId"])["Status"] == "Updating"
    slow_transitions.complete()
    assert wait_for_status(sm, created["DomainId"], "InService") == "InService"
    domain = sm.describe_domain(DomainId=created["DomainId"])
    assert domain["AppSecurityGroupManagement"] == "Service"
    assert domain["DefaultSpaceSettings"] == SEED_PAGE_REQUEST["DefaultSpaceSettings"]
    expected_user = dict(SEED_PAGE_REQUEST["DefaultUserSettings"], StudioWebPortal="ENABLED",
                         AutoMountHomeEFS="Enabled", DefaultLandingUri="studio::")
    assert domain["DefaultUserSettings"] == expected_user
    rstudio = dict(SEED_PAGE_REQUEST["DomainSettingsForUpdate"]["RStudioServerProDomainSettingsForUpdate"])
    assert domain["DomainSettings"] == {"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
                                        "RStudioServerProDomainSettings": rstudio, "SecurityGroupIds": ["sg-domain"]}


def test_model_members_beyond_the_page(sm):
    domain_id = create_domain(sm)["DomainId"]
    sm.update_domain(DomainId=domain_id, SubnetIds=["subnet-9", "subnet-8"], VpcId="vpc-9", TagPropagation="ENABLED",
                     DomainSettingsForUpdate={"DockerSettings": {"EnableDockerAccess": "ENABLED"},
                                              "IpAddressType": "dualstack"},
                     DefaultUserSettings={"CodeEditorAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
                                          "StudioWebPortalSettings": {"HiddenAppTypes": ["Canvas"]}})
    wait_for_status(sm, domain_id, "InService")
    domain = sm.describe_domain(DomainId=domain_id)
    assert domain["SubnetIds"] == ["subnet-9", "subnet-8"]
    assert domain["VpcId"] == "vpc-9"
    assert domain["TagPropagation"] == "ENABLED"
    assert domain["DomainSettings"] == {"DockerSettings": {"EnableDockerAccess": "ENABLED"}, "IpAddressType": "dualstack"}
    assert domain["DefaultUserSettings"]["CodeEditorAppSettings"] == {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}
    assert domain["DefaultUserSettings"]["StudioWebPortalSettings"] == {"HiddenAppTypes": ["Canvas"]}


def test_structures_merge_member_by_member_at_every_depth(sm):
    domain_id = create_domain(sm)["DomainId"]
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={
        "JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "system", "SageMakerImageArn": IMAGE},
                                     "LifecycleConfigArns": [LCC]},
        "SharingSettings": {"NotebookOutputOption": "Allowed", "S3OutputPath": "s3://b/p"}})
    wait_for_status(sm, domain_id, "InService")
    # Only the instance type, deep inside: the role, the image, the lifecycle configs and sharing stay.
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={
        "JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}})
    wait_for_status(sm, domain_id, "InService")
    settings = sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]
    assert settings["ExecutionRole"] == ROLE
    assert settings["JupyterServerAppSettings"] == {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium", "SageMakerImageArn": IMAGE},
        "LifecycleConfigArns": [LCC]}
    assert settings["SharingSettings"] == {"NotebookOutputOption": "Allowed", "S3OutputPath": "s3://b/p"}


def test_lists_replace_and_domain_security_groups_cannot_be_cleared(sm):
    domain_id = create_domain(sm)["DomainId"]
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"SecurityGroups": ["sg-1", "sg-2"]},
                     DomainSettingsForUpdate={"SecurityGroupIds": ["sg-a", "sg-b"]})
    wait_for_status(sm, domain_id, "InService")
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"SecurityGroups": ["sg-3"]},
                     DomainSettingsForUpdate={"SecurityGroupIds": []})
    wait_for_status(sm, domain_id, "InService")
    domain = sm.describe_domain(DomainId=domain_id)
    assert domain["DefaultUserSettings"]["SecurityGroups"] == ["sg-3"]
    assert domain["DomainSettings"]["SecurityGroupIds"] == ["sg-a", "sg-b"]
    sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate={"ExecutionRoleIdentityConfig": "DISABLED"})
    wait_for_status(sm, domain_id, "InService")
    assert sm.describe_domain(DomainId=domain_id)["DomainSettings"]["SecurityGroupIds"] == ["sg-a", "sg-b"]


def test_missing_domain_is_resource_not_found(sm):
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.update_domain(DomainId="d-doesnotexist", TagPropagation="ENABLED")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert code_and_message(excinfo)[1].endswith(":domain/d-doesnotexist] does not exist.")


def test_updating_domain_is_resource_in_use_and_unchanged(make_emulator):
    client = make_emulator("--domain-update-delay", "1").client()
    domain_id = create_domain(client)["DomainId"]
    client.update_domain(DomainId=domain_id, TagPropagation="ENABLED")
    with pytest.raises(client.exceptions.ResourceInUse) as excinfo:
        client.update_domain(DomainId=domain_id, VpcId="vpc-other")
    arn = client.describe_domain(DomainId=domain_id)["DomainArn"]
    assert code_and_message(excinfo)[1] == f"Unable to update Domain [{arn}] because it is in Updating status."
    wait_for_status(client, domain_id, "InService")
    assert client.describe_domain(DomainId=domain_id)["VpcId"] == "vpc-0a1b2c"


def test_update_that_passes_a_quota_is_resource_limit_exceeded(make_emulator):
    client = ensure_references(make_emulator("--max-custom-images-per-domain", "1").client(account=REFERENCE_ACCOUNT))
    domain_id = create_domain(client)["DomainId"]
    images = custom_images("a") + custom_images("b")
    with pytest.raises(client.exceptions.ResourceLimitExceeded) as excinfo:
        client.update_domain(DomainId=domain_id, DefaultUserSettings={"KernelGatewayAppSettings": {"CustomImages": images}})
    assert code_and_message(excinfo)[1].startswith(
        "The account-level service limit 'Custom images per domain' is 1 Images, with current utilization of 0 "
        "Images and a request delta of 2 Images.")
    assert client.describe_domain(DomainId=domain_id)["Status"] == "InService"
    assert "KernelGatewayAppSettings" not in client.describe_domain(DomainId=domain_id)["DefaultUserSettings"]


@pytest.mark.parametrize("request_members, message", [
    ({"AppSecurityGroupManagement": "Service"},
     "AppSecurityGroupManagement can only be set for Rstudio enabled domains."),
    ({"DefaultUserSettings": {"StudioWebPortal": "DISABLED", "DefaultLandingUri": "studio::"}},
     "StudioWebPortal is disabled for this domain/user."),
    ({"DefaultUserSettings": {"StudioWebPortal": "DISABLED"}},
     "StudioWebPortal is disabled for this domain/user."),
])
def test_cross_field_rules(sm, request_members, message):
    domain_id = create_domain(sm)["DomainId"]
    before = sm.describe_domain(DomainId=domain_id)
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, **request_members)
    assert code_and_message(excinfo) == ("ValidationException", message)
    after = sm.describe_domain(DomainId=domain_id)
    for response in (before, after):
        response.pop("ResponseMetadata")
    assert after == before


def test_vpc_only_needs_vpc_and_subnets_on_a_domain_without_them(sm):
    domain_id = sm.create_domain(DomainName="novpc", AuthMode="IAM",
                                 DefaultUserSettings={"ExecutionRole": ROLE})["DomainId"]
    wait_for_status(sm, domain_id, "InService")
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly")
    assert code_and_message(excinfo)[1] == "VpcId and Subnet IDs are required for updating domains to VpcOnly mode."
    # No security groups are needed in the domain's defaults (AWS's own VpcOnly sample has none there).
    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", VpcId="vpc-1", SubnetIds=["subnet-1"])
    wait_for_status(sm, domain_id, "InService")
    assert sm.describe_domain(DomainId=domain_id)["AppNetworkAccessType"] == "VpcOnly"
    # Even with its VPC stored, a VpcOnly update names both again (terraform-provider-aws issue 45528, PR 45530).
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly")
    assert code_and_message(excinfo)[1] == "VpcId and Subnet IDs are required for updating domains to VpcOnly mode."


def test_rstudio_domain_execution_role_rules(sm):
    domain_id = create_domain(sm)["DomainId"]
    rstudio = {"RStudioServerProDomainSettingsForUpdate": {"DomainExecutionRoleArn": ACCOUNT_ROLE}}
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", DomainSettingsForUpdate=rstudio,
                         AppSecurityGroupManagement="Service", VpcId="vpc-1", SubnetIds=["subnet-1"],
                         DefaultUserSettings={"SecurityGroups": ["sg-1"]})
    assert "AppNetworkAccessType cannot be changed" in code_and_message(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate=rstudio, AppSecurityGroupManagement="Customer")
    assert code_and_message(excinfo)[0] == "ValidationException"
    sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate=rstudio)
    wait_for_status(sm, domain_id, "InService")
    # The domain now runs its shared RStudio app, which refuses network changes on its own: stop it first.
    shared = {"UserProfileName": "domain-shared", "AppType": "RStudioServerPro", "AppName": "default"}
    wait_for(lambda: len(sm.list_apps(DomainIdEquals=domain_id)["Apps"]), 1)
    sm.delete_app(DomainId=domain_id, **shared)
    wait_for(lambda: sm.describe_app(DomainId=domain_id, **shared)["Status"], "Deleted")
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", VpcId="vpc-1", SubnetIds=["subnet-1"],
                         DefaultUserSettings={"SecurityGroups": ["sg-1"]})
    assert "AppNetworkAccessType cannot be changed" in code_and_message(excinfo)[1]
    sm.update_domain(DomainId=domain_id, AppSecurityGroupManagement="Service")
    wait_for_status(sm, domain_id, "InService")
    assert sm.describe_domain(DomainId=domain_id)["AppSecurityGroupManagement"] == "Service"


def test_rstudio_domains_run_the_shared_app(sm):
    """An RStudio domain runs domain-shared/RStudioServerPro/default once InService: listed, counted by the rules on
    InService apps, and deleted before the domain can be."""
    rstudio = {"RStudioServerProDomainSettings": {"DomainExecutionRoleArn": ACCOUNT_ROLE,
                                                  "DefaultResourceSpec": {"InstanceType": "system"}}}
    domain_id = create_domain(sm, DomainSettings=rstudio, Tags=[{"Key": "team", "Value": "r"}])["DomainId"]
    wait_for_status(sm, domain_id, "InService")
    apps = sm.list_apps(DomainIdEquals=domain_id)["Apps"]
    assert [(a["UserProfileName"], a["AppType"], a["AppName"], a["Status"]) for a in apps] == [
        ("domain-shared", "RStudioServerPro", "default", "InService")]
    shared = sm.describe_app(DomainId=domain_id, UserProfileName="domain-shared", AppType="RStudioServerPro",
                             AppName="default")
    assert shared["ResourceSpec"] == {"InstanceType": "system"}
    assert sm.list_tags(ResourceArn=shared["AppArn"])["Tags"] == [{"Key": "team", "Value": "r"}]
    # It counts as an InService app, shared by the domain-shared profile, in AWS's words.
    with pytest.raises(ClientError) as excinfo:
        sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate={"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"})
    assert "including shared Apps for [domain-shared] User Profile" in code_and_message(excinfo)[1]
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_domain(DomainId=domain_id)
    assert code_and_message(excinfo)[1].endswith("because App(s) are associated with it.")
    sm.delete_app(DomainId=domain_id, UserProfileName="domain-shared", AppType="RStudioServerPro", AppName="default")
    read = lambda: sm.describe_app(DomainId=domain_id, UserProfileName="domain-shared", AppType="RStudioServerPro",
                                   AppName="default")["Status"]
    assert wait_for(read, "Deleted") == "Deleted"
    sm.delete_domain(DomainId=domain_id)

    # A domain that gets RStudio by UpdateDomain runs the app once it is InService again.
    domain_id = create_domain(sm)["DomainId"]
    assert sm.list_apps(DomainIdEquals=domain_id)["Apps"] == []
    sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "RStudioServerProDomainSettingsForUpdate": {"DomainExecutionRoleArn": ACCOUNT_ROLE}})
    wait_for_status(sm, domain_id, "InService")
    assert wait_for(lambda: [a["AppType"] for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]],
                    ["RStudioServerPro"]) == ["RStudioServerPro"]


def test_validation_errors_in_aws_format(raw_sm):
    with pytest.raises(ClientError) as excinfo:
        raw_sm.update_domain(DomainId="d-abc", DefaultSpaceSettings={"ExecutionRole": ""})
    assert code_and_message(excinfo) == (
        "ValidationException",
        "2 validation errors detected: Value '' at 'defaultSpaceSettings.executionRole' failed to satisfy "
        "constraint: Member must have length greater than or equal to 20; Value '' at "
        "'defaultSpaceSettings.executionRole' failed to satisfy constraint: Member must satisfy regular expression "
        r"pattern: arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
    with pytest.raises(ClientError) as excinfo:
        raw_sm.update_domain(TagPropagation="SOMETIMES")
    assert code_and_message(excinfo)[1] == (
        "2 validation errors detected: Value null at 'domainId' failed to satisfy constraint: Member must not be "
        "null; Value 'SOMETIMES' at 'tagPropagation' failed to satisfy constraint: Member must satisfy enum value "
        "set: [ENABLED, DISABLED]")
    with pytest.raises(ClientError) as excinfo:
        raw_sm.update_domain(DomainId="d-abc", DefaultUserSettings={
            "KernelGatewayAppSettings": {"CustomImages": [{"AppImageConfigName": "ok", "ImageName": "bad name!"}]}})
    assert ("Value 'bad name!' at 'defaultUserSettings.kernelGatewayAppSettings.customImages.1.member.imageName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}") in code_and_message(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        raw_sm.update_domain(DomainId="x" * 64)
    assert "Member must have length less than or equal to 63" in code_and_message(excinfo)[1]


def test_bad_input_changes_nothing(sm, raw_sm, emulator):
    client = sm
    domain_id = create_domain(client)["DomainId"]
    before = client.describe_domain(DomainId=domain_id)
    account = client._request_signer._credentials.access_key
    same_account = emulator.client(account=account, validate=False)
    with pytest.raises(ClientError):
        same_account.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": "not-a-role"})
    after = client.describe_domain(DomainId=domain_id)
    for response in (before, after):
        response.pop("ResponseMetadata")
    assert after == before
