"""A message holding a value its field cannot carry: serialising it raises ``EncodeError`` saying where.

The documented exception is ``EncodeError`` (a ``ValueError``), on both codec
paths and whatever the value's type: the message names the message type, the
field's path (into nested messages, list items and map values), the type the
value has and the type the field takes, and never the value itself (it may be a
secret) nor the codec's own internals.  A value of the wrong type is refused
with an ``EncodeError`` that is a ``TypeError`` too (code written for Google's
runtime, which raises ``TypeError`` for one, catches it); a number out of its
field's range stays a ``ValueError`` only, as Google's runtime has it.
"""

from __future__ import annotations

import datetime
import re

import pytest
from viam_api import EncodeError
from viam_api.app.data.v1 import BinaryData, BoundingBox
from viam_api.app.v1 import (
    ListRobotsResponse,
    OrganizationMember,
    Robot,
    RobotPart,
)
from viam_api.service.mlmodel.v1 import FlatTensorDataInt64, FlatTensorDataUInt32

_INTERNALS = re.compile(r"has no attribute|cannot be interpreted|not supported between|object expected|encode")


def _refused(message: object) -> str:
    with pytest.raises(EncodeError) as caught:
        bytes(message)  # type: ignore[call-overload]
    text = str(caught.value)
    assert not _INTERNALS.search(text), text
    return text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (Robot(id=5), "viam.app.v1.Robot: id holds int, not str"),  # type: ignore[arg-type]
        (Robot(seconds_since_online="x"), "viam.app.v1.Robot: seconds_since_online holds str, not int"),  # type: ignore[arg-type]
        (Robot(seconds_since_online=1.5), "viam.app.v1.Robot: seconds_since_online holds float, not int"),  # type: ignore[arg-type]
        (
            Robot(created_on="2024-01-01"),  # type: ignore[arg-type]
            "viam.app.v1.Robot: created_on holds str, not datetime.datetime",
        ),
        (Robot(online_state="x"), "viam.app.v1.Robot: online_state holds str, not OnlineState"),  # type: ignore[arg-type]
        (
            ListRobotsResponse(robots=[Robot(id="a"), Robot(name=b"raw")]),  # type: ignore[arg-type]
            "viam.app.v1.ListRobotsResponse: robots[1].name holds bytes, not str",
        ),
        (
            OrganizationMember(user_id="u", emails=["a@example.com", 7]),  # type: ignore[list-item]
            "viam.app.v1.OrganizationMember: emails[1] holds int, not str",
        ),
    ],
)
def test_a_wrong_type_is_refused_naming_where(message: object, expected: str) -> None:
    assert expected in _refused(message)


@pytest.mark.parametrize(
    "message",
    [
        Robot(id=5),  # type: ignore[arg-type]
        Robot(seconds_since_online="x"),  # type: ignore[arg-type]
        Robot(seconds_since_online=1.5),  # type: ignore[arg-type]
        Robot(created_on="2024-01-01"),  # type: ignore[arg-type]
        Robot(online_state="x"),  # type: ignore[arg-type]
        ListRobotsResponse(robots=[5]),  # type: ignore[list-item]
        BoundingBox(x_min_normalized="x"),  # type: ignore[arg-type]
        BinaryData(binary="x"),  # type: ignore[arg-type]
        FlatTensorDataUInt32(data=["x"]),  # type: ignore[list-item]
        FlatTensorDataUInt32(data=5),  # type: ignore[arg-type]
    ],
    ids=lambda m: type(m).__name__,
)
@pytest.mark.parametrize("serialise", [bytes, lambda m: m.SerializeToString()], ids=["bytes", "SerializeToString"])
def test_a_wrong_type_is_a_type_error_too(message: object, serialise: object) -> None:
    with pytest.raises(TypeError) as caught:
        serialise(message)  # type: ignore[operator]
    assert isinstance(caught.value, EncodeError)
    assert isinstance(caught.value, ValueError)  # (code that caught EncodeError/ValueError still does)
    assert " holds " in str(caught.value)


@pytest.mark.parametrize(
    ("message", "where"),
    [
        (Robot(seconds_since_online=2**64), "seconds_since_online"),
        (FlatTensorDataUInt32(data=[2**33]), "data[0]"),
        (FlatTensorDataInt64(data=[2**70]), "data[0]"),
    ],
    ids=["varint", "fixed32", "sfixed64"],
)
def test_out_of_range_is_a_value_error_only(message: object, where: str) -> None:
    text = _refused(message)
    with pytest.raises(ValueError) as caught:
        bytes(message)  # type: ignore[call-overload]
    assert not isinstance(caught.value, TypeError)
    assert where in text
    assert "range" in text  # (not "holds int, not int")


def test_the_value_itself_is_not_shown() -> None:
    text = _refused(RobotPart(secret=918273645))  # type: ignore[arg-type]
    assert "918273645" not in text
    assert "secret holds int, not str" in text


def test_out_of_range_stays_refused_with_its_own_words() -> None:
    text = _refused(Robot(seconds_since_online=2**64))
    assert "seconds_since_online" in text or "range" in text


def test_right_values_still_serialise() -> None:
    robot = Robot(id="a", created_on=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc))
    assert Robot.parse(bytes(robot)) == robot
