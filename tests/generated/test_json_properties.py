"""Property tests of the generated JSON codec over every message type, against Google's json_format.

For each message class hypothesis draws random instances (the strategies of
test_properties.py), and Google's runtime reads the same value from our
bytes.  Then:

(a) ``to_dict()`` equals ``json_format.MessageToDict`` of Google's message,
    exactly (names, 64-bit integers as strings, enums by name or number,
    floats printed as the shortest float32, bytes in base64, the well-known
    types), and with ``casing=SNAKE, include_default_values=True`` equals it
    with ``preserving_proto_field_name`` and ``always_print_fields_with_no_presence``;
    when Google refuses to print a value (an Any of a type nobody knows, an
    infinity in a Value, a FieldMask path with no JSON form) we refuse too;
(b) Google's ``json_format.Parse`` of our ``to_json()`` is Google's message;
(c) our ``from_dict``/``from_json`` of Google's JSON gives back the message:
    its bytes, read by Google, are Google's message.

For the few values whose JSON does not come back even through Google's own
runtime (a Value with no kind set reads back as null; a FieldMask path ""),
(b) and (c) compare with what Google's own round trip gives.

The JSON rules one by one (Google's conformance cases) are in
test_json_conformance.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import betterproto2
import pytest
from _google import google_classes
from google.protobuf import json_format
from google.protobuf.message import Message as GoogleMessage
from hypothesis import HealthCheck, given, settings
from test_properties import ALL_MESSAGES, messages, proto_name

MAX_EXAMPLES = 10

#: How many examples each message class ran, and how many Google refused to print.
EXAMPLES_RUN: Counter[str] = Counter()
REFUSED: Counter[str] = Counter()
LOSSY: Counter[str] = Counter()

SNAKE = betterproto2.Casing.SNAKE


def _google_dict(theirs: GoogleMessage, **options: Any) -> Any:
    try:
        return json_format.MessageToDict(theirs, **options)
    except (ValueError, TypeError, json_format.Error):
        return None


def _ours(message: Any, **options: Any) -> Any:
    try:
        return message.to_dict(**options)
    except (ValueError, TypeError):
        return None


def _check(message: Any, google_type: type[GoogleMessage]) -> None:
    cls = type(message)
    theirs = google_type.FromString(bytes(message))
    # (a) the same JSON value as Google's, or refused where Google refuses
    expected = _google_dict(theirs)
    got = _ours(message)
    assert got == expected, f"to_dict {got!r} != MessageToDict {expected!r}"
    if expected is None:
        REFUSED[proto_name(cls)] += 1
        return
    assert _ours(message, casing=SNAKE, include_default_values=True) == _google_dict(
        theirs, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    # What Google's own JSON comes back as: the message itself, except for the few values
    # JSON cannot carry (a Value with no kind comes back null, a FieldMask path "" as none)
    reference = json_format.Parse(json_format.MessageToJson(theirs), google_type())
    if reference != theirs:
        LOSSY[proto_name(cls)] += 1
    # (b) Google reads our JSON as the same message
    assert json_format.Parse(message.to_json(), google_type()) == reference
    # (c) we read Google's JSON as the same message
    back = cls.from_dict(expected)
    assert google_type.FromString(bytes(back)) == reference
    again = cls.from_json(json_format.MessageToJson(theirs, preserving_proto_field_name=True))
    assert google_type.FromString(bytes(again)) == reference


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=proto_name)
def test_json_matches_google_json_format(cls: Any) -> None:
    google_type = google_classes()[proto_name(cls)]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(messages(cls))
    def check(message: Any) -> None:
        EXAMPLES_RUN[proto_name(cls)] += 1
        _check(message, google_type)

    check()
