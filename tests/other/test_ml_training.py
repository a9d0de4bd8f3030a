"""MLTrainingClient against the emulator: a job's whole life, cancelling, deleting, scoping."""

from __future__ import annotations

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.mltraining.v1 import (
    GetTrainingJobLogsRequest,
    MLTrainingServiceStub,
    ModelFramework,
    ModelType,
    TrainingStatus,
)
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import AppServiceStub, Authorization, CreateKeyRequest, CreateRegistryItemRequest

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing.server import Emulator

from .conftest import Org, connect
from .fleet import Fleet

DETECTION = ModelType.MODEL_TYPE_OBJECT_DETECTION
PENDING = TrainingStatus.TRAINING_STATUS_PENDING
IN_PROGRESS = TrainingStatus.TRAINING_STATUS_IN_PROGRESS
COMPLETED = TrainingStatus.TRAINING_STATUS_COMPLETED
FAILED = TrainingStatus.TRAINING_STATUS_FAILED
CANCELING = TrainingStatus.TRAINING_STATUS_CANCELING
CANCELED = TrainingStatus.TRAINING_STATUS_CANCELED


async def _dataset(
    emulator: Emulator,
    channel: Channel,
    org_id: str,
    name: str,
    *,
    images: int = 1,
    api_key_id: str | None = None,
) -> str:
    """A dataset of ``org_id`` holding ``images`` uploaded images (made with the given key)."""
    fleet = Fleet(channel, emulator.auth_metadata(api_key_id), org_id)
    dataset_id = await fleet.dataset(name)
    if images:
        part = await fleet.machine(f"camera-rig-{name}")
        for n in range(images):
            await fleet.upload(part, b"\x89PNG" + bytes([n]) * 32, dataset_ids=[dataset_id])
    return dataset_id


@pytest.fixture
async def dataset_id(emulator: Emulator, channel: Channel) -> str:
    return await _dataset(emulator, channel, emulator.bootstrap.org_id, "widgets")


async def test_job_moves_through_its_states(
    viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str
) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    job_id = await training.submit_training_job(
        org_id, dataset_id, "sorter", "1", DETECTION, ["bolt", "nut", "bolt"]
    )
    assert isinstance(job_id, str) and job_id

    first = await training.get_training_job(job_id)
    assert first.status == PENDING
    assert (first.id, first.organization_id, first.dataset_id) == (job_id, org_id, dataset_id)
    assert (first.model_name, first.model_version, first.model_type) == ("sorter", "1", DETECTION)
    assert first.model_framework == ModelFramework.MODEL_FRAMEWORK_TFLITE
    assert first.tags == ["bolt", "nut"]
    assert first.is_custom_job is False
    assert first.created_on is not None and first.training_started is None

    second = await training.get_training_job(job_id)
    assert second.status == IN_PROGRESS
    assert second.training_started is not None and second.training_ended is None

    third = await training.get_training_job(job_id)
    assert third.status == COMPLETED
    assert third.training_ended is not None and third.training_started is not None
    assert third.training_ended >= third.training_started
    assert third.synced_model_id
    assert third.error_status is None
    assert (await training.get_training_job(job_id)).status == COMPLETED  # it stays there

    stub = MLTrainingServiceStub(channel, metadata=emulator.auth_metadata())
    logs = (await stub.get_training_job_logs(GetTrainingJobLogsRequest(id=job_id))).logs
    assert [entry.message.split(":")[0].split(";")[0] for entry in logs] == [
        "job submitted",
        "training started",
        "training completed",
    ]


async def test_custom_job(viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    fleet = Fleet(channel, emulator.auth_metadata(), org_id)
    script = await fleet.training_script("yolo-trainer")
    job_id = await training.submit_custom_training_job(org_id, dataset_id, script, "yolo", "2")
    job = await training.get_training_job(job_id)
    assert job.is_custom_job is True
    assert job.registry_item_id == script
    assert (job.model_name, job.model_version, job.status) == ("yolo", "2", PENDING)

    with pytest.raises(GRPCError) as err:
        await training.submit_custom_training_job(org_id, dataset_id, "acme:nothing-here", "yolo", "3")
    assert err.value.status == Status.NOT_FOUND and "'acme:nothing-here'" in str(err.value.message)
    await fleet.app.create_registry_item(
        CreateRegistryItemRequest(
            organization_id=org_id, name="a-module", type=PackageType.PACKAGE_TYPE_MODULE
        )
    )
    with pytest.raises(GRPCError) as err:
        await training.submit_custom_training_job(org_id, dataset_id, f"{org_id}:a-module", "yolo", "3")
    assert err.value.status == Status.INVALID_ARGUMENT and "PACKAGE_TYPE_MODULE" in str(err.value.message)
    assert [j.id for j in await training.list_training_jobs(org_id)] == [job_id]


async def test_list_and_filter_by_status(viam: ViamClient, emulator: Emulator, dataset_id: str) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    first = await training.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    second = await training.submit_training_job(org_id, dataset_id, "m", "2", DETECTION, [])
    await training.get_training_job(first)  # first moves on to IN_PROGRESS

    jobs = await training.list_training_jobs(org_id)
    assert [(j.id, j.status) for j in jobs] == [(first, IN_PROGRESS), (second, PENDING)]
    # That read moved both on: first is now COMPLETED, second IN_PROGRESS.
    assert [j.id for j in await training.list_training_jobs(org_id, COMPLETED)] == [first]
    assert [j.id for j in await training.list_training_jobs(org_id, training_status=IN_PROGRESS)] == [second]
    assert await training.list_training_jobs(org_id, FAILED) == []


async def test_cancel(viam: ViamClient, emulator: Emulator, dataset_id: str) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    job_id = await training.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    await training.get_training_job(job_id)  # now IN_PROGRESS
    await training.cancel_training_job(job_id)
    await training.cancel_training_job(job_id)  # asking twice is fine
    assert (await training.get_training_job(job_id)).status == CANCELING
    canceled = await training.get_training_job(job_id)
    assert canceled.status == CANCELED and canceled.training_ended is not None
    assert canceled.synced_model_id == ""

    with pytest.raises(GRPCError) as err:
        await training.cancel_training_job(job_id)
    assert err.value.status == Status.FAILED_PRECONDITION and job_id in str(err.value.message)
    with pytest.raises(GRPCError) as err:
        await training.cancel_training_job("no-such-job")
    assert err.value.status == Status.NOT_FOUND and "'no-such-job'" in str(err.value.message)


async def test_delete_only_finished_jobs(viam: ViamClient, emulator: Emulator, dataset_id: str) -> None:
    training = viam.ml_training_client
    org_id = emulator.bootstrap.org_id
    job_id = await training.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    with pytest.raises(GRPCError) as err:
        await training.delete_completed_training_job(job_id)
    assert err.value.status == Status.FAILED_PRECONDITION and "PENDING" in str(err.value.message)
    assert (await training.get_training_job(job_id)).status == PENDING  # still there

    await training.get_training_job(job_id)
    assert (await training.get_training_job(job_id)).status == COMPLETED
    await training.delete_completed_training_job(job_id)
    with pytest.raises(GRPCError) as err:
        await training.get_training_job(job_id)
    assert err.value.status == Status.NOT_FOUND
    assert await training.list_training_jobs(org_id) == []
    with pytest.raises(GRPCError) as err:
        await training.delete_completed_training_job(job_id)
    assert err.value.status == Status.NOT_FOUND


async def test_job_on_an_empty_dataset_fails(viam: ViamClient, emulator: Emulator, channel: Channel) -> None:
    org_id = emulator.bootstrap.org_id
    empty = await _dataset(emulator, channel, org_id, "empty", images=0)
    training = viam.ml_training_client
    job_id = await training.submit_training_job(org_id, empty, "m", "1", DETECTION, [])
    assert (await training.get_training_job(job_id)).status == PENDING
    failed = await training.get_training_job(job_id)
    assert failed.status == FAILED
    assert failed.error_status is not None
    assert failed.error_status.code == Status.FAILED_PRECONDITION.value
    assert empty in failed.error_status.message
    await training.delete_completed_training_job(job_id)  # failed jobs are finished too


@pytest.mark.parametrize(
    ("field", "value", "status", "named"),
    [
        ("model_name", "", Status.INVALID_ARGUMENT, "model_name"),
        ("model_version", " ", Status.INVALID_ARGUMENT, "model_version"),
        ("dataset_id", "", Status.INVALID_ARGUMENT, "dataset_id"),
        ("dataset_id", "no-such-dataset", Status.NOT_FOUND, "'no-such-dataset'"),
        ("model_type", ModelType.MODEL_TYPE_UNSPECIFIED, Status.INVALID_ARGUMENT, "MODEL_TYPE_UNSPECIFIED"),
        ("tags", ["ok", ""], Status.INVALID_ARGUMENT, "tag"),
    ],
)
async def test_bad_submissions(
    viam: ViamClient,
    emulator: Emulator,
    dataset_id: str,
    field: str,
    value: object,
    status: Status,
    named: str,
) -> None:
    args: dict[str, object] = {
        "org_id": emulator.bootstrap.org_id,
        "dataset_id": dataset_id,
        "model_name": "m",
        "model_version": "1",
        "model_type": DETECTION,
        "tags": ["a"],
    }
    args[field] = value
    with pytest.raises(GRPCError) as err:
        await viam.ml_training_client.submit_training_job(**args)  # type: ignore[arg-type]
    assert err.value.status == status
    assert named in str(err.value.message)
    assert await viam.ml_training_client.list_training_jobs(emulator.bootstrap.org_id) == []


async def test_same_model_version_twice(viam: ViamClient, emulator: Emulator, dataset_id: str) -> None:
    org_id = emulator.bootstrap.org_id
    await viam.ml_training_client.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    with pytest.raises(GRPCError) as err:
        await viam.ml_training_client.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    assert err.value.status == Status.ALREADY_EXISTS and "'m'" in str(err.value.message)


async def test_another_organizations_jobs_are_invisible(
    viam: ViamClient, stranger: Org, emulator: Emulator, channel: Channel
) -> None:
    their_dataset = await _dataset(
        emulator, channel, stranger.org_id, "theirs", api_key_id=stranger.api_key_id
    )
    theirs = await stranger.client.ml_training_client.submit_training_job(
        stranger.org_id, their_dataset, "secret-model", "1", DETECTION, []
    )
    training = viam.ml_training_client
    for call in (
        training.get_training_job(theirs),
        training.cancel_training_job(theirs),
        training.delete_completed_training_job(theirs),
        training.list_training_jobs(stranger.org_id),
        training.submit_training_job(stranger.org_id, their_dataset, "m", "1", DETECTION, []),
        training.submit_custom_training_job(stranger.org_id, their_dataset, "a:b", "m", "1"),
    ):
        with pytest.raises(GRPCError) as err:
            await call
        assert err.value.status == Status.PERMISSION_DENIED
    assert await training.list_training_jobs(emulator.bootstrap.org_id) == []
    # Their dataset is not ours to train on either.
    with pytest.raises(GRPCError) as err:
        await training.submit_training_job(emulator.bootstrap.org_id, their_dataset, "m", "1", DETECTION, [])
    assert err.value.status == Status.NOT_FOUND
    # And their job was left as it was.
    job = await stranger.client.ml_training_client.get_training_job(theirs)
    assert job.status == PENDING


async def test_without_the_data_plane_datasets_are_not_checked() -> None:
    """An emulator loaded without the data services still serves training and billing."""
    modules = tuple(
        f"viam_sdk.testing.services.{name}"
        for name in ("auth", "app", "billing", "mltraining", "provisioning")
    )
    async with Emulator(service_modules=modules) as emu:
        viam = await connect(emu, emu.bootstrap)
        try:
            org_id = emu.bootstrap.org_id
            training = viam.ml_training_client
            job = await training.submit_training_job(org_id, "any-dataset", "m", "1", DETECTION, [])
            assert [(await training.get_training_job(job)).status for _ in range(3)] == [
                PENDING,
                IN_PROGRESS,
                COMPLETED,
            ]
            usage = await viam.billing_client.get_current_month_usage(org_id)
            assert usage.subtotal == 2.0  # the one finished training job
        finally:
            viam.close()


async def test_unknown_status_filter(viam: ViamClient, emulator: Emulator) -> None:
    with pytest.raises(GRPCError) as err:
        await viam.ml_training_client.list_training_jobs(emulator.bootstrap.org_id, TrainingStatus(42))
    assert err.value.status == Status.INVALID_ARGUMENT and "42" in str(err.value.message)


async def test_an_operator_key_reads_but_cannot_change(
    viam: ViamClient, emulator: Emulator, channel: Channel, dataset_id: str
) -> None:
    org_id = emulator.bootstrap.org_id
    job = await viam.ml_training_client.submit_training_job(org_id, dataset_id, "m", "1", DETECTION, [])
    made = await AppServiceStub(channel, metadata=emulator.auth_metadata()).create_key(
        CreateKeyRequest(
            name="read-mostly",
            authorizations=[
                Authorization(
                    authorization_type="role",
                    authorization_id="organization_operator",
                    resource_type="organization",
                    resource_id=org_id,
                    organization_id=org_id,
                    identity_type="api-key",
                )
            ],
        )
    )
    operator = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(made.key, made.id), app_url=emulator.app_url
    )
    try:
        training = operator.ml_training_client
        assert (await training.get_training_job(job)).status == PENDING
        assert [j.id for j in await training.list_training_jobs(org_id)] == [job]
        assert (await operator.billing_client.get_current_month_usage(org_id)).subtotal >= 0
        for call in (
            training.submit_training_job(org_id, dataset_id, "m", "2", DETECTION, []),
            training.cancel_training_job(job),
            training.delete_completed_training_job(job),
        ):
            with pytest.raises(GRPCError) as err:
                await call
            assert err.value.status == Status.PERMISSION_DENIED
    finally:
        operator.close()
    # The operator's two reads moved the job on; the refused calls changed nothing.
    jobs = await viam.ml_training_client.list_training_jobs(org_id)
    assert [(j.id, j.status) for j in jobs] == [(job, COMPLETED)]
