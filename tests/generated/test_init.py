"""The generated ``__init__`` of every message behaves as the dataclass one it replaces.

Messages are dataclasses built with ``init=False``: the generator writes each
``__init__`` out (building them at import time was half the import cost).  These
tests pin what callers rely on: keyword and positional arguments in field order,
a fresh list or dict per instance, proto defaults, ``dataclasses.replace`` and
``fields``, and the deprecation warnings of ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import subprocess
import sys
import warnings

import pytest
import viam_api.app.data.v1 as data
import viam_api.app.v1 as app
import viam_api.google.protobuf as pb
from _google import all_message_classes

ALL_MESSAGES = all_message_classes()


@pytest.mark.parametrize("cls", ALL_MESSAGES[::7], ids=lambda c: c.__name__)
def test_init_takes_every_field_in_order_and_defaults_to_the_proto_zero(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    params = list(inspect.signature(cls).parameters)
    assert params == names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        message = cls()
        assert bytes(message) == b""  # every default is the proto zero value
        for field in dataclasses.fields(cls):
            factory = field.default_factory
            assert callable(factory)
            assert getattr(message, field.name) == factory()


def test_positional_arguments_follow_field_order() -> None:
    robot = app.Robot("id-1", "rover", "loc-1")
    assert (robot.id, robot.name, robot.location) == ("id-1", "rover", "loc-1")
    assert robot.online_state == app.OnlineState(0)


def test_lists_and_dicts_are_fresh_per_instance() -> None:
    first, second = app.Location(), app.Location()
    first.robot_count = 3
    a, b = pb.Struct(), pb.Struct()
    a.fields["k"] = pb.Value(bool_value=True)
    assert b.fields == {} and second.robot_count == 0
    x, y = app.ListRobotsResponse(), app.ListRobotsResponse()
    x.robots.append(app.Robot(id="r"))
    assert y.robots == []


def test_replace_and_equality_work_as_for_dataclasses() -> None:
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    robot = app.Robot(id="r", name="a", last_access=when)
    renamed = dataclasses.replace(robot, name="b")
    assert (renamed.id, renamed.name, renamed.last_access) == ("r", "b", when)
    assert renamed != robot and dataclasses.replace(renamed, name="a") == robot


def test_deprecated_messages_still_warn_when_constructed_not_when_parsed() -> None:
    with pytest.warns(DeprecationWarning, match="TabularData is deprecated"):
        row = data.TabularData(metadata_index=2)
    encoded = bytes(row)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert data.TabularData.parse(encoded).metadata_index == 2


def test_a_subclass_of_a_generated_message_uses_its_codec() -> None:
    """A user's subclass, in a module with no codec of its own, loads its parent's codec.

    Run in a fresh process, so the subclass is the first thing of its package to
    be serialised (the codec module is not loaded yet).
    """
    probe = (
        "import viam_api.app.v1 as app\n"
        "class Tagged(app.Robot):\n"
        "    pass\n"
        "data = bytes(Tagged(id='r-1', name='rover'))\n"
        "assert data == bytes(app.Robot(id='r-1', name='rover')), data\n"
        "assert app.Robot.parse(data).name == 'rover'\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
