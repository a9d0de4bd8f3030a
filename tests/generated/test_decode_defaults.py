"""Fields a decoded message holds at their default are read from the class.

In the compiled build a decoder does not store a field whose value is its
default when the class holds that default itself (set when the codec module
loads, for immutable defaults only: "", 0, False, b"", None, an enum's zero
member; not for a lazily made Timestamp/Duration): fewer attributes per message
to set and free.  Everything a user sees
must be what it was: values, equality, repr, pickling, copies, ``dataclasses``
helpers, JSON, re-serialised bytes, ``load``.  What differs: ``vars()`` of such
a message lacks those fields.  test_codec_paths.py runs this file again on the
pure-Python path (where decoders store every field).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import io
import pickle
from typing import Any

import betterproto2
import pytest
import viam_api
import viam_api.app.v1 as app
from viam_api.app.data.v1 import BoundingBox

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2026, 12, 7, 17, 39, 32, 291937, tzinfo=UTC)
#: An unknown field (number 99, varint 1) after a Robot's own fields.
UNKNOWN = b"\x98\x06\x01"


def decoded(message: Any) -> Any:
    return type(message).parse(bytes(message))


def sparse() -> app.Robot:
    """A Robot with some fields set and the others at their defaults (as a listed machine is)."""
    return app.Robot(id="r-1", name="fleet-1", location="loc-1", created_on=WHEN)


def test_fields_at_their_default_are_not_stored_in_the_compiled_build() -> None:
    message = decoded(sparse())
    held = vars(message)
    assert {"id", "name", "location"} <= held.keys()
    left = {"last_access", "online_state", "seconds_since_online"} & held.keys()
    if viam_api.COMPILED:
        assert left == {"last_access"}  # (a Timestamp's None stays: read from the class it costs more)
    else:
        assert left == {"last_access", "online_state", "seconds_since_online"}


def test_each_field_reads_as_it_did() -> None:
    message = decoded(sparse())
    assert message.last_access is None
    assert message.online_state is app.OnlineState.ONLINE_STATE_UNSPECIFIED
    assert message.seconds_since_online == 0 and type(message.seconds_since_online) is int
    assert message.created_on == WHEN


def test_equality_repr_bool_and_is_set() -> None:
    eager = sparse()
    assert decoded(eager) == eager and eager == decoded(eager)
    assert decoded(eager) != app.Robot(id="r-1", name="fleet-1", location="loc-1", created_on=WHEN, seconds_since_online=1)
    assert repr(decoded(eager)) == repr(eager)
    assert not decoded(app.Robot()) and bool(decoded(eager))
    assert not decoded(eager).is_set("seconds_since_online") and decoded(eager).is_set("name")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling(protocol: int) -> None:
    back = pickle.loads(pickle.dumps(decoded(sparse()), protocol))
    assert back == sparse() and back.seconds_since_online == 0


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_copies(how: Any) -> None:
    original = decoded(sparse())
    duplicate = how(original)
    assert duplicate == original
    duplicate.seconds_since_online = 5
    assert original.seconds_since_online == 0 and duplicate.seconds_since_online == 5


def test_dataclass_helpers() -> None:
    eager = sparse()
    assert dataclasses.asdict(decoded(eager)) == dataclasses.asdict(eager)
    assert [f.name for f in dataclasses.fields(decoded(eager))] == [f.name for f in dataclasses.fields(eager)]
    changed = dataclasses.replace(decoded(eager), seconds_since_online=3)
    assert changed.seconds_since_online == 3 and changed.name == "fleet-1" and changed.last_access is None


@pytest.mark.parametrize("defaults", [False, True])
def test_json(defaults: bool) -> None:
    eager = sparse()
    assert decoded(eager).to_dict(include_default_values=defaults) == eager.to_dict(include_default_values=defaults)
    assert decoded(eager).to_json(include_default_values=defaults) == eager.to_json(include_default_values=defaults)
    python = betterproto2.OutputFormat.PYTHON
    assert decoded(eager).to_dict(output_format=python) == eager.to_dict(output_format=python)


def test_setting_a_field_changes_that_message_only() -> None:
    first, second = decoded(sparse()), decoded(sparse())
    first.seconds_since_online = 7
    first.online_state = app.OnlineState.ONLINE_STATE_ONLINE
    assert second.seconds_since_online == 0 and second.online_state is app.OnlineState.ONLINE_STATE_UNSPECIFIED
    assert app.Robot.parse(bytes(first)).seconds_since_online == 7


def test_lists_are_never_shared() -> None:
    first, second = (app.OrganizationMember.parse(b"") for _ in range(2))
    first.emails.append("a@example.com")
    assert second.emails == [] and app.OrganizationMember.parse(b"").emails == []


def test_re_serialising_gives_the_same_bytes() -> None:
    for message in (sparse(), app.Robot(), app.ListRobotsResponse(robots=[sparse(), app.Robot(name="x")])):
        data = bytes(message)
        assert bytes(type(message).parse(data)) == data


def test_load_leaves_nothing_of_the_earlier_value() -> None:
    message = app.Robot.parse(bytes(app.Robot(id="a", seconds_since_online=9, last_access=WHEN)) + UNKNOWN)
    assert message._unknown_fields == UNKNOWN
    message.load(io.BytesIO(bytes(sparse())))
    assert message == sparse()
    assert message.seconds_since_online == 0 and message.last_access is None
    assert message._unknown_fields == b""
    assert bytes(message) == bytes(sparse())


def test_a_float_at_zero_and_a_oneof() -> None:
    box = decoded(BoundingBox(id="b", x_min_normalized=0.0, y_min_normalized=0.5))
    assert box == BoundingBox(id="b", y_min_normalized=0.5) and box.x_min_normalized == 0.0
    assert box.confidence is None


def _generated_classes() -> list[type]:
    import importlib

    found = []
    for name in viam_api.MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and "_viam_label" in vars(value) and value.__module__ == name:
                found.append(value)
    return found


def test_every_message_decoded_from_nothing_equals_its_default() -> None:
    for cls in _generated_classes():
        made: Any = cls()
        empty = cls.parse(b"")  # type: ignore[attr-defined]
        assert empty == made, cls
        for field in dataclasses.fields(made):
            assert getattr(empty, field.name) == getattr(made, field.name), (cls, field.name)
            assert type(getattr(empty, field.name)) is type(getattr(made, field.name)), (cls, field.name)
