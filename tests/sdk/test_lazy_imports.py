"""Importing the SDK loads no gRPC machinery and no generated message module it does not need.

Each check runs in a fresh interpreter, so what other tests imported does not
count.  No timings are asserted (``python -X importtime`` and ``make bench``
measure those); only which modules are, and are not, in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from viam_sdk.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]

# Packages nothing should load before the first connection or first message.
HEAVY_PACKAGES = ("viam_api", "grpclib", "h2", "betterproto2", "bson")
# SDK modules that hold (or need) message types: each loads with its client.
CLIENT_MODULES = (
    "viam_sdk.app._client",
    "viam_sdk.app._convert",
    "viam_sdk.app._locations",
    "viam_sdk.app._timeouts",
    "viam_sdk.app._data.files",
    "viam_sdk.app.app_client",
    "viam_sdk.app.billing_client",
    "viam_sdk.app.data_client",
    "viam_sdk.app.ml_training_client",
    "viam_sdk.app.provisioning_client",
)

# Every module of viam_sdk.proto and the generated module it re-exports.
PROTO_SOURCES = {
    "viam_sdk.proto.app": "viam_api.app.v1",
    "viam_sdk.proto.app.billing": "viam_api.app.v1",
    "viam_sdk.proto.app.data": "viam_api.app.data.v1",
    "viam_sdk.proto.app.dataset": "viam_api.app.dataset.v1",
    "viam_sdk.proto.app.datasync": "viam_api.app.datasync.v1",
    "viam_sdk.proto.app.mltraining": "viam_api.app.mltraining.v1",
    "viam_sdk.proto.app.packages": "viam_api.app.packages.v1",
    "viam_sdk.proto.common": "viam_api.common.v1",
    "viam_sdk.proto.provisioning": "viam_api.provisioning.v1",
    "viam_sdk.proto.rpc": "viam_api.rpc.v1",
}


def _run(code: str) -> object:
    """Run ``code`` in a fresh interpreter; it ends by printing one JSON value, which is returned."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _modules_after(statement: str) -> set[str]:
    modules = _run(f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))")
    assert isinstance(modules, list)
    return set(modules)


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY_PACKAGES or m in CLIENT_MODULES)


@pytest.mark.parametrize(
    "statement",
    [
        "import viam_sdk",
        "import viam_sdk.app",
        "import viam_sdk.rpc",
        "import viam_sdk.proto",
        "from viam_sdk.app.viam_client import ViamClient",
        "from viam_sdk import ViamClient, DialOptions, Credentials",
        "from viam_sdk.rpc.dial import DialOptions; DialOptions.with_api_key('k', '8d9f1c2e-6a07-4a56-9c2b-0f1e2d3c4b5a')",
        "import viam_sdk.sync",
        "from viam_sdk.sync import ViamClient",
        # Every viam_sdk.proto module, imported but not yet used.
        pytest.param("; ".join(f"import {name}" for name in PROTO_SOURCES), id="import every viam_sdk.proto module"),
    ],
)
def test_import_loads_no_grpc_and_no_message_module(statement: str) -> None:
    assert _heavy(_modules_after(statement)) == []


def test_reading_an_export_back_needs_no_message_module() -> None:
    modules = _modules_after("from viam_sdk.app._data.files import read_tabular_file")
    assert not [m for m in modules if m.split(".")[0] in HEAVY_PACKAGES]


def test_the_viam_client_module_stays_clear_of_every_client_module() -> None:
    modules = _modules_after("from viam_sdk.app.viam_client import ViamClient")
    assert "viam_sdk.app.viam_client" in modules
    assert not {m for m in modules if m.startswith(("viam_sdk.sync", "viam_sdk.testing", "viam_sdk.proto"))}


def test_a_proto_name_loads_only_its_own_generated_module() -> None:
    modules = _modules_after("from viam_sdk.proto.app.data import BinaryID")
    assert "viam_api.app.data.v1" in modules
    assert "viam_api.app.v1" not in modules
    assert "viam_api.common.v1" not in modules


def test_message_modules_load_as_each_client_is_first_used(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    stages = _run(
        f"""
        import asyncio, json, sys

        def loaded():
            return sorted(m for m in sys.modules if m.split(".")[0] == "viam_api")

        async def main():
            from viam_sdk.app.viam_client import ViamClient
            from viam_sdk.rpc.dial import DialOptions

            stages = {{"imported": loaded()}}
            opts = DialOptions.with_api_key({boot.api_key!r}, {boot.api_key_id!r})
            viam = await ViamClient.create_from_dial_options(opts, {emulator_thread.app_url!r})
            stages["connected"] = loaded()
            fleet = viam.app_client
            stages["app_client"] = loaded()
            await fleet.list_organizations()
            stages["first_call"] = loaded()
            viam.data_client
            stages["data_client"] = loaded()
            viam.close()
            return stages

        print(json.dumps(asyncio.run(main())))
        """
    )
    assert isinstance(stages, dict)
    assert stages["imported"] == []
    assert "viam_api.rpc.v1" in stages["connected"]
    assert not [m for m in stages["connected"] if m.startswith(("viam_api.app.", "viam_api.common."))]
    assert "viam_api.app.v1" in stages["app_client"]
    assert "viam_api.app.data.v1" not in stages["app_client"]
    assert "viam_api.app.data.v1" not in stages["first_call"]
    assert "viam_api.app.data.v1" in stages["data_client"]


def test_every_lazy_name_resolves_to_the_object_it_names() -> None:
    """Walk every lazily exported ``__all__`` in a fresh process, so each name goes through ``__getattr__``."""
    problems = _run(
        f"""
        import importlib, json, pkgutil

        import viam_sdk, viam_sdk.proto

        PROTO_SOURCES = {PROTO_SOURCES!r}
        problems = []

        # viam_sdk, viam_sdk.app and viam_sdk.sync: each name comes from the module _WHERE names.
        for package_name in ("viam_sdk", "viam_sdk.app", "viam_sdk.sync"):
            package = importlib.import_module(package_name)
            if sorted(package.__all__) != sorted(package._WHERE):
                problems.append(f"{{package_name}}: __all__ != _WHERE")
            for name in package.__all__:
                home = importlib.import_module(package._WHERE[name])
                value = getattr(package, name)
                if value is not getattr(home, name) or value.__module__ != home.__name__ or value.__name__ != name:
                    problems.append(f"{{package_name}}.{{name}} is {{value!r}}")
            if package_name != "viam_sdk.sync" and not set(package.__all__) <= set(dir(package)):
                problems.append(f"dir({{package_name}}) lacks exports")
            try:
                getattr(package, "NoSuchName")
            except AttributeError:
                pass
            else:
                problems.append(f"{{package_name}}.NoSuchName resolved")

        # viam_sdk.proto.*: the generated module's own objects, under its own __all__.
        found = sorted(
            info.name
            for info in pkgutil.walk_packages(viam_sdk.proto.__path__, "viam_sdk.proto.")
            if not info.name.rsplit(".", 1)[-1].startswith("_")
        )
        if found != sorted(PROTO_SOURCES):
            problems.append(f"viam_sdk.proto modules {{found}} != {{sorted(PROTO_SOURCES)}}")
        for name, source_name in PROTO_SOURCES.items():
            module = importlib.import_module(name)
            source = importlib.import_module(source_name)
            if module.__all__ != list(source.__all__) or not module.__all__:
                problems.append(f"{{name}}.__all__ differs from {{source_name}}.__all__")
            for exported in source.__all__:
                if getattr(module, exported, None) is not getattr(source, exported):
                    problems.append(f"{{name}}.{{exported}}")
            star = {{}}
            exec(f"from {{name}} import *", star)
            if {{k: v for k, v in star.items() if k != "__builtins__"}} != {{k: getattr(source, k) for k in source.__all__}}:
                problems.append(f"from {{name}} import * differs")
            if not set(source.__all__) <= set(dir(module)):
                problems.append(f"dir({{name}}) lacks exports")
            for hidden in ("betterproto2", "_runtime", "_messages", "_stubs", "NoSuchMessage"):
                if hasattr(module, hidden):
                    problems.append(f"{{name}}.{{hidden}} should not resolve")

        # A subpackage is still reachable after its parent's names were loaded.
        from viam_sdk.proto.app import data
        if data.BinaryID is not importlib.import_module("viam_api.app.data.v1").BinaryID:
            problems.append("viam_sdk.proto.app.data.BinaryID")

        print(json.dumps(problems))
        """
    )
    assert problems == []


def test_lazy_names_stay_visible_to_mypy() -> None:
    """What mypy sees through the lazy modules: real types, and an error for each name that is not there."""
    probe = textwrap.dedent(
        """
        import viam_sdk
        import viam_sdk.app
        import viam_sdk.proto.rpc as rpc
        from viam_sdk import Credentials, DialOptions, ViamClient
        from viam_sdk.app import AppClient, DataClient
        from viam_sdk.proto.app import Organization
        from viam_sdk.proto.app.data import BinaryID

        reveal_type(Organization(name="x").name)
        reveal_type(BinaryID(file_id="x"))
        reveal_type(rpc.Credentials)
        reveal_type(ViamClient.app_client)
        reveal_type(DialOptions.with_api_key)
        reveal_type(Credentials)
        reveal_type(AppClient.list_organizations)
        reveal_type(DataClient.tabular_data_by_sql)
        rpc.NoSuchMessage
        viam_sdk.NoSuchClient
        viam_sdk.app.NoSuchClient
        """
    )
    # The editable install's import hook is invisible to mypy: point it at generated/.
    env = {**os.environ, "MYPYPATH": str(ROOT / "generated")}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context", "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    lines = result.stdout.splitlines()
    revealed = [line.split("Revealed type is ", 1)[1] for line in lines if "Revealed type is" in line]
    # Only the probe's own lines: the generated layer is type-checked by `make lint`.
    errors = [line for line in lines if line.startswith("<string>:") and ": error:" in line]
    assert len(revealed) == 8, result.stdout
    assert revealed[0] == '"str"'
    assert revealed[1] == '"viam_api.app.data.v1.BinaryID"'
    assert "viam_api.rpc.v1.Credentials" in revealed[2]
    assert "viam_sdk.app.app_client.AppClient" in revealed[3]
    assert "viam_sdk.rpc.dial.DialOptions" in revealed[4]
    assert "viam_sdk.rpc.dial.Credentials" in revealed[5]
    assert "viam_api.app.v1.Organization" in revealed[6]
    assert "list[dict[str, None | bool" in revealed[7]
    assert len(errors) == 3, result.stdout
    assert 'has no attribute "NoSuchMessage"' in errors[0]
    assert all('has no attribute "NoSuchClient"' in line for line in errors[1:])
