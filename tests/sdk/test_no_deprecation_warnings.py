"""No DeprecationWarning of the generated layer reaches a caller of a documented SDK method.

The generated messages warn when a deprecated message or field is built, and the
generated stubs when a deprecated RPC is called (``TabularDataByFilterRequest``,
``/viam.app.data.v1.DataService/TagsByFilter``, ...).  Where the SDK's method is
not deprecated itself (as in the reference and viam-sdk 0.85.1), the caller must
not see them.  Here those warnings are errors while every reference method that is
cheap to run is called against the emulator.  The emulator implements the
deprecated RPCs, and answers them without a warning too: the generated layer's
warnings are meant for the API's users, not for the server that serves it (a
warning raised as an error inside a handler fails the call with UNKNOWN here).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._deprecation import QUIET_MARK
from viam_api.app.data.v1 import TagsByFilterRequest
from viam_api.app.mltraining.v1 import ModelType
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import AuthorizedPermissions, LocationAuth, Visibility

from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

# The text of every warning the generated layer gives (messages, fields, RPCs).
GENERATED = r"/?viam\.[\w.]+(/\w+)? is deprecated"

# Refusals a call may meet here (made-up IDs, RPCs the emulator does not serve):
# they are not what this file is about.  Anything else (UNKNOWN, INTERNAL: e.g. a
# warning turned error inside a handler) fails the test.
REFUSALS = {
    Status.NOT_FOUND,
    Status.INVALID_ARGUMENT,
    Status.PERMISSION_DENIED,
    Status.UNIMPLEMENTED,
    Status.ALREADY_EXISTS,
    Status.FAILED_PRECONDITION,
}


@contextlib.contextmanager
def generated_deprecations_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GENERATED, category=DeprecationWarning)
        yield


async def call(awaitable: Awaitable[Any]) -> Any:
    try:
        return await awaitable
    except GRPCError as exc:
        if exc.status not in REFUSALS:
            raise
        return None


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    boot = emulator.bootstrap
    client = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator.app_url
    )
    try:
        yield client
    finally:
        client.close()


def test_the_filter_catches_the_generated_layer() -> None:
    with generated_deprecations_are_errors(), pytest.raises(DeprecationWarning, match="TagsByFilterRequest"):
        TagsByFilterRequest()
    with generated_deprecations_are_errors(), pytest.raises(DeprecationWarning, match="LocationAuth.secret"):
        LocationAuth(secret="s")


async def test_app_client_methods(viam: ViamClient, emulator: Emulator) -> None:
    app = viam.app_client
    org_id = emulator.bootstrap.org_id
    with generated_deprecations_are_errors():
        await call(app.get_user_id_by_email("nobody@example.com"))
        await call(app.list_organizations())
        other = await call(app.create_organization("second-org"))
        await call(app.list_organizations_by_user("user"))
        await call(app.get_organization(org_id))
        await call(app.get_organization_namespace_availability("some-namespace"))
        await call(app.update_organization(org_id, name="renamed"))
        await call(app.list_organization_members(org_id))
        await call(app.create_organization_invite(org_id, "a@example.com", send_email_invite=False))
        await call(app.update_organization_invite_authorizations(org_id, "a@example.com"))
        await call(app.resend_organization_invite(org_id, "a@example.com"))
        await call(app.delete_organization_invite(org_id, "a@example.com"))
        await call(app.delete_organization_member(org_id, "no-such-user"))
        location = await call(app.create_location(org_id, "site"))
        loc_id = location.id
        await call(app.get_location(loc_id))
        await call(app.update_location(loc_id, name="site-2"))
        await call(app.list_locations(org_id))
        await call(app.get_organizations_with_access_to_location(loc_id))
        if other is not None:
            await call(app.share_location(other.id, loc_id))
            await call(app.unshare_location(other.id, loc_id))
        auth = await call(app.location_auth(loc_id))
        assert auth is not None
        secret = await call(app.create_location_secret(loc_id))
        if secret is not None and secret.secrets:
            await call(app.delete_location_secret(secret.secrets[-1].id, loc_id))
        robot_id = await call(app.new_robot("rover", loc_id))
        await call(app.get_robot(robot_id))
        await call(app.list_robots(loc_id))
        await call(app.update_robot(robot_id, "rover-2", loc_id))
        await call(app.get_rover_rental_robots(org_id))
        parts = await call(app.get_robot_parts(robot_id))
        part_id = parts[0].id
        await call(app.get_robot_part(part_id))
        await call(app.get_robot_part_logs(part_id))
        await call(app.get_robot_part_history(part_id))
        await call(app.update_robot_part(part_id, "main", {"components": []}))
        second = await call(app.new_robot_part(robot_id, "second"))
        await call(app.mark_part_as_main(part_id))
        await call(app.mark_part_for_restart(part_id))
        with_secret = await call(app.create_robot_part_secret(part_id))
        if with_secret is not None and with_secret.secrets:
            await call(app.delete_robot_part_secret(part_id, with_secret.secrets[-1].id))
        await call(app.get_robot_api_keys(robot_id))
        await call(app.delete_robot_part(second))
        fragment = await call(app.create_fragment(org_id, "kit", {"components": []}))
        await call(app.list_fragments(org_id))
        await call(app.get_fragment(fragment.id))
        await call(app.update_fragment(fragment.id, "kit-2", {}, public=False))
        await call(app.delete_fragment(fragment.id))
        await call(app.list_authorizations(org_id))
        await call(
            app.check_permissions([AuthorizedPermissions(resource_type="organization", resource_id=org_id)])
        )
        await call(app.create_registry_item(org_id, "item", PackageType.PACKAGE_TYPE_ML_MODEL))
        await call(app.list_registry_items(org_id, [], [Visibility.VISIBILITY_PRIVATE], [], []))
        await call(app.get_registry_item("ns:item"))
        await call(
            app.update_registry_item(
                "ns:item", PackageType.PACKAGE_TYPE_ML_MODEL, "d", Visibility.VISIBILITY_PRIVATE
            )
        )
        await call(app.delete_registry_item("ns:item"))
        await call(app.create_module(org_id, "mod"))
        await call(app.list_modules(org_id))
        await call(app.get_module("ns:mod"))
        await call(app.list_keys(org_id))
        await call(app.delete_robot(robot_id))
        await call(app.delete_location(loc_id))
        if other is not None:
            await call(app.delete_organization(other.id))


async def test_data_client_methods(viam: ViamClient, emulator: Emulator, tmp_path: Path) -> None:
    data = viam.data_client
    app = viam.app_client
    org_id = emulator.bootstrap.org_id
    location = await app.create_location(org_id, "lab")
    robot_id = await app.new_robot("rover", location.id)
    part_id = (await app.get_robot_parts(robot_id))[0].id
    with generated_deprecations_are_errors():
        flt = DataClient.create_filter(part_id=part_id)
        await call(
            data.tabular_data_capture_upload(
                [{"v": 1}], part_id, "rdk:component:sensor", "thermo", "Readings"
            )
        )
        await call(data.tabular_data_by_filter(flt, dest=str(tmp_path / "rows.ndjson")))
        await call(data.tabular_data_by_filter(flt, count_only=True))
        await call(data.tabular_data_by_sql(org_id, "SELECT * FROM readings"))
        await call(data.tabular_data_by_mql(org_id, [{"$limit": 1}]))
        await call(data.export_tabular_data(part_id, "thermo", "rdk:component:sensor", "Readings"))
        await call(data.get_latest_tabular_data(part_id, "thermo", "rdk:component:sensor", "Readings"))
        image = await call(
            data.binary_data_capture_upload(
                b"\xff\xd8img", part_id, "rdk:component:camera", "cam", "ReadImage", ".jpg"
            )
        )
        await call(data.file_upload(part_id, b"text", file_name="a.txt", file_extension=".txt"))
        source = tmp_path / "b.txt"
        source.write_bytes(b"more")
        await call(data.file_upload_from_path(str(source), part_id))
        await call(data.streaming_data_capture_upload(b"stream", part_id, ".bin"))
        (tmp_path / "files").mkdir()
        await call(data.binary_data_by_filter(flt, dest=str(tmp_path / "files")))
        ids = [str(image)] if image else []
        if ids:
            await call(data.binary_data_by_ids(ids))
            await call(data.add_tags_to_binary_data_by_ids(["t"], ids))
            await call(data.remove_tags_from_binary_data_by_ids(["t"], ids))
            box = await call(data.add_bounding_box_to_image_by_id(ids[0], "dog", 0.1, 0.1, 0.5, 0.5))
            if box:
                await call(data.remove_bounding_box_from_image_by_id(box, ids[0]))
        await call(data.add_tags_to_binary_data_by_filter(["night"], flt))
        await call(data.tags_by_filter(flt))
        await call(data.remove_tags_from_binary_data_by_filter(["night"], flt))
        await call(data.bounding_box_labels_by_filter(flt))
        await call(data.get_database_connection(org_id))
        await call(data.configure_database_user(org_id, "a-Long-passw0rd!"))
        dataset_id = await call(data.create_dataset("set", org_id))
        await call(data.list_dataset_by_ids([dataset_id]))
        await call(data.list_datasets_by_organization_id(org_id))
        await call(data.rename_dataset(dataset_id, "set-2"))
        if ids:
            await call(data.add_binary_data_to_dataset_by_ids(ids, dataset_id))
            await call(data.remove_binary_data_from_dataset_by_ids(ids, dataset_id))
        await call(data.delete_dataset(dataset_id))
        await call(data.delete_binary_data_by_ids(ids or ["x/y/z"]))
        await call(data.delete_binary_data_by_filter(flt))
        await call(data.delete_tabular_data(org_id, 0))


async def test_deprecated_sdk_methods_warn_only_their_own_warning(
    viam: ViamClient, emulator: Emulator
) -> None:
    data = viam.data_client
    with generated_deprecations_are_errors():
        with pytest.warns(DeprecationWarning, match="delete_tabular_data_by_filter") as record:
            # pytest.warns records everything: put the generated layer's warnings back to errors.
            warnings.filterwarnings("error", message=GENERATED, category=DeprecationWarning)
            flt = DataClient.create_filter(organization_ids=[emulator.bootstrap.org_id])
            await call(data.delete_tabular_data_by_filter(flt))
    assert all("delete_tabular_data_by_filter" in str(w.message) for w in record)


async def test_other_clients(viam: ViamClient, emulator: Emulator, tmp_path: Path) -> None:
    org_id = emulator.bootstrap.org_id
    with generated_deprecations_are_errors():
        billing = viam.billing_client
        await call(billing.get_current_month_usage(org_id))
        summary = await call(billing.get_invoices_summary(org_id))
        await call(billing.get_org_billing_information(org_id))
        if summary is not None and summary.invoices:
            await call(billing.get_invoice_pdf(summary.invoices[0].id, org_id, str(tmp_path / "i.pdf")))
        ml = viam.ml_training_client
        job = await call(
            ml.submit_training_job(
                org_id, "no-dataset", "model", "1", ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["a"]
            )
        )
        await call(ml.submit_custom_training_job(org_id, "no-dataset", "ns:item", "model", "1"))
        await call(ml.list_training_jobs(org_id))
        if job:
            await call(ml.get_training_job(job))
            await call(ml.cancel_training_job(job))
            await call(ml.delete_completed_training_job(job))
        agent = viam.provisioning_client
        await call(agent.get_network_list())
        await call(agent.get_smart_machine_status())
        await call(agent.set_network_credentials("wifi", "shop-floor", "forklift-2024"))
        await call(agent.set_smart_machine_credentials())


def test_blocking_facade_with_the_emulator_in_another_thread(emulator_thread: Emulator) -> None:
    import viam_sdk.sync

    boot = emulator_thread.bootstrap
    with generated_deprecations_are_errors():
        with viam_sdk.sync.ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
        ) as viam:
            data = viam.data_client
            flt = DataClient.create_filter()
            data.tabular_data_by_filter(flt)
            data.tags_by_filter(flt)
            data.bounding_box_labels_by_filter(flt)
            data.add_tags_to_binary_data_by_filter(["x"], flt)
            data.remove_tags_from_binary_data_by_filter(["x"], flt)
            for location in viam.app_client.list_locations(boot.org_id)[:1]:
                viam.app_client.location_auth(location.id)


async def test_without_the_sdks_mark_the_sdk_call_would_fail_here(
    viam: ViamClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One mark in viam_sdk/__init__.py is what keeps the generated layer quiet about the SDK's own
    # uses of deprecated messages and RPCs; without it the same call meets the warning.
    import viam_sdk

    monkeypatch.setattr(viam_sdk, QUIET_MARK, False)
    with generated_deprecations_are_errors(), pytest.raises(DeprecationWarning, match="TabularDataByFilter"):
        await viam.data_client.tabular_data_by_filter()
    with generated_deprecations_are_errors(), pytest.raises(DeprecationWarning, match="TagsByFilter"):
        await viam.data_client.tags_by_filter()


async def test_the_mark_leaves_the_callers_own_uses_alone(viam: ViamClient) -> None:
    await viam.data_client.tags_by_filter()
    with pytest.warns(DeprecationWarning, match="TagsByFilterRequest"):
        TagsByFilterRequest()
    # whatever filters are in force: nothing is raised from the SDK's code, even as errors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await viam.data_client.tags_by_filter()
        with pytest.raises(DeprecationWarning, match="TagsByFilterRequest"):
            TagsByFilterRequest()


@pytest.mark.parametrize(
    "module", ["viam_sdk.app._data.queries", "viam_sdk.testing.services.data", "viam_api.app.v1"]
)
def test_a_new_warning_from_our_own_code_fails_the_test(module: str) -> None:
    # pyproject.toml's filterwarnings: whatever warns from our code is an error, so it cannot sit in
    # make test's summary unnoticed; tests that expect a warning say so (pytest.warns, a mark).
    for category in (DeprecationWarning, UserWarning, RuntimeWarning):
        with pytest.raises(category, match="is deprecated"):
            warnings.warn_explicit(
                "viam.app.data.v1.TagsByFilterResponse is deprecated", category, "x.py", 1, module=module
            )


async def test_a_deprecated_sdk_method_warns_at_the_callers_line(
    viam: ViamClient, emulator: Emulator
) -> None:
    # Python shows a DeprecationWarning by default only where it is attributed to __main__: the
    # warning must name the line that called the method, not the SDK's wrappers.
    flt = DataClient.create_filter(organization_ids=[emulator.bootstrap.org_id])
    with pytest.warns(DeprecationWarning, match="delete_tabular_data_by_filter") as record:
        await call(viam.data_client.delete_tabular_data_by_filter(flt))
    assert [Path(w.filename).name for w in record] == [Path(__file__).name]


def test_a_deprecated_method_of_the_blocking_client_warns_at_the_callers_line(
    emulator_thread: Emulator,
) -> None:
    import viam_sdk.sync

    boot = emulator_thread.bootstrap
    flt = DataClient.create_filter(organization_ids=[boot.org_id])
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    ) as viam:
        with pytest.warns(DeprecationWarning, match="delete_tabular_data_by_filter") as record:
            viam.data_client.delete_tabular_data_by_filter(flt)
    assert [Path(w.filename).name for w in record] == [Path(__file__).name]
