"""Every code example of the reference documents, run against the emulator, async and blocking.

The examples are read from the documents at test time (see ``_examples``), their
placeholder ids replaced with real objects, and run as a user would paste them
into a script.  An example either runs to its end or is listed in
``REFERENCE_DEFECTS`` with the exact error it stops on and why: those are faults
of the document itself (a typo in a method name, code that is not Python), which
the official SDK stops on too.  The test fails if a listed example starts to run,
or fails in another way, so the list stays true.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import Visibility

import viam_sdk.sync
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import Credentials, DialOptions
from viam_sdk.testing import Emulator
from viam_sdk.testing.context import Bootstrap

from . import _example_world, _examples

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    # The examples that leave out an ``await`` (see REFERENCE_DEFECTS) leave a coroutine behind.
    pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning"),
]

FOLDER = _examples.reference_dir()
EXAMPLES = _examples.examples(FOLDER) if FOLDER else []
SIGNATURES = _examples.signature_finder(AppClient, DataClient, BillingClient, MLTrainingClient, ProvisioningClient)

# Examples that stop in the document itself: (exception type, text in its message, why).
_NOT_PYTHON = "the example is not valid Python"
_TUPLE = "binary_data_by_filter returns (data, count, last), which the example iterates as if it were the list"
_NO_MODELS = "the example leaves out `models`, which the documented signature requires"
_NO_FILE_INFO = "the example leaves out `module_file_info`, which the documented signature requires"
_NO_AWAIT = "the example calls create_key without `await` (the blocking flavour runs it as written)"
REFERENCE_DEFECTS: dict[str, tuple[str, str, str]] = {
    "002:get_organizations_with_access_to_location:0": (
        "AttributeError", "get_organization_with_access_to_location", "the example misspells the method"),
    "002:change_role:0": ("SyntaxError", "comma", _NOT_PYTHON + " (a stray `s` after an argument)"),
    "001:ChangeRole:0": ("SyntaxError", "comma", _NOT_PYTHON + " (a stray `s` after an argument)"),
    "001:CheckPermissions:0": ("SyntaxError", "invalid syntax", _NOT_PYTHON),
    "002:delete_tabular_data:0": ("SyntaxError", "positional argument follows keyword argument", _NOT_PYTHON),
    "002:list_datasets_by_organization_id:0": ("SyntaxError", "invalid decimal literal",
                                               _NOT_PYTHON + " (doubled quotes around the id)"),
    "002:update_module:0": ("TypeError", "'models'", _NO_MODELS),
    "001:UpdateModule:0": ("TypeError", "'models'", _NO_MODELS),
    "002:upload_module_file:0": ("TypeError", "'module_file_info'", _NO_FILE_INFO),
    "001:UploadModuleFile:0": ("TypeError", "'module_file_info'", _NO_FILE_INFO),
    "002:create_key:0@async": ("TypeError", "coroutine", _NO_AWAIT),
    "001:CreateKey:0@async": ("TypeError", "coroutine", _NO_AWAIT),
    "002:tabular_data_by_mql:0": (
        "AttributeError", "dumps", "its first half calls bson.dumps of the standalone `bson` package, which cannot be "
        "installed beside pymongo's `bson` (bson.encode) that its second half and the SDK use"),
    "002:binary_data_by_ids:0": ("AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:delete_binary_data_by_ids:0": ("AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:add_tags_to_binary_data_by_ids:0": ("AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:remove_tags_from_binary_data_by_ids:0": (
        "AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:add_binary_data_to_dataset_by_ids:0": (
        "AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:remove_binary_data_from_dataset_by_ids:0": (
        "AttributeError", "'list' object has no attribute 'metadata'", _TUPLE),
    "002:add_bounding_box_to_image_by_id:0": (
        "NameError", "'your'", "the example writes its placeholders unquoted (`file_id=your-file_id`)"),
    "002:remove_bounding_box_from_image_by_id:0": (
        "NameError", "'your'", "the example writes its placeholders unquoted (`file_id=your-file_id`)"),
    "002:streaming_data_capture_upload:0": (
        "TypeError", "the data must be bytes", "the example passes text where the signature documents bytes"),
}


def _namespace(viam: Any, sync: bool) -> dict[str, Any]:
    # What the document's page context supplies to a fragment: its clients and its imports.
    return {
        "__name__": "__example__",
        "viam_client": viam,
        "cloud": viam.app_client,
        "fleet": viam.app_client,
        "data_client": viam.data_client,
        "billing_client": viam.billing_client,
        "ml_training_client": viam.ml_training_client,
        "provisioning_client": viam.provisioning_client,
        "DialOptions": DialOptions,
        "Credentials": Credentials,
        "ViamClient": viam_sdk.sync.ViamClient if sync else ViamClient,
        "datetime": datetime.datetime,
        "PackageType": PackageType,
        "Visibility": Visibility,
        "asyncio": asyncio,
    }


def _outcome(error: BaseException | None) -> tuple[str, str] | None:
    return None if error is None else (type(error).__name__, str(error))


def _check(example: _examples.Example, error: BaseException | None, flavour: str = "async") -> None:
    # A key ending in "@async" is a defect of the async form only (a missing ``await``).
    expected = REFERENCE_DEFECTS.get(example.key, REFERENCE_DEFECTS.get(f"{example.key}@{flavour}"))
    if expected is None:
        if error is not None:
            raise AssertionError(f"{example.key} failed: {type(error).__name__}: {error}\n{example.code}") from error
        return
    kind, text, _why = expected
    assert error is not None, f"{example.key} now runs: take it off REFERENCE_DEFECTS"
    assert (type(error).__name__, text in str(error)) == (kind, True), _outcome(error)


def _fragments() -> list[Any]:
    return [pytest.param(e, id=e.key) for e in EXAMPLES if not e.is_script]


def _scripts() -> list[Any]:
    return [pytest.param(e, id=e.key) for e in EXAMPLES if e.is_script]


async def _build_beside(emulator: Emulator, boot: Bootstrap, example: _examples.Example, tmp: Path) -> dict[str, str]:
    """Build an example's world in ``boot``'s organization, from a short-lived async client."""
    viam = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    try:
        return await _example_world.build(_examples.needs(example, SIGNATURES), emulator, boot, viam, tmp)
    finally:
        viam.close()


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    """One emulator on its own thread for the blocking and script examples; each gets its own organization."""
    with Emulator.in_thread() as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _reference_present() -> None:
    if FOLDER is None:
        pytest.skip("the reference documents (shared/seeds/) are not on this machine")


def test_every_document_has_its_examples() -> None:
    per_doc = {doc: sum(1 for e in EXAMPLES if e.doc == doc) for doc in ("000", "001", "002")}
    assert min(per_doc.values()) > 0, per_doc
    print(f"\nexamples found: {per_doc}, {len(EXAMPLES)} in all, {len(REFERENCE_DEFECTS)} stop in the document")


@pytest.mark.parametrize("example", _fragments())
async def test_example_runs(example: _examples.Example, tmp_path: Path) -> None:
    try:
        _examples.parse(example.code)
    except SyntaxError as error:
        _check(example, error)
        return
    async with Emulator() as emulator:
        boot = emulator.bootstrap
        viam = await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
        )
        try:
            world = await _example_world.build(_examples.needs(example, SIGNATURES), emulator, boot, viam, tmp_path)
            tree = _examples.prepare(example, world, SIGNATURES, emulator.app_url)
            namespace = _namespace(viam, sync=False)
            exec(compile(tree, example.key, "exec"), namespace)
            error: BaseException | None = None
            try:
                await namespace["__example__"]()
            except Exception as caught:  # noqa: BLE001 (compared with the expectation below)
                error = caught
        finally:
            viam.close()
    _check(example, error)


@pytest.mark.parametrize("example", _fragments())
def test_example_runs_blocking(example: _examples.Example, tmp_path: Path, shared_emulator: Emulator) -> None:
    try:
        _examples.parse(example.code)
    except SyntaxError as error:
        _check(example, error, "blocking")
        return
    emulator = shared_emulator
    boot = emulator.add_organization(f"Example {example.key}")
    world = asyncio.run(_build_beside(emulator, boot, example, tmp_path))
    tree = _examples.prepare(example, world, SIGNATURES, emulator.app_url, blocking=True)
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
        namespace = _namespace(viam, sync=True)
        exec(compile(tree, example.key, "exec"), namespace)
        error: BaseException | None = None
        try:
            namespace["__example__"]()
        except Exception as caught:  # noqa: BLE001 (compared with the expectation below)
            error = caught
    _check(example, error, "blocking")


@pytest.mark.parametrize("example", _scripts())
def test_script_runs_as_a_program(example: _examples.Example, tmp_path: Path, shared_emulator: Emulator) -> None:
    """A whole program from the documents, in its own process, after the import rename only."""
    boot = shared_emulator.add_organization(f"Example {example.key}")
    world = asyncio.run(_build_beside(shared_emulator, boot, example, tmp_path))
    script = tmp_path / "script.py"
    script.write_text(_examples.script(example, world, shared_emulator.app_url), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(_examples.REPO)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env)
    error = RuntimeError(done.stderr.strip().splitlines()[-1]) if done.returncode else None
    _check(example, error)
