"""Drives the emulator with sagemaker-core's resource classes, as a user of the SageMaker Python SDK would.
Runs in sagemaker-core's own virtual environment (it pins its own boto3); the endpoint comes from
AWS_ENDPOINT_URL_SAGEMAKER. Prints, as JSON, what each step read back; conformance/test_sagemaker_core.py checks it."""
import base64
import json
import os
import sys
import urllib.request

from sagemaker.core.resources import (App, AppImageConfig, Domain, Image, Space, StudioLifecycleConfig,
                                     UserProfile)
from sagemaker.core.shapes import (CodeEditorAppImageConfig, KernelGatewayImageConfig, KernelSpec,
                                   OwnershipSettings, ResourceSpec, SpaceSettings, SpaceSharingSettings,
                                   UserSettings)

ACCOUNT = sys.argv[1]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Studio"
WAIT = {"poll": 1, "timeout": 60}
seen = {}


def complete_transitions():
    """Ends the pending transitions (the test holds the domain's create and update with long delays)."""
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] + "/_emulator/transitions/complete",
                                     method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


domain = Domain.create(domain_name="core-domain", auth_mode="IAM", vpc_id="vpc-0a1b2c3d",
                       subnet_ids=["subnet-0a1b2c3d"], default_user_settings=UserSettings(execution_role=ROLE))
seen["domain created"] = domain.status
complete_transitions()
domain.wait_for_status("InService", **WAIT)
domain.update(default_user_settings=UserSettings(execution_role=ROLE + "-2"))
seen["domain updated"] = domain.status
complete_transitions()
domain.wait_for_status("InService", **WAIT)
domain.refresh()
seen["domain role"] = domain.default_user_settings.execution_role

profile = UserProfile.create(domain_id=domain.domain_id, user_profile_name="alice")
profile.wait_for_status("InService", **WAIT)
profile.update(user_settings=UserSettings(execution_role=ROLE + "-alice"))
profile.wait_for_status("InService", **WAIT)
profile.refresh()
seen["profile role"] = profile.user_settings.execution_role

space = Space.create(domain_id=domain.domain_id, space_name="alice-space",
                     ownership_settings=OwnershipSettings(owner_user_profile_name="alice"),
                     space_sharing_settings=SpaceSharingSettings(sharing_type="Private"),
                     space_settings=SpaceSettings(app_type="JupyterLab"))
space.wait_for_status("InService", **WAIT)
space.update(space_display_name="Alice's space")
space.wait_for_status("InService", **WAIT)
space.refresh()
seen["space display name"] = space.space_display_name

app = App.create(domain_id=domain.domain_id, user_profile_name="alice", app_type="JupyterServer", app_name="default")
seen["app owner"] = app.user_profile_name
app.wait_for_status("InService", **WAIT)
space_app = App.create(domain_id=domain.domain_id, space_name="alice-space", app_type="JupyterLab",
                       app_name="default", resource_spec=ResourceSpec(instance_type="ml.t3.medium"))
seen["space app owner"] = space_app.space_name
space_app.wait_for_status("InService", **WAIT)
space_app.refresh()
seen["space app instance type"] = space_app.resource_spec.instance_type
seen["apps"] = sorted((a.app_type, a.status) for a in App.get_all(domain_id_equals=domain.domain_id))
for each in (app, space_app):
    each.delete()
    each.wait_for_delete(**WAIT)
space.delete()
space.wait_for_delete(**WAIT)
profile.delete()
profile.wait_for_delete(**WAIT)
domain.delete()
domain.wait_for_delete(**WAIT)
seen["domains left"] = [d.domain_name for d in Domain.get_all()]

content = base64.b64encode(b"#!/bin/bash\necho ready\n").decode()
config = StudioLifecycleConfig.create(studio_lifecycle_config_name="core-lcc", studio_lifecycle_config_content=content,
                                      studio_lifecycle_config_app_type="JupyterLab")
seen["lifecycle config type"] = StudioLifecycleConfig.get("core-lcc").studio_lifecycle_config_app_type
config.delete()
seen["lifecycle configs left"] = [c.studio_lifecycle_config_name for c in StudioLifecycleConfig.get_all()]

image_config = AppImageConfig.create(
    app_image_config_name="core-aic",
    kernel_gateway_image_config=KernelGatewayImageConfig(kernel_specs=[KernelSpec(name="python3")]))
image_config.update(code_editor_app_image_config=CodeEditorAppImageConfig())
fetched = AppImageConfig.get("core-aic")
seen["image config kernels"] = [k.name for k in fetched.kernel_gateway_image_config.kernel_specs]
image_config.delete()
seen["image configs left"] = [c.app_image_config_name for c in AppImageConfig.get_all()]

image = Image.create(image_name="core-image", role_arn=ROLE, display_name="Core")
image.wait_for_status("CREATED", **WAIT)
image.update(display_name="Core image")
image.wait_for_status("CREATED", **WAIT)
image.refresh()
seen["image display name"] = image.display_name
# ImageVersion.create reads the version back into a model that requires ImageName, which DescribeImageVersion's
# answer does not have (in the service model, so on AWS too): sagemaker-core 2.27 cannot create versions anywhere.
# Its client call is what the SDK does underneath.
image_client = image.get_sagemaker_client(service_name="sagemaker")
image_client.create_image_version(ImageName="core-image", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/core:1", ClientToken="core-1",
                                  Aliases=["stable"])
seen["image version by alias"] = image_client.describe_image_version(ImageName="core-image", Alias="stable")["Version"]
image.delete()
image.wait_for_delete(**WAIT)
seen["images left"] = [i.image_name for i in Image.get_all()]

# A missing resource is the modelled error the SDK maps.
try:
    Domain.get("d-000000000000")
    seen["missing domain"] = "found"
except Exception as error:  # noqa: BLE001 - botocore's ClientError
    seen["missing domain"] = error.response["Error"]["Code"]
print(json.dumps(seen))
