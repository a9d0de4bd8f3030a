"""``viam_sdk.utils``: the helpers the reference documents import from ``viam.utils``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from grpclib.client import Channel

from viam_sdk import utils
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.testing.server import Emulator

from .fleet import Fleet

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2024, 6, 1, 8, 0, tzinfo=timezone.utc)
END = datetime(2024, 6, 2, 8, 0, tzinfo=timezone.utc)


def test_create_filter_has_the_parameters_of_data_client_create_filter() -> None:
    ours = inspect.signature(utils.create_filter)
    theirs = inspect.signature(DataClient.create_filter)
    assert [(p.name, p.default) for p in ours.parameters.values()] == [
        (p.name, p.default) for p in theirs.parameters.values()
    ]
    assert all(p.default is None for p in ours.parameters.values())


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"component_name": "cam", "tags": ["good"], "start_time": START},
        {
            "component_type": "rdk:component:camera",
            "method": "ReadImage",
            "robot_name": "rover",
            "robot_id": "r1",
            "part_name": "main",
            "part_id": "p1",
            "location_ids": ["l1", "l2"],
            "organization_ids": ["o1"],
            "mime_type": ["image/jpeg"],
            "start_time": START,
            "end_time": END,
            "tags": ["a", "b"],
            "bbox_labels": ["cat"],
            "dataset_id": "d1",
        },
    ],
)
def test_create_filter_builds_what_data_client_builds(kwargs: dict[str, object]) -> None:
    built = utils.create_filter(**kwargs)  # type: ignore[arg-type]
    assert built == DataClient.create_filter(**kwargs)  # type: ignore[arg-type]
    if "tags" in kwargs:
        assert built.tags_filter is not None and list(built.tags_filter.tags) == kwargs["tags"]
    else:
        assert built.tags_filter is None
    if "end_time" in kwargs:
        assert built.interval is not None and built.interval.end == END


@pytest.mark.parametrize("name", ["mime_type", "tags", "location_ids", "organization_ids", "bbox_labels"])
def test_create_filter_refuses_a_bare_string_for_a_list(name: str) -> None:
    with pytest.raises(TypeError) as err:
        utils.create_filter(**{name: "image/jpeg"})  # type: ignore[arg-type]
    assert name in str(err.value) and "'image/jpeg'" in str(err.value)


def test_struct_round_trip_and_errors() -> None:
    data = {"speed": 2, "name": "rover", "on": True, "nested": {"xs": [1, "two", None]}, "none": None}
    struct = utils.dict_to_struct(data)
    assert utils.struct_to_dict(struct) == {
        "speed": 2.0,
        "name": "rover",
        "on": True,
        "nested": {"xs": [1.0, "two", None]},
        "none": None,
    }
    assert utils.struct_to_dict(None) == {}
    assert utils.struct_to_dict(utils.dict_to_struct(None)) == {}
    with pytest.raises(TypeError) as err:
        utils.dict_to_struct({"when": object()})
    assert "object" in str(err.value)
    value = utils.primitive_to_value([1, "a"])
    assert utils.value_to_primitive(value) == [1.0, "a"]


async def test_a_filter_from_utils_queries_the_emulator(
    viam: ViamClient, emulator: Emulator, channel: Channel
) -> None:
    fleet = Fleet(channel, emulator.auth_metadata(), emulator.bootstrap.org_id)
    part = await fleet.machine("camera-rig")
    await fleet.upload(part, b"\x89PNG" + b"\x01" * 16)
    other = await fleet.machine("other-rig")
    await fleet.upload(other, b"\x89PNG" + b"\x02" * 16)
    data = viam.data_client
    mine = await data.binary_data_by_filter(utils.create_filter(part_id=part), include_binary_data=False)
    assert [d.metadata.capture_metadata.part_id for d in mine[0]] == [part]  # type: ignore[union-attr]
    nothing = await data.binary_data_by_filter(utils.create_filter(part_id="no-such-part"), include_binary_data=False)
    assert nothing[0] == []


def test_importing_utils_loads_no_message_module() -> None:
    code = (
        "import json, sys\n"
        "import viam_sdk.utils\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('viam_api', 'grpclib', 'betterproto2', 'bson') or m.startswith('viam_sdk.app'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
