"""Training jobs and invoices live in the emulator's database: a restart on the same file keeps them."""

from __future__ import annotations

from pathlib import Path

from grpclib.client import Channel
from viam_api.app.mltraining.v1 import ModelType, TrainingStatus

from viam_sdk.testing.server import Emulator

from .conftest import connect
from .fleet import Fleet


async def test_jobs_and_invoices_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "cloud.db")
    async with Emulator(db=db) as emu:
        org_id = emu.bootstrap.org_id
        boot = emu.bootstrap  # the key is shown once (stored hashed): keep it for the restart
        channel = Channel(emu.host, emu.port)
        viam = await connect(emu, emu.bootstrap)
        try:
            fleet = Fleet(channel, emu.auth_metadata(), org_id)
            dataset_id = await fleet.dataset("frames")
            await fleet.upload(await fleet.machine("rig"), b"\x89PNG", dataset_ids=[dataset_id])
            job = await viam.ml_training_client.submit_training_job(
                org_id, dataset_id, "m", "1", ModelType.MODEL_TYPE_OBJECT_DETECTION, ["a"]
            )
            await viam.ml_training_client.get_training_job(job)  # PENDING -> IN_PROGRESS
            invoices = [i.id for i in (await viam.billing_client.get_invoices_summary(org_id)).invoices]
        finally:
            viam.close()
            channel.close()

    async with Emulator(db=db) as emu:
        assert emu.bootstrap.org_id == org_id
        viam = await connect(emu, boot)
        try:
            again = await viam.ml_training_client.get_training_job(job)
            assert again.status == TrainingStatus.TRAINING_STATUS_IN_PROGRESS
            assert again.dataset_id == dataset_id
            summary = await viam.billing_client.get_invoices_summary(org_id)
            assert [i.id for i in summary.invoices] == invoices
        finally:
            viam.close()
