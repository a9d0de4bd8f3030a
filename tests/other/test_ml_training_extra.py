"""MLTrainingClient's members of viam-sdk 0.85.1 against the emulator: custom training
containers, and the newer keyword arguments of ``submit_custom_training_job``."""

from __future__ import annotations

import inspect

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.mltraining.v1 import Container, TrainingStatus, Visibility

from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing.server import Emulator

from .conftest import Org
from .fleet import Fleet
from .test_ml_training import _dataset

IMAGE = "us-docker.pkg.dev/acme-ml/training/yolo-trainer:1.2"
_ = inspect.Parameter.empty


def _params(name: str) -> list[tuple[str, object, inspect._ParameterKind]]:
    sig = inspect.signature(getattr(MLTrainingClient, name))
    # Leaves out ``timeout``, which every SDK method takes (tests/sdk/test_timeouts.py).
    return [(p.name, p.default, p.kind) for p in list(sig.parameters.values())[1:] if p.name not in ("timeout", "retry")]


POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
KW = inspect.Parameter.KEYWORD_ONLY


def test_signatures() -> None:
    assert _params("register_custom_training_container") == [
        ("org_id", _, POS),
        ("image_uri", _, POS),
        ("description", _, POS),
    ]
    assert _params("get_container") == [("id", _, POS)]
    assert _params("list_containers") == [("org_id", _, POS)]
    assert _params("delete_custom_training_container") == [("id", _, POS)]
    # The reference's five positional parameters, 0.85.1's extra positionals, its newer two by keyword.
    assert _params("submit_custom_training_job") == [
        ("org_id", _, POS),
        ("dataset_id", _, POS),
        ("registry_item_id", _, POS),
        ("model_name", _, POS),
        ("model_version", _, POS),
        ("newer_order", _, inspect.Parameter.VAR_POSITIONAL),
        ("registry_item_version", "", KW),
        ("container_id", "", KW),
    ]


@pytest.fixture
async def dataset_id(emulator: Emulator, channel: Channel) -> str:
    return await _dataset(emulator, channel, emulator.bootstrap.org_id, "parts")


async def test_register_get_list_delete(viam: ViamClient, emulator: Emulator) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    assert await training.list_containers(org_id) == []

    first = await training.register_custom_training_container(org_id, IMAGE, "YOLO on PyTorch 2")
    second = await training.register_custom_training_container(org_id, "ghcr.io/acme/tf-trainer@sha256:" + "a" * 64, "")
    assert first and second and first != second

    container = await training.get_container(first)
    assert isinstance(container, Container)
    assert (container.id, container.uri, container.description) == (first, IMAGE, "YOLO on PyTorch 2")
    assert container.organization_id == org_id
    assert container.key == "yolo-trainer:1.2"
    assert container.visibility == Visibility.VISIBILITY_PRIVATE
    assert container.created_on is not None

    assert [c.id for c in await training.list_containers(org_id)] == [first, second]

    await training.delete_custom_training_container(first)
    assert [c.id for c in await training.list_containers(org_id)] == [second]
    with pytest.raises(GRPCError) as err:
        await training.get_container(first)
    assert err.value.status == Status.NOT_FOUND and first in (err.value.message or "")
    with pytest.raises(GRPCError) as err:
        await training.delete_custom_training_container(first)
    assert err.value.status == Status.NOT_FOUND


@pytest.mark.parametrize("uri", ["", "   ", "Not An Image", "https://example.com/img", "repo/Upper:tag", "a:b:c"])
async def test_a_malformed_image_uri_is_invalid_and_named(viam: ViamClient, emulator: Emulator, uri: str) -> None:
    org_id = emulator.bootstrap.org_id
    with pytest.raises(GRPCError) as err:
        await viam.ml_training_client.register_custom_training_container(org_id, uri, "x")
    assert err.value.status == Status.INVALID_ARGUMENT
    assert repr(uri) in (err.value.message or "")
    assert await viam.ml_training_client.list_containers(org_id) == []


async def test_the_same_image_twice_already_exists(viam: ViamClient, emulator: Emulator) -> None:
    org_id = emulator.bootstrap.org_id
    first = await viam.ml_training_client.register_custom_training_container(org_id, IMAGE, "one")
    with pytest.raises(GRPCError) as err:
        await viam.ml_training_client.register_custom_training_container(org_id, IMAGE, "two")
    assert err.value.status == Status.ALREADY_EXISTS
    assert IMAGE in (err.value.message or "") and first in (err.value.message or "")


async def test_containers_are_private_to_their_organization(
    viam: ViamClient, emulator: Emulator, stranger: Org
) -> None:
    org_id = emulator.bootstrap.org_id
    mine = await viam.ml_training_client.register_custom_training_container(org_id, IMAGE, "mine")
    theirs = stranger.client.ml_training_client
    # The same image may be registered by another organization: the uniqueness is per organization.
    their_own = await theirs.register_custom_training_container(stranger.org_id, IMAGE, "theirs")
    assert their_own != mine
    for call in (
        theirs.get_container(mine),
        theirs.delete_custom_training_container(mine),
        theirs.list_containers(org_id),
        theirs.register_custom_training_container(org_id, "ghcr.io/evil/image:1", "planted"),
    ):
        with pytest.raises(GRPCError) as err:
            await call
        assert err.value.status == Status.PERMISSION_DENIED
    assert [c.id for c in await viam.ml_training_client.list_containers(org_id)] == [mine]


async def test_custom_job_with_version_and_container(
    viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str
) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    script = await Fleet(channel, emulator.auth_metadata(), org_id).training_script("yolo-trainer")
    container_id = await training.register_custom_training_container(org_id, IMAGE, "trainer")

    job_id = await training.submit_custom_training_job(
        org_id, dataset_id, script, "yolo", "1", registry_item_version="0.3.1", container_id=container_id
    )
    job = await training.get_training_job(job_id)
    assert job.is_custom_job is True
    assert (job.registry_item_id, job.registry_item_version, job.container_id) == (script, "0.3.1", container_id)

    # The container is in use while the job runs (IN_PROGRESS now) ...
    with pytest.raises(GRPCError) as err:
        await training.delete_custom_training_container(container_id)
    assert err.value.status == Status.FAILED_PRECONDITION and job_id in (err.value.message or "")
    # ... and free once it has finished.
    assert (await training.get_training_job(job_id)).status == TrainingStatus.TRAINING_STATUS_IN_PROGRESS
    assert (await training.get_training_job(job_id)).status == TrainingStatus.TRAINING_STATUS_COMPLETED
    await training.delete_custom_training_container(container_id)

    # Without the newer arguments the job gets neither, as before.
    plain = await training.get_training_job(
        await training.submit_custom_training_job(org_id, dataset_id, script, "yolo", "2")
    )
    assert (plain.registry_item_version, plain.container_id) == ("", "")


async def test_a_custom_job_needs_a_container_it_can_see(
    viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str, stranger: Org
) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    script = await Fleet(channel, emulator.auth_metadata(), org_id).training_script("trainer")
    their_container = await stranger.client.ml_training_client.register_custom_training_container(
        stranger.org_id, IMAGE, "theirs"
    )
    for container_id in ("no-such-container", their_container):
        with pytest.raises(GRPCError) as err:
            await training.submit_custom_training_job(
                org_id, dataset_id, script, "yolo", "1", container_id=container_id
            )
        assert err.value.status == Status.NOT_FOUND
        assert container_id in (err.value.message or "")
    assert await training.list_training_jobs(org_id) == []


async def test_a_0_85_1_style_positional_call_is_read_in_0_85_1_order(
    viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str
) -> None:
    # 0.85.1 puts registry_item_version fourth: six or seven positionals are its order.
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    script = await Fleet(channel, emulator.auth_metadata(), org_id).training_script("yolo-trainer")
    container_id = await training.register_custom_training_container(org_id, IMAGE, "trainer")
    six = await training.get_training_job(
        await training.submit_custom_training_job(org_id, dataset_id, script, "0.3.1", "yolo", "1")
    )
    assert (six.registry_item_version, six.model_name, six.model_version) == ("0.3.1", "yolo", "1")
    seven = await training.get_training_job(
        await training.submit_custom_training_job(org_id, dataset_id, script, "0.3.2", "yolo", "2", container_id)
    )
    assert (seven.registry_item_version, seven.model_version, seven.container_id) == ("0.3.2", "2", container_id)
    jobs_before = len(await training.list_training_jobs(org_id))
    with pytest.raises(TypeError, match="reference's order"):
        await training.submit_custom_training_job(
            org_id, dataset_id, script, "0.3.1", "yolo", "1", registry_item_version="0.3.1"
        )
    with pytest.raises(TypeError, match="0.85.1's"):
        await training.submit_custom_training_job(org_id, dataset_id, script, "a", "b", "c", "d", "e")
    assert len(await training.list_training_jobs(org_id)) == jobs_before


def test_blocking_twin_manages_containers(emulator_thread: Emulator) -> None:
    from viam_sdk.rpc.dial import DialOptions
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(opts, app_url=emulator_thread.app_url) as viam:
        training = viam.ml_training_client
        container_id = training.register_custom_training_container(boot.org_id, "trainer:latest", "local")
        assert training.get_container(container_id).key == "trainer:latest"
        assert [c.id for c in training.list_containers(boot.org_id)] == [container_id]
        training.delete_custom_training_container(container_id)
        assert training.list_containers(boot.org_id) == []
        # 0.85.1's six-positional order goes through the blocking twin too
        with pytest.raises(TypeError, match="0.85.1's"):
            training.submit_custom_training_job(boot.org_id, "ds", "org:item", "a", "b", "c", "d", "e")
        with pytest.raises(GRPCError) as err:  # read in 0.85.1's order: the dataset "ds" is unknown
            training.submit_custom_training_job(boot.org_id, "ds", "org:item", "0.3.1", "yolo", "1")
        assert err.value.status in (Status.NOT_FOUND, Status.INVALID_ARGUMENT, Status.PERMISSION_DENIED)
