"""Struct helpers for the emulator: the SDK's conversions plus JSON text at the edge.

The emulator stores configs and metadata as JSON text.  The Struct <-> Python
conversions themselves live in one place, ``viam_sdk.app._convert``, shared
with the SDK, so client and emulator can never disagree about a value.
"""

from __future__ import annotations

import json

from viam_api.google.protobuf import Struct

from viam_sdk.app._convert import dict_to_struct, struct_to_dict
from viam_sdk.app._convert import python_to_value as to_value
from viam_sdk.app._convert import value_to_python as from_value

__all__ = ["dict_to_struct", "json_to_struct", "struct_to_dict", "struct_to_json", "to_value", "from_value"]


def struct_to_json(struct: Struct | None) -> str:
    """A Struct as canonical JSON text (sorted keys), as the emulator stores it."""
    return json.dumps(struct_to_dict(struct), sort_keys=True)


def json_to_struct(text: str | None) -> Struct:
    """Stored JSON text back as a Struct (empty text is an empty Struct)."""
    return dict_to_struct(json.loads(text) if text else {})
