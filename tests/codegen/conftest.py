"""Shared fixtures of the generator tests.

The generator lives in the top-level ``codegen`` package, which is not part of
the installed distribution; the repository root is put on ``sys.path`` so the
tests also run when pytest is started as a bare ``pytest`` command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from codegen.loader import compile_protos  # noqa: E402
from codegen.model import Api  # noqa: E402
from codegen.render import build_from_protos  # noqa: E402

PROTOS = REPO / "protos"
GENERATED = REPO / "generated"


@pytest.fixture(scope="session")
def compiled_protos() -> descriptor_pb2.FileDescriptorSet:
    """protos/ compiled by grpcio-tools' protoc, imports included."""
    return compile_protos(PROTOS)


@pytest.fixture(scope="session")
def real_api() -> tuple[Api, str | None]:
    """The model of the whole API and the LOCK line, as `make regenerate` builds them."""
    return build_from_protos(PROTOS)
