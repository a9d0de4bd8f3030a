"""protos/ is a faithful copy of the pinned API package's schema.

The .proto files under protos/ are rendered from descriptors embedded in the
pinned ``viam-sdk`` package.  These tests compile protos/ with protoc and
compare the result, file by file, with those descriptors: every message
(nested ones too), field, enum, service and RPC, down to the numbers, types,
labels, oneof membership, map entries, streaming flags and ``deprecated``
options.  Options that never reach the wire (``go_package``, HTTP annotations,
custom tag options) are deliberately left out of the comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2 as d

from codegen import fetch
from codegen.protos_render import defined_names, needed_imports, referenced_names, render_file

FDP = d.FieldDescriptorProto
PROTOS = Path(__file__).resolve().parents[2] / "protos"


# -- a comparable summary of a descriptor ---------------------------------------
# Plain tuples and dicts, so a mismatch shows up in pytest's diff with its path.


def _default_json_name(name: str) -> str:
    """protoc's rule: drop each underscore and upper-case the letter after it.

    Some embedded descriptors leave ``json_name`` empty, meaning this default.
    """
    out: list[str] = []
    upper = False
    for ch in name:
        if ch == "_":
            upper = True
        else:
            out.append(ch.upper() if upper else ch)
            upper = False
    return "".join(out)


def _field(f: d.FieldDescriptorProto, oneofs: list[str]) -> dict[str, Any]:
    return {
        "name": f.name,
        "number": f.number,
        "type": FDP.Type.Name(f.type),
        "type_name": f.type_name,
        "label": FDP.Label.Name(f.label),
        "proto3_optional": f.proto3_optional,
        "oneof": oneofs[f.oneof_index] if f.HasField("oneof_index") else None,
        "json_name": f.json_name or _default_json_name(f.name),
        "extendee": f.extendee,
        "default": f.default_value if f.HasField("default_value") else None,
        "packed": f.options.packed if f.options.HasField("packed") else None,
        "deprecated": f.options.deprecated,
    }


def _enum(e: d.EnumDescriptorProto) -> dict[str, Any]:
    return {
        "name": e.name,
        "values": [(v.name, v.number, v.options.deprecated) for v in e.value],
        "deprecated": e.options.deprecated,
        "allow_alias": e.options.allow_alias,
        "reserved": [(r.start, r.end) for r in e.reserved_range],
        "reserved_names": list(e.reserved_name),
    }


def _message(m: d.DescriptorProto) -> dict[str, Any]:
    oneofs = [o.name for o in m.oneof_decl]
    return {
        "name": m.name,
        "fields": [_field(f, oneofs) for f in m.field],
        "oneofs": oneofs,
        "map_entry": m.options.map_entry,
        "deprecated": m.options.deprecated,
        "nested": [_message(n) for n in m.nested_type],
        "enums": [_enum(e) for e in m.enum_type],
        "extensions": [_field(f, oneofs) for f in m.extension],
        "extension_ranges": [(r.start, r.end) for r in m.extension_range],
        "reserved": [(r.start, r.end) for r in m.reserved_range],
        "reserved_names": list(m.reserved_name),
    }


def _service(s: d.ServiceDescriptorProto) -> dict[str, Any]:
    return {
        "name": s.name,
        "deprecated": s.options.deprecated,
        "methods": [
            {
                "name": m.name,
                "input": m.input_type,
                "output": m.output_type,
                "client_streaming": m.client_streaming,
                "server_streaming": m.server_streaming,
                "deprecated": m.options.deprecated,
            }
            for m in s.method
        ],
    }


def summary(fd: d.FileDescriptorProto) -> dict[str, Any]:
    """Everything about one file that reaches the wire or the user, as plain data."""
    return {
        "name": fd.name,
        "package": fd.package,
        "syntax": fd.syntax or "proto2",
        "deprecated": fd.options.deprecated,
        "messages": [_message(m) for m in fd.message_type],
        "enums": [_enum(e) for e in fd.enum_type],
        "extensions": [_field(f, []) for f in fd.extension],
        "services": [_service(s) for s in fd.service],
    }


def _walk(messages: Iterable[d.DescriptorProto]) -> Iterable[d.DescriptorProto]:
    for m in messages:
        yield m
        yield from _walk(m.nested_type)


# -- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream() -> dict[str, d.FileDescriptorProto]:
    """Every file the pinned package's root modules need (well-known types too)."""
    return fetch.collect()


@pytest.fixture(scope="module")
def pinned(upstream: dict[str, d.FileDescriptorProto]) -> dict[str, d.FileDescriptorProto]:
    """The files protos/ is meant to hold."""
    return {path: fd for path, fd in upstream.items() if fetch.wanted(path)}


@pytest.fixture(scope="module")
def compiled(compiled_protos: d.FileDescriptorSet) -> dict[str, d.FileDescriptorProto]:
    return {fd.name: fd for fd in compiled_protos.file}


# -- tests ----------------------------------------------------------------------


def test_protos_holds_exactly_the_wanted_files(pinned: dict[str, d.FileDescriptorProto]) -> None:
    on_disk = sorted(p.relative_to(PROTOS).as_posix() for p in PROTOS.rglob("*.proto"))
    assert on_disk == sorted(pinned)
    # the list of services is all there
    for path in (
        "app/v1/app.proto",
        "app/v1/billing.proto",
        "app/v1/end_user.proto",
        "app/v1/robot.proto",
        "app/data/v1/data.proto",
        "app/datasync/v1/data_sync.proto",
        "app/dataset/v1/dataset.proto",
        "app/mltraining/v1/ml_training.proto",
        "app/packages/v1/packages.proto",
        "app/agent/v1/agent.proto",
        "app/cloudslam/v1/cloud_slam.proto",
        "app/datapipelines/v1/data_pipelines.proto",
        "app/mlinference/v1/ml_inference.proto",
        "provisioning/v1/provisioning.proto",
        "common/v1/common.proto",
        "tagger/v1/tagger.proto",
        "proto/rpc/v1/auth.proto",
    ):
        assert path in pinned


def test_every_file_compiles_to_the_pinned_descriptors(
    pinned: dict[str, d.FileDescriptorProto], compiled: dict[str, d.FileDescriptorProto]
) -> None:
    assert set(pinned) <= set(compiled)
    for path, fd in pinned.items():
        assert summary(compiled[path]) == summary(fd), path


def test_imports_are_the_upstream_ones_minus_dropped_options(
    upstream: dict[str, d.FileDescriptorProto],
    pinned: dict[str, d.FileDescriptorProto],
    compiled: dict[str, d.FileDescriptorProto],
) -> None:
    for path, fd in pinned.items():
        ours = list(compiled[path].dependency)
        assert set(ours) <= set(fd.dependency), path
        assert set(ours) == needed_imports(fd, upstream), path
        # the ones left out only carried options: no type the file uses comes from them
        for dropped in set(fd.dependency) - set(ours):
            assert not defined_names(upstream[dropped]) & referenced_names(fd), (path, dropped)


def test_well_known_types_come_from_protoc_unchanged(
    upstream: dict[str, d.FileDescriptorProto], compiled: dict[str, d.FileDescriptorProto]
) -> None:
    wkt = [p for p in compiled if p.startswith("google/protobuf/")]
    assert "google/protobuf/timestamp.proto" in wkt and "google/protobuf/struct.proto" in wkt
    for path in wkt:
        if path in upstream:
            assert summary(compiled[path]) == summary(upstream[path]), path


def test_the_comparison_covers_the_whole_schema(pinned: dict[str, d.FileDescriptorProto]) -> None:
    """The equality above is not vacuous: it walks hundreds of messages and RPCs."""
    messages = [m for fd in pinned.values() for m in _walk(fd.message_type)]
    fields = [f for m in messages for f in m.field]
    rpcs = [m for fd in pinned.values() for s in fd.service for m in s.method]
    assert len(messages) >= 670
    assert len(fields) >= 1800
    assert len(rpcs) >= 235
    kinds = {(m.client_streaming, m.server_streaming) for m in rpcs}
    assert (False, True) in kinds and (True, False) in kinds  # (no bidi RPC in this version)
    assert any(m.options.map_entry for m in messages)
    assert any(f.proto3_optional for f in fields)
    assert any(f.HasField("oneof_index") and not f.proto3_optional for f in fields)
    assert any(f.options.deprecated for f in fields)
    assert any(m.options.deprecated for m in rpcs)
    assert any(m.options.deprecated for m in messages)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda fd: setattr(_first_field(fd), "number", 999), id="field-number"),
        pytest.param(lambda fd: setattr(_first_field(fd), "type", FDP.TYPE_SINT64), id="field-type"),
        pytest.param(lambda fd: setattr(_first_field(fd), "label", FDP.LABEL_REPEATED), id="label"),
        pytest.param(lambda fd: setattr(_first_field(fd), "proto3_optional", True), id="proto3-optional"),
        pytest.param(
            lambda fd: _first_field(fd).options.MergeFrom(d.FieldOptions(deprecated=True)), id="deprecated"
        ),
        pytest.param(lambda fd: setattr(fd.service[0].method[0], "server_streaming", True), id="streaming"),
        pytest.param(lambda fd: setattr(fd.enum_type[0].value[0], "number", 42), id="enum-value"),
        pytest.param(lambda fd: setattr(fd.message_type[0].nested_type.add(), "name", "Extra"), id="nested"),
    ],
)
def test_the_summary_notices_a_change(pinned: dict[str, d.FileDescriptorProto], mutate: Any) -> None:
    original = pinned["app/v1/app.proto"]
    changed = d.FileDescriptorProto()
    changed.CopyFrom(original)
    mutate(changed)
    assert summary(changed) != summary(original)


def _first_field(fd: d.FileDescriptorProto) -> d.FieldDescriptorProto:
    return next(m for m in fd.message_type if m.field).field[0]


def test_lock_names_the_installed_package_version() -> None:
    lock = (PROTOS / "LOCK").read_text().strip()
    assert lock == f"{fetch.SOURCE_PACKAGE}=={fetch.source_version()}"
    assert lock == "viam-sdk==0.85.1"


def test_rendering_protos_is_deterministic_and_matches_protos_dir(
    upstream: dict[str, d.FileDescriptorProto], pinned: dict[str, d.FileDescriptorProto]
) -> None:
    """`make protos` twice gives the same text, and that text is what protos/ holds."""
    for path, fd in pinned.items():
        first = render_file(fd, needed_imports(fd, upstream))
        second = render_file(fd, needed_imports(fd, upstream))
        assert first == second, path
        assert (PROTOS / path).read_text() == first, f"protos/{path} is stale: run `make protos`"
