"""The real objects a documented example's placeholder ids are replaced with.

An example names ``"org-id"``, ``"INSERT YOUR PART ID"`` and the like; before it
runs, ``build`` creates exactly the objects it refers to (and what they depend
on) in the caller's organization on the emulator, through the async SDK.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from viam_api.app.mltraining.v1 import ModelType
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import Authorization

from viam_sdk.app._app.types import APIKeyAuthorization
from viam_sdk.testing import Emulator
from viam_sdk.testing.context import Bootstrap

# The kinds each kind needs first.
NEEDS = {
    "robot_id": ["location_id"],
    "part_id": ["robot_id"],
    "part_secret_id": ["part_id"],
    "location_secret_id": ["location_id"],
    "file_id": ["part_id"],
    "captures": ["part_id"],
    "bbox_id": ["file_id"],
    "job_id": ["dataset_id"],
    "job2_id": ["job_id"],
    "part2_id": ["robot_id"],
    "shared_location_id": ["location_id", "other_org_id"],
    "granted_role": ["user_id", "location_id"],
    "invitee": ["location_id"],
    "location_secret": ["location_id"],
    "location_entity": ["location_id"],
}
# Placeholders that stand for a value, not an object.
CONSTANTS = {
    "dataset_name": "my-dataset",
    "authorization_type": "role",
    "authorization_id": "location_owner",
    "resource_type": "location",
}
MEMBER_EMAIL = "youremail@email.com"  # the documents' own example address, made a real member


async def _namespace(fleet: Any, org: str) -> None:
    """Give the organization a public namespace (unique per organization) unless it has one."""
    if not (await fleet.get_organization(org)).public_namespace:
        await fleet.update_organization(org, public_namespace=f"examples-{org[:8]}")


async def build(kinds: set[str], emulator: Emulator, boot: Bootstrap, viam: Any, tmp: Path) -> dict[str, str]:
    """Create the objects behind ``kinds`` (see ``_examples.BY_PARAMETER``) in ``boot``'s organization.

    ``viam`` is a client connected with ``boot``'s key; the ids are returned by kind.
    """
    world: dict[str, str] = {"org_id": boot.org_id, "api_key": boot.api_key, "api_key_id": boot.api_key_id}
    wanted: list[str] = []

    def want(kind: str) -> None:
        for first in NEEDS.get(kind, []):
            want(first)
        if kind not in wanted:
            wanted.append(kind)

    for kind in sorted(kinds):
        want(kind)
    fleet, data = viam.app_client, viam.data_client
    org = boot.org_id
    for kind in wanted:
        if kind in world:
            continue
        if kind in CONSTANTS:
            world[kind] = CONSTANTS[kind]
        elif kind in ("location_id", "location2_id"):
            world[kind] = (await fleet.create_location(org, f"Site {kind}")).id
        elif kind == "location_secret":
            world[kind] = (await fleet.location_auth(world["location_id"])).secrets[0].secret
        elif kind == "location_entity":
            world[kind] = f"beepboop-main.{world['location_id']}.viam.cloud"
        elif kind == "other_org_id":
            world[kind] = emulator.add_organization("Partner").org_id
        elif kind == "robot_id":
            world[kind] = await fleet.new_robot("rover", world["location_id"])
        elif kind == "part_id":
            world[kind] = (await fleet.get_robot_parts(world["robot_id"]))[0].id
        elif kind == "part2_id":
            world[kind] = await fleet.new_robot_part(world["robot_id"], "arm")
        elif kind == "shared_location_id":
            await fleet.share_location(world["other_org_id"], world["location_id"])
            world[kind] = world["location_id"]
        elif kind == "granted_role":
            await fleet.add_role(org, world["user_id"], "owner", "location", world["location_id"])
            world[kind] = "owner"
        elif kind == "part_secret_id":
            world[kind] = (await fleet.get_robot_part(world["part_id"])).secrets[0].id
        elif kind == "location_secret_id":
            world[kind] = (await fleet.location_auth(world["location_id"])).secrets[0].id
        elif kind == "fragment_id":
            world[kind] = (await fleet.create_fragment(org, "base-kit", {"components": []})).id
        elif kind == "dataset_id":
            world[kind] = await data.create_dataset("examples", org)
        elif kind in ("user_id", "email"):
            world["user_id"] = emulator.add_user(MEMBER_EMAIL, org)
            world["email"] = MEMBER_EMAIL
        elif kind == "invitee":
            world[kind] = "notarealemail@viam.com"
            grants = [
                Authorization(authorization_type="role", authorization_id=role, resource_type=kind_, resource_id=rid,
                              organization_id=org)
                for role, kind_, rid in (("organization_operator", "organization", org),
                                         ("location_owner", "location", world["location_id"]))
            ]
            await fleet.create_organization_invite(org, world[kind], grants, send_email_invite=False)
        elif kind == "new_invitee":
            world[kind] = "newcomer@example.com"
        elif kind == "item_id":
            await _namespace(fleet, org)
            await fleet.create_registry_item(org, "my-item", PackageType.PACKAGE_TYPE_ML_TRAINING)
            world[kind] = (await fleet.list_registry_items(org, [], [], [], []))[0].item_id
        elif kind == "module_id":
            await _namespace(fleet, org)
            world[kind] = (await fleet.create_module(org, "my-module"))[0]
        elif kind == "invoice_id":
            await viam.billing_client.charge_organization(org, 10.0, 1.0)
            world[kind] = (await viam.billing_client.get_invoices_summary(org)).invoices[0].id
        elif kind == "file_id":
            moment = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc)
            world[kind] = str(await data.binary_data_capture_upload(
                b"\xff\xd8 not really a jpeg", world["part_id"], "camera", "my_camera", "GetImages", ".jpg",
                data_request_times=(moment, moment),
            ))
        elif kind == "captures":
            # What the documents' filters name: readings of "left_motor" and an image of "camera"
            # (two of each, so that a pagination loop reads a page, then asks for the next).
            moment = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc)
            await data.tabular_data_capture_upload(
                [{"readings": {"position": float(i)}} for i in range(2)],
                world["part_id"],
                "rdk:component:motor",
                "left_motor",
                "Position",
                data_request_times=[(moment, moment)] * 2,
            )
            for i in range(2):
                await data.binary_data_capture_upload(
                    bytes([0xFF, 0xD8, i]),
                    world["part_id"],
                    "rdk:component:camera",
                    "camera",
                    "GetImages",
                    ".jpg",
                    data_request_times=(moment, moment),
                )
            world[kind] = "left_motor, camera"
        elif kind == "bbox_id":
            world[kind] = await data.add_bounding_box_to_image_by_id(world["file_id"], "cat", 0.1, 0.1, 0.5, 0.5)
        elif kind in ("job_id", "job2_id"):
            world[kind] = await viam.ml_training_client.submit_training_job(
                org, world["dataset_id"], "model", kind, ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["a"]
            )
        elif kind == "key_id":
            auth = APIKeyAuthorization(role="owner", resource_type="organization", resource_id=org)
            world[kind] = (await fleet.create_key(org, [auth], "spare key"))[1]
        elif kind == "dest":
            world[kind] = str(tmp / "out.bin")
        elif kind == "filepath":
            path = tmp / "notes.txt"
            path.write_text("captured notes\n", encoding="utf-8")
            world[kind] = str(path)
        else:
            raise KeyError(f"no way to build {kind!r}")
    return world
