"""Our public API against the reference, and the blocking flavour against the async one."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from viam_api._blocking import SyncStream

import viam_sdk.sync.app_client as sync_app
import viam_sdk.sync.viam_client as sync_viam
from tools.sync_facade import public_members
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions

from . import _seed

ROOT = Path(__file__).resolve().parents[2]

# Deliberate departures from the seed, each for a reason:
# log_levels defaults to an empty tuple (a Sequence), not a shared mutable [].
# The older guide calls these without an organization (the credentials' only one is used),
# so org_id, and the required parameters after it, take "" as their default.
DEVIATIONS = {
    ("get_robot_part_logs", "log_levels"),
    ("list_locations", "org_id"),
    ("list_organization_members", "org_id"),
    ("create_location", "org_id"),
    ("create_location", "name"),
    ("update_organization_invite_authorizations", "org_id"),
    ("update_organization_invite_authorizations", "email"),
    ("update_robot_part", "name"),  # the older guide calls it with the part id alone
    # The reference's own examples call these with no organization.
    ("list_keys", "org_id"),
    ("get_rover_rental_robots", "org_id"),
}


@pytest.fixture(scope="module")
def seed() -> str:
    text = _seed.seed_text()
    if text is None:
        pytest.skip(f"reference not found at {_seed.SEED_DIR}")
    return text


def test_every_seed_app_client_method_matches(seed: str) -> None:
    methods = _seed.seed_methods(seed, "AppClient")
    assert len(methods) == 69
    problems = [p for m in methods for p in _seed.compare(AppClient, m, DEVIATIONS)]
    assert problems == []
    exact = sum(1 for m in methods if not _seed.compare(AppClient, m))
    print(f"\nAppClient: {len(methods)}/{len(methods)} seed methods present, {exact} identical, "
          f"{len(methods) - exact} with a documented deviation")


def test_viam_client_and_dial_options_match(seed: str) -> None:
    for cls, name in ((ViamClient, "ViamClient"), (DialOptions, "DialOptions")):
        methods = _seed.seed_methods(seed, name)
        assert methods
        assert [p for m in methods for p in _seed.compare(cls, m)] == []
    for prop in ("app_client", "data_client", "billing_client", "ml_training_client", "provisioning_client"):
        assert isinstance(inspect.getattr_static(ViamClient, prop), property)


def test_every_async_coroutine_is_a_coroutine() -> None:
    public = {n: v for n, v, _ in public_members(AppClient)}  # its own and its area mixins
    assert len(public) >= 69
    # The auto-paging iterators (iter_*) are async generators: ``async for``, not ``await``.
    assert all(
        inspect.isasyncgenfunction(v) if n.startswith("iter_") else inspect.iscoroutinefunction(v)
        for n, v in public.items()
    )


@pytest.mark.parametrize(("async_cls", "sync_cls"), [(AppClient, sync_app.AppClient), (ViamClient, sync_viam.ViamClient)])
def test_sync_twins_have_the_same_parameters(async_cls: type, sync_cls: type) -> None:
    for name, member, _ in public_members(async_cls):
        if isinstance(member, property):
            if name in ("data_client", "billing_client", "ml_training_client", "provisioning_client") and not hasattr(
                sync_cls, name
            ):
                continue  # offered once that client is in tools.sync_facade.TARGETS
            assert isinstance(inspect.getattr_static(sync_cls, name), property), name
            continue
        func = member.__func__ if isinstance(member, classmethod) else member
        twin = getattr(sync_cls, name)
        assert not inspect.iscoroutinefunction(twin), name
        ours = [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()][1:]
        theirs = [(p.name, p.kind, p.default) for p in inspect.signature(twin).parameters.values()]
        if not isinstance(member, classmethod):
            theirs = theirs[1:]
        assert ours == theirs, name


def test_sync_streams_are_plain_iterators() -> None:
    hints = typing.get_type_hints(sync_app.AppClient.tail_robot_part_logs)
    assert typing.get_origin(hints["return"]) is SyncStream
    assert "await" not in (sync_app.AppClient.tail_robot_part_logs.__doc__ or "")


def test_sync_facade_is_up_to_date_and_type_clean() -> None:
    check = subprocess.run(
        [sys.executable, "-m", "tools.sync_facade", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "viam_sdk/sync", "viam_sdk/app/app_client.py", "viam_sdk/app/viam_client.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert mypy.returncode == 0, mypy.stdout


def test_every_proto_name_the_seed_uses_is_re_exported(seed: str) -> None:
    import importlib
    import re

    names = sorted(set(re.findall(r"viam\.proto\.([a-z_.]+)\.([A-Z]\w*)", seed)))
    checked = 0
    for module, name in names:
        if module.startswith("arr."):
            continue  # a typo in the reference ("viam.proto.arr.data.BinaryID")
        target = importlib.import_module(f"viam_sdk.proto.{module}")
        assert hasattr(target, name), f"viam_sdk.proto.{module}.{name}"
        checked += 1
    assert checked >= 30
