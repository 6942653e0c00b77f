"""The custom-image workflow with boto3 against the real binary: Image -> ImageVersion (with aliases) ->
AppImageConfig -> CustomImages in UpdateDomain, the statuses each goes through, listing, and deletion."""
import pytest

from conftest import ROLE, create_domain, wait_for


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_custom_image_workflow(sm, slow_transitions):
    # Images and versions keep each status until the transitions are completed: no read races the machine's speed.
    slow_transitions(image=3600)
    created = sm.create_image(ImageName="team-image", RoleArn=ROLE, DisplayName="Team", Description="ours",
                              Tags=[{"Key": "team", "Value": "platform"}])
    arn = created["ImageArn"]
    account = arn.split(":")[4]
    assert arn == f"arn:aws:sagemaker:us-east-1:{account}:image/team-image"
    assert sm.describe_image(ImageName="team-image")["ImageStatus"] == "CREATING"
    slow_transitions.complete()
    assert wait_for(lambda: sm.describe_image(ImageName="team-image")["ImageStatus"], "CREATED") == "CREATED"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "platform"}]
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_image(ImageName="team-image", RoleArn=ROLE)

    for number in (1, 2, 3):
        version = sm.create_image_version(ImageName="team-image", BaseImage=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/team:{number}",
                                          Aliases=[f"v{number}"] if number < 3 else ["latest", "v3"])
        slow_transitions.complete()
        assert version["ImageVersionArn"] == f"arn:aws:sagemaker:us-east-1:{account}:image-version/team-image/{number}"
        wait_for(lambda: sm.describe_image_version(ImageName="team-image", Version=number)["ImageVersionStatus"],
                 "CREATED")
    latest = sm.describe_image_version(ImageName="team-image")
    assert (latest["Version"], latest["BaseImage"], latest["ImageArn"]) == (3, "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:3", arn)
    assert sm.describe_image_version(ImageName="team-image", Alias="v2")["Version"] == 2
    # Pagination through boto3's paginator: three versions, a page of two.
    pages = sm.get_paginator("list_image_versions").paginate(
        ImageName="team-image", SortBy="VERSION", SortOrder="ASCENDING", PaginationConfig={"PageSize": 2})
    assert [v["Version"] for page in pages for v in page["ImageVersions"]] == [1, 2, 3]
    assert sm.list_aliases(ImageName="team-image", Version=3)["SageMakerImageVersionAliases"] == ["latest", "v3"]
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.update_image_version(ImageName="team-image", Version=1, AliasesToAdd=["latest"])
    assert error_of(excinfo)[0] == "ValidationException"
    sm.update_image_version(ImageName="team-image", Alias="v1", AliasesToAdd=["old"], AliasesToDelete=["v1"])
    assert sm.list_aliases(ImageName="team-image", Version=1)["SageMakerImageVersionAliases"] == ["old"]
    sm.update_image(ImageName="team-image", DisplayName="Team image", DeleteProperties=["Description"])
    assert sm.describe_image(ImageName="team-image")["ImageStatus"] == "UPDATING"
    slow_transitions.complete()
    wait_for(lambda: sm.describe_image(ImageName="team-image")["ImageStatus"], "CREATED")
    image = sm.describe_image(ImageName="team-image")
    assert image["DisplayName"] == "Team image" and "Description" not in image
    assert [i["ImageName"] for i in sm.list_images(NameContains="team")["Images"]] == ["team-image"]

    # AppImageConfig -> Image -> ImageVersion -> CustomImages in UpdateDomain.
    sm.create_app_image_config(AppImageConfigName="team-config",
                               KernelGatewayImageConfig={"KernelSpecs": [{"Name": "python3"}]})
    domain_id = create_domain(sm)["DomainId"]

    def attach(image_name, version=None):
        entry = {"AppImageConfigName": "team-config", "ImageName": image_name}
        if version is not None:
            entry["ImageVersionNumber"] = version
        return sm.update_domain(DomainId=domain_id, DefaultUserSettings={
            "KernelGatewayAppSettings": {"CustomImages": [entry]}})

    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        attach("no-such-image")
    assert error_of(excinfo)[1] == f"Image [arn:aws:sagemaker:us-east-1:{account}:image/no-such-image] does not exist."
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        attach("team-image", 9)
    assert "image-version/team-image/9] does not exist." in error_of(excinfo)[1]
    attach("team-image", 2)
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    images = sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]["KernelGatewayAppSettings"]["CustomImages"]
    assert images == [{"AppImageConfigName": "team-config", "ImageName": "team-image", "ImageVersionNumber": 2}]

    # Deleting a version, then the image with the rest of its versions.
    sm.delete_image_version(ImageName="team-image", Version=1)
    assert sm.describe_image_version(ImageName="team-image", Version=1)["ImageVersionStatus"] == "DELETING"
    slow_transitions.complete()
    wait_for(lambda: [v["Version"] for v in sm.list_image_versions(ImageName="team-image")["ImageVersions"]], [3, 2])
    sm.delete_image(ImageName="team-image")
    assert sm.describe_image(ImageName="team-image")["ImageStatus"] == "DELETING"
    slow_transitions.complete()
    assert wait_for(lambda: sm.list_images()["Images"], []) == []
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_image_version(ImageName="team-image", Version=2)


def test_a_version_of_an_image_outside_ecr_fails_to_create(sm):
    sm.create_image(ImageName="outside", RoleArn=ROLE)
    wait_for(lambda: sm.describe_image(ImageName="outside")["ImageStatus"], "CREATED")
    sm.create_image_version(ImageName="outside", BaseImage="docker.io/library/python:3.12")
    read = lambda: sm.describe_image_version(ImageName="outside", Version=1)
    assert wait_for(lambda: read()["ImageVersionStatus"], "CREATE_FAILED") == "CREATE_FAILED"
    assert read()["FailureReason"].startswith("Unable to import BaseImage [docker.io/library/python:3.12]")
    sm.delete_image(ImageName="outside")
