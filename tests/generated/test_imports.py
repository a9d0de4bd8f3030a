"""Every generated module imports, the API is complete, and mypy accepts it."""

from __future__ import annotations

import importlib
import inspect
import statistics
import subprocess
import sys
from pathlib import Path

import betterproto2
import pytest
import viam_api
from viam_api import _runtime

REPO = Path(__file__).resolve().parents[2]

# Figures for the closing note, printed by conftest.py at the end of the run.
FIGURES: dict[str, str] = {}


@pytest.mark.parametrize("name", viam_api.MODULES)
def test_module_imports_and_exports_what_it_lists(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    for exported in module.__all__:
        assert getattr(module, exported).__module__ == name, exported


def _census() -> dict[str, int]:
    """Count messages, enums, services and RPCs by looking at the modules themselves."""
    counts = {"packages": 0, "messages": 0, "enums": 0, "services": 0, "rpcs": 0}
    for name in viam_api.MODULES:
        module = importlib.import_module(name)
        counts["packages"] += 1
        for exported in module.__all__:
            obj = getattr(module, exported)
            if issubclass(obj, betterproto2.Message):
                counts["messages"] += 1
            elif issubclass(obj, betterproto2.Enum):
                counts["enums"] += 1
            elif issubclass(obj, _runtime.ServiceBase):
                counts["services"] += 1
                counts["rpcs"] += len(obj().__mapping__())
    return counts


def test_counts_match_the_modules_and_cover_the_issue() -> None:
    census = _census()
    assert census == viam_api.COUNTS
    assert census["rpcs"] >= 235
    assert census["messages"] >= 670
    assert census["services"] >= 15
    FIGURES["generated"] = ", ".join(f"{v} {k}" for k, v in census.items())


def test_the_services_the_sdk_needs_are_there() -> None:
    from viam_api.app import v1 as app
    from viam_api.app.data import v1 as data
    from viam_api.rpc import v1 as rpc

    for module, service in [
        (app, "AppService"),
        (app, "RobotService"),
        (app, "BillingService"),
        (app, "EndUserService"),
        (data, "DataService"),
        (rpc, "AuthService"),
    ]:
        for suffix in ("Stub", "SyncStub", "Base"):
            assert hasattr(module, service + suffix)


def test_every_service_has_three_matching_flavours() -> None:
    """Async stub, blocking stub and server base list the same RPCs under the same names."""
    for name in viam_api.MODULES:
        module = importlib.import_module(name)
        for exported in module.__all__:
            base = getattr(module, exported)
            if not (isinstance(base, type) and issubclass(base, _runtime.ServiceBase)):
                continue
            service = exported[: -len("Base")]
            stub, sync_stub = getattr(module, service + "Stub"), getattr(module, service + "SyncStub")
            handlers = {n for n in vars(base) if not n.startswith("_")}
            # Each stub also names its proto service (the key of its paging facts).
            rpcs = {n for n in vars(stub) if not n.startswith("_") and n != "SERVICE"}
            sync_rpcs = {n for n in vars(sync_stub) if not n.startswith("_") and n != "SERVICE"}
            assert handlers == rpcs == sync_rpcs, service
            assert stub.SERVICE == sync_stub.SERVICE and stub.SERVICE.endswith("." + service), service
            for handler in handlers:
                for cls in (stub, sync_stub):
                    params = inspect.signature(getattr(cls, handler)).parameters
                    assert params["timeout"].kind is inspect.Parameter.KEYWORD_ONLY
                    assert params["metadata"].kind is inspect.Parameter.KEYWORD_ONLY
                    assert getattr(cls, handler).__doc__.startswith("Call ``")


@pytest.mark.typecheck
def test_mypy_accepts_generated_and_codegen() -> None:
    """Part of the default run on purpose: generated code that does not type-check is a bug."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "generated/viam_api", "codegen"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def test_cold_import_time_is_reported() -> None:
    """Measures (never asserts) a cold ``import viam_api.app.v1``: median of five fresh processes."""
    probe = "import time; t = time.perf_counter(); import viam_api.app.v1; print(time.perf_counter() - t)"
    runs = []
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        runs.append(float(done.stdout))
    FIGURES["cold import viam_api.app.v1"] = f"{statistics.median(runs) * 1000:.0f} ms (median of 5)"
    assert all(r > 0 for r in runs)


def test_deprecated_parts_of_the_api_warn_with_its_own_category() -> None:
    """``viam_api.ViamDeprecationWarning`` (a DeprecationWarning) is what every deprecated part warns with."""
    import warnings

    import viam_api.app.v1 as app

    category = viam_api.ViamDeprecationWarning
    assert issubclass(category, DeprecationWarning) and category is _runtime.ViamDeprecationWarning
    with pytest.warns(
        category, match=r"GetCurrentMonthUsageResponse\.cloud_storage_usage_cost is deprecated"
    ) as got:
        app.GetCurrentMonthUsageResponse(cloud_storage_usage_cost=1.5)
    assert [w.category for w in got] == [category] and got[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=category)
        assert app.GetCurrentMonthUsageResponse(cloud_storage_usage_cost=1.5).cloud_storage_usage_cost == 1.5
