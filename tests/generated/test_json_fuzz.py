"""Fuzzing the generated JSON decoders: any JSON value either reads or raises JsonParseError.

For every message class, hypothesis draws JSON objects whose keys are mostly
the message's own field names (its JSON and .proto names, so the decoder's
every branch is reached) and whose values are any JSON value (nulls, bools,
numbers beyond every range, strings, lists, nested objects).  ``from_dict``
must give a message or raise ``viam_api.JsonParseError``, nothing else, with
unknown fields refused or ignored; a message it gives must serialise (its
values fit their fields) and print as JSON again.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from typing import Any

import pytest
import viam_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import ALL_MESSAGES, proto_name

MAX_EXAMPLES = 8

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**65), 2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e5", "0.5", "-0", "AQI=", "-_", "1.5s", "foo,barBaz"]),
    st.sampled_from(["1970-01-01T00:00:00Z", "2000-02-29T12:00:00.5+01:00", "9999-12-31T23:59:59Z", ""]),
    st.text(max_size=6),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _names(cls: Any) -> list[str]:
    """Every name the class's generated JSON decoder accepts (its table in the package's ``_json``)."""
    module = importlib.import_module(cls.__module__ + "._json")
    return sorted(getattr(module, f"fields_of_{cls.__name__}", {})) or ["value"]


#: How many drawn values each outcome had (read, refused), for the session figures.
OUTCOMES: Counter[str] = Counter()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=proto_name)
def test_from_dict_reads_or_refuses_cleanly(cls: Any) -> None:
    names = _names(cls)
    objects = st.dictionaries(st.sampled_from(names) | st.text(max_size=3), _JSON, max_size=4)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(objects | _JSON, st.booleans())
    def check(value: Any, ignore: bool) -> None:
        try:
            message = cls.from_dict(value, ignore_unknown_fields=ignore)
        except viam_api.JsonParseError:
            OUTCOMES["refused"] += 1
            return
        OUTCOMES["read"] += 1
        bytes(message)
        try:
            json.dumps(message.to_dict())
        except viam_api.JsonSerializeError:
            pass  # e.g. a Value read from a huge integer: a float beyond JSON's numbers

    check()
