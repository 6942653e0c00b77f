"""User profiles, spaces, apps, lifecycle configs, app image configs, tags and presigned URLs through boto3."""
import re
import time

import pytest

from conftest import ROLE, create_app, create_domain, create_profile, presigned_claims, wait_for, wait_for_error


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_user_profile_lifecycle(sm, slow_transitions):
    domain = create_domain(sm, DefaultUserSettings={"ExecutionRole": ROLE, "SecurityGroups": ["sg-domain"]})
    slow_transitions(userProfile=3600)
    domain_id = domain["DomainId"]
    account = domain["DomainArn"].split(":")[4]
    created = sm.create_user_profile(DomainId=domain_id, UserProfileName="Alice",
                                     UserSettings={"SecurityGroups": ["sg-alice"]}, Tags=[{"Key": "team", "Value": "ml"}])
    arn = f"arn:aws:sagemaker:us-east-1:{account}:user-profile/{domain_id}/alice"
    assert created["UserProfileArn"] == arn
    profile = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert profile["Status"] == "Pending"
    assert profile["UserProfileName"] == "Alice"
    assert profile["HomeEfsFileSystemUid"] == "200001"
    # Stored as sent, not a copy of the domain's defaults (what Terraform reads back).
    assert profile["UserSettings"] == {"SecurityGroups": ["sg-alice"]}
    assert "FailureReason" not in profile and "SingleSignOnUserValue" not in profile
    read = lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="ALICE")["Status"]
    slow_transitions.complete()
    assert wait_for(read, "InService") == "InService"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]

    updated = sm.update_user_profile(DomainId=domain_id, UserProfileName="alice",
                                     UserSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.large"}}})
    assert updated["UserProfileArn"] == arn
    assert read() == "Updating"
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.update_user_profile(DomainId=domain_id, UserProfileName="alice", UserSettings={"ExecutionRole": ROLE})
    slow_transitions.complete()
    assert wait_for(read, "InService") == "InService"
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["UserSettings"]
    # The refused update changed nothing; the accepted one merged onto what was sent.
    assert settings == {"SecurityGroups": ["sg-alice"],
                        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.large"}}}

    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="ALICE")
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert read() == "Deleting"
    slow_transitions.complete()
    assert wait_for_error(read, "ResourceNotFound")
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert error_of(excinfo)[1] == f"UserProfile [{arn}] does not exist."


def test_list_user_profiles_filters_sorts_and_pages(sm):
    domain_id = create_domain(sm)["DomainId"]
    other_domain = create_domain(sm)["DomainId"]
    for index in range(5):
        create_profile(sm, domain_id, f"user-{index}", wait=False)
    create_profile(sm, other_domain, "elsewhere", wait=False)
    names, token = [], None
    while True:
        page = sm.list_user_profiles(DomainIdEquals=domain_id, MaxResults=2, **({"NextToken": token} if token else {}))
        names += [p["UserProfileName"] for p in page["UserProfiles"]]
        assert set(page["UserProfiles"][0]) >= {"DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime"}
        token = page.get("NextToken")
        if not token:
            break
    assert names == [f"user-{i}" for i in range(5)]
    descending = sm.list_user_profiles(DomainIdEquals=domain_id, SortOrder="Descending", SortBy="CreationTime")
    assert [p["UserProfileName"] for p in descending["UserProfiles"]] == [f"user-{i}" for i in reversed(range(5))]
    everywhere = sm.list_user_profiles(UserProfileNameContains="where")
    assert [p["UserProfileName"] for p in everywhere["UserProfiles"]] == ["elsewhere"]


def test_spaces(sm):
    domain = create_domain(sm, DefaultSpaceSettings={"ExecutionRole": ROLE, "JupyterServerAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "system"}}})
    domain_id = domain["DomainId"]
    account = domain["DomainArn"].split(":")[4]
    create_profile(sm, domain_id, "owner")
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.create_space(DomainId=domain_id, SpaceName="mine", OwnershipSettings={"OwnerUserProfileName": "owner"},
                        SpaceSharingSettings={"SharingType": "Private"})
    arn = f"arn:aws:sagemaker:us-east-1:{account}:space/{domain_id}/mine"
    assert error_of(excinfo) == ("ValidationException", f"SpaceSettings must be provided for creating private space [{arn}]")
    created = sm.create_space(DomainId=domain_id, SpaceName="mine", SpaceDisplayName="Mine",
                              OwnershipSettings={"OwnerUserProfileName": "owner"},
                              SpaceSharingSettings={"SharingType": "Private"},
                              SpaceSettings={"AppType": "JupyterLab"})
    assert created["SpaceArn"] == arn
    read = lambda: sm.describe_space(DomainId=domain_id, SpaceName="mine")["Status"]
    assert wait_for(read, "InService") == "InService"
    space = sm.describe_space(DomainId=domain_id, SpaceName="mine")
    assert space["SpaceSettings"] == {"AppType": "JupyterLab"}  # as sent; the domain's defaults apply to its apps
    assert space["HomeEfsFileSystemUid"] == "200002"
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.update_space(DomainId=domain_id, SpaceName="mine", SpaceSettings={"AppType": "CodeEditor"})
    assert error_of(excinfo) == ("ValidationException", "Updating AppType for Space is not supported.")
    sm.update_space(DomainId=domain_id, SpaceName="mine", SpaceDisplayName="Renamed")
    assert wait_for(read, "InService") == "InService"
    assert sm.describe_space(DomainId=domain_id, SpaceName="mine")["SpaceDisplayName"] == "Renamed"
    sm.create_space(DomainId=domain_id, SpaceName="shared", SpaceSharingSettings={"SharingType": "Shared"},
                    OwnershipSettings={"OwnerUserProfileName": "owner"})
    listed = sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert [s["SpaceName"] for s in listed] == ["mine", "shared"]
    assert listed[0]["SpaceSharingSettingsSummary"] == {"SharingType": "Private"}
    assert listed[0]["OwnershipSettingsSummary"] == {"OwnerUserProfileName": "owner"}
    assert listed[0]["SpaceSettingsSummary"]["AppType"] == "JupyterLab"
    assert [s["SpaceName"] for s in sm.list_spaces(SpaceNameContains="sha")["Spaces"]] == ["shared"]
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_user_profile(DomainId=domain_id, UserProfileName="owner")
    assert error_of(excinfo)[1].endswith("because Space(s) are associated with it.")
    sm.delete_space(DomainId=domain_id, SpaceName="mine")
    assert wait_for_error(read, "ResourceNotFound")


def test_apps(sm, slow_transitions):
    domain_id = create_domain(sm, DefaultUserSettings={"ExecutionRole": ROLE, "KernelGatewayAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "ml.m5.large"}}})["DomainId"]
    account = sm.describe_domain(DomainId=domain_id)["DomainArn"].split(":")[4]
    create_profile(sm, domain_id, "alice")
    assert sm.list_apps(DomainIdEquals=domain_id)["Apps"] == []
    slow_transitions(appCreate=3600, appDelete=3600)
    created = sm.create_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg",
                            Tags=[{"Key": "k", "Value": "v"}])
    arn = f"arn:aws:sagemaker:us-east-1:{account}:app/{domain_id}/alice/kernelgateway/kg"
    assert created["AppArn"] == arn
    read = lambda: sm.describe_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg")["Status"]
    assert read() == "Pending"
    slow_transitions.complete()
    assert wait_for(read, "InService") == "InService"
    app = sm.describe_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg")
    assert app["ResourceSpec"] == {"InstanceType": "ml.m5.large"}
    assert app["AppArn"] == arn and app["UserProfileName"] == "alice" and "SpaceName" not in app
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg")
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    listed = sm.list_apps(DomainIdEquals=domain_id, UserProfileNameEquals="alice")["Apps"]
    assert [(a["AppName"], a["Status"]) for a in listed] == [("kg", "InService")]
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert error_of(excinfo)[1] == (f"Unable to delete UserProfile [arn:aws:sagemaker:us-east-1:{account}:user-profile/"
                                    f"{domain_id}/alice] because App(s) are associated with it.")
    sm.delete_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg")
    assert read() == "Deleting"
    slow_transitions.complete()
    assert wait_for(read, "Deleted") == "Deleted"
    assert [a["Status"] for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]] == ["Deleted"]
    # Deleting it again: the refusal Terraform's provider reads as "already gone" (its app.go matches these words).
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.delete_app(DomainId=domain_id, UserProfileName="alice", AppType="KernelGateway", AppName="kg")
    assert error_of(excinfo)[0] == "ValidationException" and "has already been deleted" in error_of(excinfo)[1]
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.list_tags(ResourceArn=arn)
    assert error_of(excinfo)[0] == "ValidationException"
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")


def test_app_owner_rules(raw_sm, sm):
    domain_id = create_domain(sm)["DomainId"]
    with pytest.raises(raw_sm.exceptions.ClientError) as excinfo:
        raw_sm.create_app(DomainId=domain_id, AppType="JupyterLab", AppName="default")
    assert error_of(excinfo) == ("ValidationException", "Exactly one of UserProfileName and SpaceName must be specified.")
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.list_apps(UserProfileNameEquals="a", SpaceNameEquals="b")
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.create_app(DomainId=domain_id, UserProfileName="nobody", AppType="JupyterLab", AppName="default")
    assert error_of(excinfo)[0] == "ResourceNotFound"


def test_app_arn_case_and_describe_without_owner(sm):
    domain_id = create_domain(sm)["DomainId"]
    account = sm.describe_domain(DomainId=domain_id)["DomainArn"].split(":")[4]
    create_profile(sm, domain_id, "Alice")
    create_profile(sm, domain_id, "bob")
    # The app name keeps its case in the ARN; the profile part is lowercased, and so is the app type.
    first = sm.create_app(DomainId=domain_id, UserProfileName="Alice", AppType="JupyterServer", AppName="Main")
    assert first["AppArn"] == f"arn:aws:sagemaker:us-east-1:{account}:app/{domain_id}/alice/jupyterserver/Main"
    described = sm.describe_app(DomainId=domain_id, UserProfileName="ALICE", AppType="JupyterServer", AppName="Main")
    assert described["AppArn"] == first["AppArn"] and described["UserProfileName"] == "Alice"
    # sagemaker-core's App.create reads the app back naming no owner: the domain's newest app of that type and name.
    second = sm.create_app(DomainId=domain_id, UserProfileName="bob", AppType="JupyterServer", AppName="Main")
    ownerless = sm.describe_app(DomainId=domain_id, AppType="JupyterServer", AppName="Main")
    assert ownerless["AppArn"] == second["AppArn"] and ownerless["UserProfileName"] == "bob"
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_app(DomainId=domain_id, AppType="KernelGateway", AppName="Main")
    assert error_of(excinfo)[0] == "ResourceNotFound"
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_app(DomainId=domain_id, UserProfileName="bob", SpaceName="s", AppType="JupyterServer",
                            AppName="Main")
    assert error_of(excinfo) == ("ValidationException", "Exactly one of UserProfileName and SpaceName must be specified.")


def test_studio_lifecycle_configs(sm):
    for name, app_type in [("first", "JupyterLab"), ("second", "CodeEditor"), ("third", "JupyterLab")]:
        created = sm.create_studio_lifecycle_config(StudioLifecycleConfigName=name, StudioLifecycleConfigAppType=app_type,
                                                    StudioLifecycleConfigContent="ZWNobyBoaQ==",
                                                    Tags=[{"Key": "name", "Value": name}])
        assert re.fullmatch(rf"arn:aws:sagemaker:us-east-1:\d{{12}}:studio-lifecycle-config/{name}",
                            created["StudioLifecycleConfigArn"])
    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="first")
    assert described["StudioLifecycleConfigContent"] == "ZWNobyBoaQ=="
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    assert {"CreationTime", "LastModifiedTime"} <= set(described)
    listed = sm.list_studio_lifecycle_configs()["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigName"] for c in listed] == ["third", "second", "first"]  # Descending by default
    assert "StudioLifecycleConfigContent" not in listed[0]
    by_name = sm.list_studio_lifecycle_configs(SortBy="Name", SortOrder="Ascending", AppTypeEquals="JupyterLab")
    assert [c["StudioLifecycleConfigName"] for c in by_name["StudioLifecycleConfigs"]] == ["first", "third"]
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_studio_lifecycle_config(StudioLifecycleConfigName="first", StudioLifecycleConfigAppType="JupyterLab",
                                          StudioLifecycleConfigContent="ZWNobw==")
    lcc = described["StudioLifecycleConfigArn"]
    domain_id = create_domain(sm, DefaultUserSettings={"ExecutionRole": ROLE, "JupyterLabAppSettings": {
        "LifecycleConfigArns": [lcc]}})["DomainId"]
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="first")
    assert error_of(excinfo)[1] == (f"Unable to delete Studio Lifecycle Config [{lcc}] because it is in use by "
                                    f"Domain [{sm.describe_domain(DomainId=domain_id)['DomainArn']}].")
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="second")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="second")


def test_references_must_exist(sm):
    account = create_domain(sm)["DomainArn"].split(":")[4]
    missing = f"arn:aws:sagemaker:us-east-1:{account}:studio-lifecycle-config/missing"
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        create_domain(sm, wait=False, DefaultUserSettings={"ExecutionRole": ROLE, "JupyterServerAppSettings": {
            "LifecycleConfigArns": [missing]}})
    assert error_of(excinfo)[1] == f"Studio Lifecycle Config [{missing}] does not exist."
    assert len(sm.list_domains()["Domains"]) == 1


def test_app_image_configs(sm):
    created = sm.create_app_image_config(AppImageConfigName="kernel", KernelGatewayImageConfig={
        "KernelSpecs": [{"Name": "python3", "DisplayName": "Python 3"}],
        "FileSystemConfig": {"MountPath": "/home/sagemaker-user", "DefaultUid": 1000, "DefaultGid": 100}})
    assert created["AppImageConfigArn"].endswith(":app-image-config/kernel")
    sm.create_app_image_config(AppImageConfigName="lab", JupyterLabAppImageConfig={"ContainerConfig": {"ContainerArguments": ["a"]}})
    described = sm.describe_app_image_config(AppImageConfigName="kernel")
    assert described["KernelGatewayImageConfig"]["KernelSpecs"] == [{"Name": "python3", "DisplayName": "Python 3"}]
    updated = sm.update_app_image_config(AppImageConfigName="kernel", KernelGatewayImageConfig={"KernelSpecs": [{"Name": "r"}]})
    assert updated["AppImageConfigArn"] == created["AppImageConfigArn"]
    after = sm.describe_app_image_config(AppImageConfigName="kernel")
    assert after["KernelGatewayImageConfig"] == {"KernelSpecs": [{"Name": "r"}]}
    assert after["LastModifiedTime"] >= after["CreationTime"]
    names = [c["AppImageConfigName"] for c in sm.list_app_image_configs()["AppImageConfigs"]]
    assert names == ["lab", "kernel"]
    assert [c["AppImageConfigName"] for c in sm.list_app_image_configs(NameContains="ker")["AppImageConfigs"]] == ["kernel"]
    sm.delete_app_image_config(AppImageConfigName="lab")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.delete_app_image_config(AppImageConfigName="lab")


def test_tags_on_every_arn(sm):
    """Every kind's ARN: tag, list, untag, and the kind's own reads stay what they were (an image version's aliases
    were once kept where its tags are, so tagging it answered 500 and lost them)."""
    domain = create_domain(sm, Tags=[{"Key": "created", "Value": "yes"}])
    domain_id, domain_arn = domain["DomainId"], domain["DomainArn"]
    profile_arn = create_profile(sm, domain_id, "tagger")["UserProfileArn"]
    space_arn = sm.create_space(DomainId=domain_id, SpaceName="tagged")["SpaceArn"]
    lcc_arn = sm.create_studio_lifecycle_config(StudioLifecycleConfigName="tags", StudioLifecycleConfigAppType="JupyterLab",
                                                StudioLifecycleConfigContent="ZWNobw==")["StudioLifecycleConfigArn"]
    config_arn = sm.create_app_image_config(AppImageConfigName="tags")["AppImageConfigArn"]
    app_arn = create_app(sm, domain_id, UserProfileName="tagger")["AppArn"]
    image_arn = sm.create_image(ImageName="tagged-image", RoleArn=ROLE)["ImageArn"]
    wait_for(lambda: sm.describe_image(ImageName="tagged-image")["ImageStatus"], "CREATED")
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team"
    aliased_arn = sm.create_image_version(ImageName="tagged-image", BaseImage=ecr + ":1",
                                          Aliases=["stable", "v1"])["ImageVersionArn"]
    plain_arn = sm.create_image_version(ImageName="tagged-image", BaseImage=ecr + ":2")["ImageVersionArn"]
    for version in (1, 2):
        wait_for(lambda: sm.describe_image_version(ImageName="tagged-image", Version=version)["ImageVersionStatus"],
                 "CREATED")

    def reads():
        """What each kind's own operations answer, without the request metadata."""
        answers = {
            domain_arn: sm.describe_domain(DomainId=domain_id),
            profile_arn: sm.describe_user_profile(DomainId=domain_id, UserProfileName="tagger"),
            space_arn: sm.describe_space(DomainId=domain_id, SpaceName="tagged"),
            lcc_arn: sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="tags"),
            config_arn: sm.describe_app_image_config(AppImageConfigName="tags"),
            app_arn: sm.describe_app(DomainId=domain_id, UserProfileName="tagger", AppType="JupyterLab",
                                     AppName="default"),
            image_arn: sm.describe_image(ImageName="tagged-image"),
            aliased_arn: [sm.describe_image_version(ImageName="tagged-image", Version=1),
                          sm.describe_image_version(ImageName="tagged-image", Alias="stable"),
                          sm.list_aliases(ImageName="tagged-image", Version=1)],
            plain_arn: [sm.describe_image_version(ImageName="tagged-image", Version=2),
                        sm.list_aliases(ImageName="tagged-image", Version=2)],
        }
        for answer in answers.values():
            for one in answer if isinstance(answer, list) else [answer]:
                one.pop("ResponseMetadata")
                one.pop("LastModifiedTime", None)
        return answers

    assert sm.list_tags(ResourceArn=domain_arn)["Tags"] == [{"Key": "created", "Value": "yes"}]
    before = reads()
    assert before[aliased_arn][2]["SageMakerImageVersionAliases"] == ["stable", "v1"]
    for arn in before:
        response = sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "me"}, {"Key": "tmp", "Value": "1"}])
        assert {"Key": "owner", "Value": "me"} in response["Tags"]
        sm.delete_tags(ResourceArn=arn, TagKeys=["tmp"])
        tags = sm.list_tags(ResourceArn=arn)["Tags"]
        assert {"Key": "owner", "Value": "me"} in tags and all(tag["Key"] != "tmp" for tag in tags), arn
    assert reads() == before
    # Aliases changed after tagging leave the tags as they are, and the other way round.
    sm.update_image_version(ImageName="tagged-image", Version=2, AliasesToAdd=["latest"])
    sm.update_image_version(ImageName="tagged-image", Version=1, AliasesToDelete=["v1"])
    assert sm.list_tags(ResourceArn=plain_arn)["Tags"] == [{"Key": "owner", "Value": "me"}]
    assert sm.list_tags(ResourceArn=aliased_arn)["Tags"] == [{"Key": "owner", "Value": "me"}]
    assert sm.list_aliases(ImageName="tagged-image")["SageMakerImageVersionAliases"] == ["stable", "latest"]
    assert sm.describe_image_version(ImageName="tagged-image", Alias="latest")["Version"] == 2
    # 50 tags at most: they fit one page of ListTags (MaxResults is at least 50).
    many = [{"Key": f"k{i}", "Value": str(i)} for i in range(49)]
    sm.add_tags(ResourceArn=profile_arn, Tags=many)
    page = sm.list_tags(ResourceArn=profile_arn, MaxResults=50)
    assert len(page["Tags"]) == 50 and "NextToken" not in page
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.add_tags(ResourceArn=profile_arn, Tags=[{"Key": "over", "Value": "limit"}])
    assert error_of(excinfo)[0] == "ValidationException"


def test_presigned_domain_url(sm, raw_sm):
    domain = create_domain(sm)
    domain_id = domain["DomainId"]
    create_profile(sm, domain_id, "alice")
    before = time.time()
    url = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="alice", ExpiresInSeconds=60)["AuthorizedUrl"]
    assert url.startswith(sm.describe_domain(DomainId=domain_id)["Url"] + "/auth?token=")
    # AWS's form: `token` is the only parameter; the expiry is inside it.
    claims = presigned_claims(url, domain_id)
    assert claims["domainId"] == domain_id and claims["userProfileName"] == "alice"
    assert before + 60 - 1 <= claims["exp"] <= time.time() + 60 + 1
    assert presigned_claims(sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="alice")["AuthorizedUrl"],
                            domain_id)["exp"] >= before + 300 - 1
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="bob")
    with pytest.raises(raw_sm.exceptions.ClientError) as excinfo:
        raw_sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="alice", ExpiresInSeconds=1,
                                           SessionExpirationDurationInSeconds=100)
    assert error_of(excinfo) == ("ValidationException",
                                 "2 validation errors detected: Value '1' at 'expiresInSeconds' failed to satisfy "
                                 "constraint: Member must have value greater than or equal to 5; Value '100' at "
                                 "'sessionExpirationDurationInSeconds' failed to satisfy constraint: Member must have "
                                 "value greater than or equal to 1800")


def test_resources_are_isolated_between_accounts(emulator, sm):
    domain_id = create_domain(sm)["DomainId"]
    create_profile(sm, domain_id, "private")
    other = emulator.client()
    with pytest.raises(other.exceptions.ResourceNotFound):
        other.describe_user_profile(DomainId=domain_id, UserProfileName="private")
    assert other.list_user_profiles()["UserProfiles"] == []
    with pytest.raises(other.exceptions.ResourceNotFound):
        other.create_user_profile(DomainId=domain_id, UserProfileName="intruder")


def test_quotas_of_profiles_spaces_and_apps(make_emulator):
    client = make_emulator("--max-user-profiles-per-domain", "1", "--max-spaces-per-domain", "1",
                           "--max-apps-per-owner", "1").client()
    domain_id = create_domain(client)["DomainId"]
    create_profile(client, domain_id, "one")
    with pytest.raises(client.exceptions.ResourceLimitExceeded) as excinfo:
        client.create_user_profile(DomainId=domain_id, UserProfileName="two")
    assert error_of(excinfo)[1].startswith("The account-level service limit 'User profiles per domain' is 1 User profiles")
    client.create_space(DomainId=domain_id, SpaceName="one")
    with pytest.raises(client.exceptions.ResourceLimitExceeded):
        client.create_space(DomainId=domain_id, SpaceName="two")
    create_app(client, domain_id, UserProfileName="one", wait=False)
    with pytest.raises(client.exceptions.ResourceLimitExceeded):
        client.create_app(DomainId=domain_id, UserProfileName="one", AppType="CodeEditor", AppName="default")


def test_profiles_and_apps_survive_a_restart(make_emulator):
    emulator = make_emulator()
    client = emulator.client(account="222233334444")
    domain_id = create_domain(client)["DomainId"]
    create_profile(client, domain_id, "kept")
    create_app(client, domain_id, UserProfileName="kept")
    emulator.restart()
    client = emulator.client(account="222233334444")
    assert client.describe_user_profile(DomainId=domain_id, UserProfileName="kept")["Status"] == "InService"
    assert [a["Status"] for a in client.list_apps(DomainIdEquals=domain_id)["Apps"]] == ["InService"]
    client.create_user_profile(DomainId=domain_id, UserProfileName="next")
    assert client.describe_user_profile(DomainId=domain_id, UserProfileName="next")["HomeEfsFileSystemUid"] == "200002"
