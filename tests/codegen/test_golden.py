"""The generator on small fixture protos of our own, against golden output.

tests/codegen/fixtures/ holds five tiny proto packages covering every scalar
type, nested messages and enums, maps, oneofs, proto3 ``optional``, the
well-known types, cross-package imports, names that clash with Python, field
names proto3 accepts that Python finds awkward (names/v1), every streaming
kind and ``deprecated`` on a field, a message, an enum value and an RPC.  They are generated under the import root ``fixture_api`` and the result
must equal the committed copy in tests/codegen/golden/ byte for byte.  The
runtime modules the generator copies beside them (codegen/runtime/) are left
out of the golden copy: they are checked once, on generated/, below.

After an intended change to codegen/ or templates/, refresh the golden copy
with::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/codegen/test_golden.py

and review the diff like any other change.  The tests below import the
golden copy (proven identical to a fresh generation by the first test) and
exercise it.  The same file also checks that regenerating the real API, twice,
gives exactly the committed generated/ tree: that is the drift check of CI.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import betterproto2
import pytest
from golden_tree import importable
from google.protobuf import descriptor_pb2, message_factory

from codegen import runtime
from codegen.loader import compile_protos, proto_files
from codegen.model import Api, ModelError, build_api
from codegen.render import environment, generate, plan, render, runtime_files

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
ROOT = "fixture_api"
STRIP = ("fixture",)
UPDATE = os.environ.get("UPDATE_GOLDEN", "") not in ("", "0")

importable()  # the golden fixture_api, with the runtime beside it, first on sys.path


def _golden_files() -> dict[str, str]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_text()
        for p in sorted((GOLDEN / ROOT).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def fixture_fds() -> descriptor_pb2.FileDescriptorSet:
    return compile_protos(FIXTURES)


@pytest.fixture(scope="module")
def fixture_api(fixture_fds: descriptor_pb2.FileDescriptorSet) -> Api:
    return build_api(fixture_fds, proto_files(FIXTURES), STRIP)


@pytest.fixture(scope="module")
def fresh(fixture_api: Api) -> dict[str, str]:
    """The fixture protos generated now, in memory (the runtime copies included)."""
    return render(fixture_api, ROOT, None, workers=1)


def _without_runtime(files: dict[str, str]) -> dict[str, str]:
    copies = runtime_files(ROOT)
    return {path: text for path, text in files.items() if path not in copies}


# -- golden output ----------------------------------------------------------------


def test_fixture_output_matches_golden(fresh: dict[str, str]) -> None:
    fresh = _without_runtime(fresh)
    if UPDATE:
        for stale in set(_golden_files()) - set(fresh):
            (GOLDEN / stale).unlink()
        for path, text in fresh.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    golden = _golden_files()
    assert sorted(golden) == sorted(fresh), "file set differs: rerun with UPDATE_GOLDEN=1 and review"
    for path, text in fresh.items():
        assert golden[path] == text, f"{path} differs from golden: rerun with UPDATE_GOLDEN=1 and review"


def test_fixture_output_is_deterministic(fixture_api: Api, fresh: dict[str, str]) -> None:
    assert render(fixture_api, ROOT, None, workers=2) == fresh


def test_fixture_output_type_checks(fresh: dict[str, str], tmp_path: Path) -> None:
    """mypy accepts the generated fixture package (a field named ``str`` once broke it)."""
    for path, text in fresh.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--config-file",
            str(REPO / "pyproject.toml"),
            ROOT,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_model_of_the_fixtures(fixture_api: Api) -> None:
    packages = {".".join(p.module): p for p in fixture_api.packages}
    assert sorted(packages) == [
        "clash.v1",
        "google.protobuf",
        "kitchen.v1",
        "names.v1",
        "shared.v1",
        "stream.v1",
    ]
    kitchen = packages["kitchen.v1"]
    messages = {m.py_name: m for m in kitchen.messages}
    assert {"Outer", "OuterInner", "OuterInnerDeepest"} <= set(messages)
    assert "OuterMode" in {e.py_name for e in kitchen.enums}
    fields = {f.py_name: f for f in messages["Maps"].fields}
    assert fields["messages"].py_type == "dict[int, OuterInner]"
    assert fields["points"].py_type == "dict[int, _shared_v1.Point]"
    assert fields["stamps"].py_type == "dict[str, datetime.datetime]"
    assert fields["levels"].py_type == "dict[str, Level]"
    choice = {f.py_name: f for f in messages["Choice"].fields}
    assert messages["Choice"].oneofs == ("pick", "other")
    assert (
        choice["text"].group == "pick" and choice["flag"].group == "other" and choice["label"].group is None
    )
    optionals = {f.py_name: f for f in messages["Optionals"].fields}
    assert all(f.optional and f.group is None for f in optionals.values())
    assert optionals["maybe_int"].py_type == "int | None"
    known = {f.py_name: f for f in messages["KnownTypes"].fields}
    assert known["at"].py_type == "datetime.datetime | None"
    assert known["took"].py_type == "datetime.timedelta | None"
    assert known["nickname"].py_type == "str | None"
    assert known["history"].py_type == "list[datetime.datetime]"
    assert known["attributes"].py_type == "_google_protobuf.Struct | None"
    assert messages["Legacy"].deprecated
    assert [f.py_name for f in messages["WithOldField"].deprecated_fields] == ["old"]
    echo = packages["stream.v1"].services[0]
    kinds = {m.name: m.rpc_kind for m in echo.methods}
    assert kinds == {
        "Unary": "unary_unary",
        "ServerStream": "unary_stream",
        "ClientStream": "stream_unary",
        "Bidi": "stream_stream",
        "Old": "unary_unary",
        "Forgotten": "unary_unary",
        "ForgottenStream": "unary_stream",
    }
    assert [m.name for m in echo.methods if m.deprecated] == ["Old"]
    assert {m.name: m.route for m in echo.methods}["Bidi"] == "/fixture.stream.v1.Echo/Bidi"
    clash = packages["clash.v1"].services[0]
    assert [m.py_name for m in clash.methods] == ["close_", "channel_", "metadata_", "timeout_", "import_"]


# -- the generated fixture modules at work -------------------------------------------


@pytest.fixture(scope="module")
def kitchen() -> Any:
    return importlib.import_module(f"{ROOT}.kitchen.v1")


@pytest.fixture(scope="module")
def clash() -> Any:
    return importlib.import_module(f"{ROOT}.clash.v1")


@pytest.fixture(scope="module")
def google_classes(fixture_fds: descriptor_pb2.FileDescriptorSet) -> dict[str, Any]:
    """Google's protobuf runtime, built from the same descriptors."""
    return message_factory.GetMessages(list(fixture_fds.file))


def _round_trip(message: Any) -> Any:
    data = bytes(message)
    back = type(message).parse(data)
    assert back == message
    assert bytes(back) == data
    return back


def test_every_fixture_module_imports() -> None:
    root = importlib.import_module(ROOT)
    assert len(root.MODULES) == 6
    for name in root.MODULES:
        module = importlib.import_module(name)
        for exported in module.__all__:
            assert hasattr(module, exported), (name, exported)
    assert root.COUNTS["rpcs"] == 12


def test_scalars_at_their_limits(kitchen: Any, google_classes: dict[str, Any]) -> None:
    message = kitchen.Scalars(
        f_double=-1.5e300,
        f_float=3.5,
        f_int32=-(2**31),
        f_int64=-(2**63),
        f_uint32=2**32 - 1,
        f_uint64=2**64 - 1,
        f_sint32=-(2**31),
        f_sint64=2**63 - 1,
        f_fixed32=2**32 - 1,
        f_fixed64=2**64 - 1,
        f_sfixed32=-(2**31),
        f_sfixed64=-(2**63),
        f_bool=True,
        f_string="héllo ✓",
        f_bytes=b"\x00\xff",
        r_int32=[-1, 0, 1],
        r_uint64=[0, 2**64 - 1],
        r_sint64=[-(2**63), 2**63 - 1],
        r_float=[0.25, -2.0],
        r_bool=[True, False, True],
        r_string=["a", ""],
        r_bytes=[b"", b"x"],
        r_sfixed32=[-5],
    )
    _round_trip(message)
    theirs = google_classes["fixture.kitchen.v1.Scalars"].FromString(bytes(message))
    assert theirs.f_int64 == -(2**63) and theirs.f_uint64 == 2**64 - 1 and theirs.f_sint32 == -(2**31)
    assert list(theirs.r_sint64) == [-(2**63), 2**63 - 1]
    assert theirs.f_string == "héllo ✓" and list(theirs.r_bytes) == [b"", b"x"]
    assert kitchen.Scalars.parse(theirs.SerializeToString()) == message


def test_nested_types_and_recursion(kitchen: Any) -> None:
    deep = kitchen.Outer(
        inner=kitchen.OuterInner(depth=1, deepest=kitchen.OuterInnerDeepest(note="bottom")),
        inners=[kitchen.OuterInner(), kitchen.OuterInner(depth=2)],
        mode=kitchen.OuterMode.MODE_FAST,
        recursive=kitchen.Outer(recursive=kitchen.Outer(mode=kitchen.OuterMode.MODE_FAST)),
    )
    back = _round_trip(deep)
    assert back.inner.deepest.note == "bottom"
    assert back.inners[0] == kitchen.OuterInner()  # an empty element keeps its place
    assert back.recursive.recursive.mode is kitchen.OuterMode.MODE_FAST


def test_maps_of_scalars_messages_and_enums(kitchen: Any, google_classes: dict[str, Any]) -> None:
    shared = importlib.import_module(f"{ROOT}.shared.v1")
    stamp = datetime.datetime(2024, 2, 29, 12, 30, 1, 250000, tzinfo=datetime.timezone.utc)
    maps = kitchen.Maps(
        by_name={"a": "1", "": "empty key"},
        by_int={-7: 0.5},
        by_flag={True: b"yes", False: b""},
        messages={2**64 - 1: kitchen.OuterInner(depth=3), 0: kitchen.OuterInner()},
        levels={"hi": kitchen.Level.LEVEL_HIGH, "zero": kitchen.Level.LEVEL_UNSPECIFIED},
        points={-1: shared.Point(x=1.0, y=-2.0, color=shared.Color.COLOR_GREEN)},
        stamps={"leap": stamp},
    )
    back = _round_trip(maps)
    assert back.levels["hi"] is kitchen.Level.LEVEL_HIGH
    assert back.stamps["leap"] == stamp
    theirs = google_classes["fixture.kitchen.v1.Maps"].FromString(bytes(maps))
    assert theirs.messages[2**64 - 1].depth == 3
    assert theirs.points[-1].color == 2
    assert theirs.stamps["leap"].ToDatetime(tzinfo=datetime.timezone.utc) == stamp
    assert dict(theirs.by_flag) == {True: b"yes", False: b""}


def test_oneofs_keep_one_member_and_its_zero_value(kitchen: Any) -> None:
    choice = kitchen.Choice(number=0, blob=b"")
    back = _round_trip(choice)
    assert betterproto2.which_one_of(back, "pick") == ("number", 0)
    assert betterproto2.which_one_of(back, "other") == ("blob", b"")
    assert back.text is None and back.inner is None
    assert bytes(kitchen.Choice()) == b""
    when = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    assert _round_trip(kitchen.Choice(when=when)).when == when
    assert _round_trip(kitchen.Choice(level=kitchen.Level.LEVEL_UNSPECIFIED)).level == 0


def test_proto3_optional_tells_zero_from_absent(kitchen: Any, google_classes: dict[str, Any]) -> None:
    absent = kitchen.Optionals()
    zero = kitchen.Optionals(
        maybe_text="", maybe_int=0, maybe_level=kitchen.Level(0), maybe_flag=False, maybe_double=0.0
    )
    assert bytes(absent) == b""
    assert bytes(zero) != b""
    back = _round_trip(zero)
    assert back.maybe_int == 0 and back.maybe_text == "" and back.maybe_inner is None
    theirs = google_classes["fixture.kitchen.v1.Optionals"].FromString(bytes(zero))
    assert (
        theirs.HasField("maybe_int") and theirs.HasField("maybe_flag") and not theirs.HasField("maybe_inner")
    )


def test_well_known_types(kitchen: Any, google_classes: dict[str, Any]) -> None:
    protobuf = importlib.import_module(f"{ROOT}.google.protobuf")
    struct = protobuf.Struct(
        fields={
            "n": protobuf.Value(number_value=1.5),
            "null": protobuf.Value(null_value=protobuf.NullValue.NULL_VALUE),
            "list": protobuf.Value(list_value=protobuf.ListValue(values=[protobuf.Value(string_value="x")])),
        }
    )
    inner = kitchen.OuterInner(depth=9)
    payload = protobuf.Any(type_url="type.googleapis.com/fixture.kitchen.v1.Outer.Inner", value=bytes(inner))
    at = datetime.datetime(2001, 9, 9, 1, 46, 40, 123456, tzinfo=datetime.timezone.utc)
    known = kitchen.KnownTypes(
        at=at,
        took=datetime.timedelta(seconds=-1, microseconds=250),
        attributes=struct,
        nickname="",
        big=-(2**63),
        maybe=False,
        payload=payload,
        history=[at, at + datetime.timedelta(days=1)],
        laps=[datetime.timedelta(0), datetime.timedelta(hours=1)],
        ratio=0.0,
        raw=b"",
    )
    back = _round_trip(known)
    assert back.at == at and back.took == datetime.timedelta(seconds=-1, microseconds=250)
    # a wrapper holding its zero value is still present; an unset one stays None
    assert back.nickname == "" and back.maybe is False and back.ratio == 0.0 and back.raw == b""
    assert kitchen.KnownTypes().nickname is None and kitchen.KnownTypes.parse(b"").big is None
    assert back.attributes.fields["list"].list_value.values[0].string_value == "x"
    registered = importlib.import_module(f"{ROOT}._messages").default_message_pool
    assert registered.url_to_type[back.payload.type_url] is kitchen.OuterInner
    assert kitchen.OuterInner.parse(back.payload.value) == inner
    theirs = google_classes["fixture.kitchen.v1.KnownTypes"].FromString(bytes(known))
    assert theirs.at.ToDatetime(tzinfo=datetime.timezone.utc) == at
    assert theirs.took.ToTimedelta() == datetime.timedelta(seconds=-1, microseconds=250)
    assert theirs.HasField("nickname") and theirs.nickname.value == ""
    assert theirs.big.value == -(2**63)
    assert theirs.attributes["n"] == 1.5 and theirs.attributes["null"] is None
    assert kitchen.KnownTypes.parse(theirs.SerializeToString()) == known


def test_cross_package_types(kitchen: Any) -> None:
    shared = importlib.import_module(f"{ROOT}.shared.v1")
    imported = kitchen.Imported(
        point=shared.Point(x=0.5), path=[shared.Point(), shared.Point(y=2)], color=shared.Color.COLOR_RED
    )
    back = _round_trip(imported)
    assert isinstance(back.point, shared.Point) and back.color is shared.Color.COLOR_RED


def test_unknown_fields_survive_a_round_trip() -> None:
    """A newer peer's extra fields pass through an older message class unchanged."""
    stream = importlib.import_module(f"{ROOT}.stream.v1")
    newer = stream.Pong(text="t", seq=7, headers=["h1", "h2"])
    older = stream.Ping.parse(bytes(newer))  # Ping has no field 3
    assert (older.text, older.seq) == ("t", 7)
    assert stream.Pong.parse(bytes(older)) == newer


def test_unknown_enum_values_survive(kitchen: Any, google_classes: dict[str, Any]) -> None:
    unknown = kitchen.Level(77)
    assert unknown.name == "" and int(unknown) == 77
    back = _round_trip(kitchen.Outer(mode=kitchen.OuterMode(5)))
    assert int(back.mode) == 5
    maps = _round_trip(kitchen.Maps(levels={"future": unknown}))
    assert int(maps.levels["future"]) == 77
    theirs = google_classes["fixture.kitchen.v1.Maps"].FromString(bytes(maps))
    assert theirs.levels["future"] == 77


def test_keyword_and_builtin_named_fields_work(clash: Any, google_classes: dict[str, Any]) -> None:
    keywords = clash.Keywords(from_="a", class_="b", import_=3, none=True, lambda_="l", type="t", match="m")
    _round_trip(keywords)
    theirs = google_classes["fixture.clash.v1.Keywords"].FromString(bytes(keywords))
    assert (
        getattr(theirs, "from") == "a" and getattr(theirs, "class") == "b" and getattr(theirs, "import") == 3
    )
    assert keywords.to_dict()["from"] == "a"  # JSON keeps the proto name
    methods = clash.Methods(parse_="p", to_dict_="d", serialize_to_string="s")
    back = _round_trip(methods)
    assert back.parse_ == "p" and callable(back.parse) and callable(back.to_dict)
    stamp = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    builtins = clash.Builtins(
        str_="s", bytes_=b"b", int_=-1, bool_=True, float_=0.5, list_=["x"], dict_={"k": "v"}
    )
    builtins.datetime_ = stamp
    assert _round_trip(builtins).datetime_ == stamp
    assert clash.Attr.name_.proto_name == "name" and clash.Attr.name_ == 1
    assert clash.Keywords(type="x").to_dict() == {"type": "x"}


def _sample(ours: Any, field: Any) -> tuple[Any, Any]:
    """(our value, Google's value) for one field of the names fixture: never a zero value."""
    from google.protobuf.descriptor import FieldDescriptor as FD

    n = field.number
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return {"k": n}, {"k": n}
    if field.is_repeated:
        return [n, 0, -n], [n, 0, -n]
    if field.type == FD.TYPE_MESSAGE:
        child = getattr(ours, field.message_type.name)
        return child(), {}
    if field.type == FD.TYPE_ENUM:
        return getattr(ours, field.enum_type.name)(1), 1
    if field.type == FD.TYPE_STRING:
        return f"v{n}", f"v{n}"
    return 3 * n + 1, 3 * n + 1


def _proto_fields(message: Any) -> list[Any]:
    """The fields of a Google message descriptor, the first member only of each oneof."""
    return [f for f in message.fields if f.containing_oneof is None or f.containing_oneof.fields[0] is f]


@pytest.mark.parametrize("message", ["Conformance", "Underscores", "Internals", "Cases", "Reserved"])
def test_every_proto3_field_name_gives_a_working_message(
    message: str, fixture_api: Api, google_classes: dict[str, Any]
) -> None:
    """Fields named with leading/trailing/doubled underscores, by case only, or like Python's own
    attributes all generate: every field is set, read, encoded and decoded, and Google's runtime
    reads back what ours wrote and the other way round, byte for byte."""
    names = importlib.import_module(f"{ROOT}.names.v1")
    package = next(p for p in fixture_api.packages if p.module == ("names", "v1"))
    model = next(m for m in package.messages if m.py_name == message)
    py_name_of = {f.name: f.py_name for f in model.fields}
    theirs_cls = google_classes[f"fixture.names.v1.{message}"]
    ours_kwargs: dict[str, Any] = {}
    theirs_kwargs: dict[str, Any] = {}
    for field in _proto_fields(theirs_cls.DESCRIPTOR):
        ours_value, theirs_value = _sample(names, field)
        ours_kwargs[py_name_of[field.name]] = ours_value
        theirs_kwargs[field.name] = theirs_value
    ours = getattr(names, message)(**ours_kwargs)
    for py_name, value in ours_kwargs.items():
        assert getattr(ours, py_name) == value and ours.is_set(py_name)
    assert repr(ours) and ours == _round_trip(ours)
    theirs = theirs_cls(**theirs_kwargs)
    assert theirs_cls.FromString(bytes(ours)) == theirs
    assert theirs.SerializeToString() == bytes(ours)
    assert getattr(names, message).parse(theirs.SerializeToString()) == ours
    assert getattr(names, message)().to_dict() == {}


def test_rpcs_named_like_stub_attributes_do_not_shadow_them(clash: Any) -> None:
    for py_name in ("close_", "channel_", "metadata_", "timeout_", "import_"):
        assert callable(getattr(clash.ClashStub, py_name))
        assert callable(getattr(clash.ClashSyncStub, py_name))
        assert callable(getattr(clash.ClashBase, py_name))
    stub = clash.ClashStub(object(), timeout=3.0, metadata={"k": "v"})
    assert stub.timeout == 3.0 and stub.metadata == {"k": "v"}
    routes = sorted(clash.ClashBase().__mapping__())
    assert routes == [
        f"/fixture.clash.v1.Clash/{n}" for n in ("Channel", "Close", "Import", "Metadata", "Timeout")
    ]


def test_deprecated_message_and_field_warn(kitchen: Any) -> None:
    category = importlib.import_module(f"{ROOT}._deprecation").ViamDeprecationWarning
    assert issubclass(category, DeprecationWarning)
    with pytest.warns(category, match=r"fixture\.kitchen\.v1\.Legacy is deprecated") as caught:
        kitchen.Legacy(what="x")
    with pytest.warns(category, match=r"WithOldField\.old is deprecated") as caught_field:
        kitchen.WithOldField(old="x")
    # the warning names the line that built the message, not the generated module
    assert {Path(w.filename).name for w in [*caught, *caught_field]} == {Path(__file__).name}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=category)  # one filter silences them all
        kitchen.Legacy(what="x")
        kitchen.WithOldField(old="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kitchen.WithOldField(current="fine")
        kitchen.Level.LEVEL_OLD  # noqa: B018  (enum members do not warn)


def test_deprecated_rpc_is_documented() -> None:
    stream = importlib.import_module(f"{ROOT}.stream.v1")
    assert "deprecated" in (stream.EchoStub.old.__doc__ or "")
    assert "deprecated" not in (stream.EchoStub.unary.__doc__ or "")


# -- validation fails before anything is written ---------------------------------------


# protoc refuses two fields whose JSON names collide unless told to accept it;
# the Python-name check is what is under test here.
_LEGACY_JSON = "option deprecated_legacy_json_field_conflicts = true;\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text('syntax = "proto3";\n' + text)


@pytest.mark.parametrize(
    ("fields", "python"),
    [
        pytest.param("string from = 1; string from_ = 2;", ["from__1", "from_"], id="keyword-field"),
        pytest.param("string parse = 1; string parse_ = 2;", ["parse__1", "parse_"], id="method-field"),
    ],
)
def test_fields_whose_python_names_would_clash_get_distinct_ones(
    tmp_path: Path, fields: str, python: list[str]
) -> None:
    """Two fields that come out the same (accepted by protoc with the legacy JSON option) both work."""
    protos = tmp_path / "protos"
    _write(protos, {"a.proto": "package x.v1;\nmessage M {\n" + _LEGACY_JSON + fields + " }\n"})
    api = build_api(compile_protos(protos), proto_files(protos), ("x",))
    assert [f.py_name for f in api.packages[0].messages[0].fields] == python
    out = tmp_path / "out"
    assert generate(protos, out, root="clash_root") == 0
    sys.path.insert(0, str(out))
    try:
        module = importlib.import_module("clash_root.x.v1")  # generate() strips only viam., proto.
        message = module.M(**{python[0]: "a", python[1]: "b"})
        back = module.M.parse(bytes(message))
        assert (getattr(back, python[0]), getattr(back, python[1])) == ("a", "b")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "clash_root" or n.startswith("clash_root.")]:
            del sys.modules[name]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"a.proto": "package x.v1;\nmessage Outer { message Inner {} }\nmessage OuterInner {}\n"},
            r"x\.v1\.OuterInner and \.x\.v1\.Outer\.Inner both become",
            id="nested-type-name",
        ),
        pytest.param(
            {
                "a.proto": "package messages;\nmessage A {}\n",
                "b.proto": 'package x.b;\nimport "a.proto";\nmessage B { messages.A a = 1; }\n',
            },
            r"module messages would be imported as _messages into .*b, the name of a runtime module",
            id="runtime-module-alias",
        ),
        pytest.param(
            {
                "a.proto": "package x.v1;\nmessage R {}\nservice S { rpc GetFoo(R) returns (R); rpc get_foo(R) returns (R); }\n"
            },
            r"x\.v1\.S: two RPCs share a Python name",
            id="rpc-name",
        ),
        pytest.param(
            {
                "a.proto": "package x.v1;\nmessage R {}\nmessage SStub {}\nservice S { rpc A(R) returns (R); }\n"
            },
            r"SStub",
            id="message-vs-stub",
        ),
        pytest.param(
            {
                "a.proto": "package x.a_b;\nmessage A {}\n",
                "b.proto": "package x.a.b;\nmessage B {}\n",
                "c.proto": 'package x.c;\nimport "a.proto";\nimport "b.proto";\n'
                "message C { x.a_b.A a = 1; x.a.b.B b = 2; }\n",
            },
            r"would both be imported as _a_b",
            id="import-alias",
        ),
        pytest.param(
            {"a.proto": "package x.class;\nmessage A {}\n", "b.proto": "package x.class_;\nmessage B {}\n"},
            r"two proto packages map to module class_",
            id="module-path",
        ),
    ],
)
def test_name_clashes_fail_before_anything_is_written(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    protos = tmp_path / "protos"
    _write(protos, files)
    with pytest.raises(ModelError, match=message):
        build_api(compile_protos(protos), proto_files(protos), ("x",))
    # the command line path: the output folder is not even created ...
    out = tmp_path / "out"
    with pytest.raises(ModelError):
        generate(protos, out)
    assert not out.exists()
    # ... and an existing tree is left exactly as it was
    out.mkdir()
    (out / "keep.py").write_text("# earlier output\n")
    with pytest.raises(ModelError):
        generate(protos, out)
    assert [p.name for p in out.iterdir()] == ["keep.py"]
    assert (out / "keep.py").read_text() == "# earlier output\n"


# -- the real API: regeneration is deterministic and equals generated/ ----------------------


_RAW_DIGESTS = """
import hashlib, json, sys
from pathlib import Path
from codegen.render import build_from_protos, environment, plan
api, lock = build_from_protos(Path("protos"))
env = environment()
print(json.dumps({
    path: hashlib.sha256(env.get_template(template).render(**context).encode()).hexdigest()
    for path, template, context in plan(api, "viam_api", lock)
}))
"""


def _raw_digests(api: Api, lock: str | None) -> dict[str, str]:
    """Template output before black, hashed per file."""
    env = environment()
    return {
        path: hashlib.sha256(env.get_template(template).render(**context).encode()).hexdigest()
        for path, template, context in plan(api, "viam_api", lock)
    }


def test_regenerating_the_real_api_matches_generated_dir(real_api: tuple[Api, str | None]) -> None:
    """A fresh regeneration (in memory) equals the committed generated/ byte for byte."""
    api, lock = real_api
    fresh = render(api, "viam_api", lock)
    committed = {
        p.relative_to(REPO / "generated").as_posix(): p.read_text()
        for p in sorted((REPO / "generated" / "viam_api").rglob("*"))
        # .so and its .sha256 stamp: the optional compiled build of _wire.py (setup.py), not generator output
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".so", ".pyd", ".sha256")
    }
    assert sorted(committed) == sorted(fresh), "generated/ has stale or missing files: run `make regenerate`"
    stale = [path for path, text in fresh.items() if committed[path] != text]
    assert not stale, f"generated/ is out of date in {stale}: run `make regenerate`"


def test_generated_runtime_is_codegen_runtime_behind_the_header() -> None:
    """generated/viam_api holds each runtime module exactly as codegen/runtime/ has it.

    Only comment lines (the generated-file header) come before the source, so
    the copy runs, and compiles (mypyc, setup.py), exactly as the source does.
    """
    names = sorted(p.name for p in runtime.HERE.glob("*.py") if p.name != "__init__.py")
    assert names == sorted(runtime.MODULES)
    for name in runtime.MODULES:
        source = (runtime.HERE / name).read_text()
        copy = (REPO / "generated" / "viam_api" / name).read_text()
        header, _, rest = copy.partition(source)
        assert rest == "" and header, (
            f"generated/viam_api/{name} is not codegen/runtime/{name}: make regenerate"
        )
        assert all(line.startswith("# ") for line in header.splitlines()), header
        assert f"codegen/runtime/{name}" in header


def test_the_golden_copy_holds_no_runtime() -> None:
    for name in runtime.MODULES:
        assert not (GOLDEN / ROOT / name).exists(), f"{name} belongs to codegen/runtime/, not the golden copy"


def test_regeneration_is_deterministic_across_processes(real_api: tuple[Api, str | None]) -> None:
    """A second run, in another process with another hash seed, renders the same text.

    Black is a pure function of its input, so equal template output here plus
    the byte comparison above means every run writes the same bytes.
    """
    api, lock = real_api
    here = _raw_digests(api, lock)
    assert here == _raw_digests(api, lock)
    for seed in ("0", "4242"):
        done = subprocess.run(
            [sys.executable, "-c", _RAW_DIGESTS],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(done.stdout) == here, f"template output depends on the hash seed ({seed})"
