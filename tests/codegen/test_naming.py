"""Unit tests of codegen/naming.py: every proto -> Python naming rule."""

from __future__ import annotations

import keyword

import pytest

from codegen import naming


@pytest.mark.parametrize(
    ("proto", "python"),
    [
        # acronyms, alone, plural, and in the middle of a name
        ("GetRobotAPIKeys", "get_robot_api_keys"),
        ("BinaryDataByIDs", "binary_data_by_ids"),
        ("BinaryDataByFilter", "binary_data_by_filter"),
        ("TabularDataBySQL", "tabular_data_by_sql"),
        ("TabularDataByMQL", "tabular_data_by_mql"),
        ("IDsForAPI", "ids_for_api"),
        ("HTTPServer", "http_server"),
        ("GetURL", "get_url"),
        ("ID", "id"),
        ("IDs", "ids"),
        # OAuth is one word, not "O" + "Auth"
        ("OAuth", "oauth"),
        ("GetOAuthApp", "get_oauth_app"),
        ("UpdateOAuthApp", "update_oauth_app"),
        # ordinary words, lowerCamel, and names that are already snake
        ("GetRobotPartByNameAndLocation", "get_robot_part_by_name_and_location"),
        ("MLTraining", "ml_training"),
        ("getIDsFor", "get_ids_for"),
        ("RDKVersion", "rdk_version"),
        ("organization_id", "organization_id"),
        ("x", "x"),
        ("X", "x"),
        # digits stay with the word they follow
        ("Vector3", "vector3"),
        ("GetV2", "get_v2"),
        ("HTTP2Server", "http2_server"),
        ("S3Bucket", "s3_bucket"),
        # underscores in a mixed-case name separate words once
        ("Get_Robot", "get_robot"),
    ],
)
def test_snake_case(proto: str, python: str) -> None:
    assert naming.snake_case(proto) == python


@pytest.mark.parametrize("word", sorted(w for w in keyword.kwlist if w.islower()))
def test_keywords_get_a_trailing_underscore(word: str) -> None:
    assert naming.field_name(word) == word + "_"
    assert naming.method_name(word) == word + "_"


@pytest.mark.parametrize("word", ["True", "False", "None"])
def test_capitalised_keywords_are_lowered_and_need_nothing_more(word: str) -> None:
    assert naming.field_name(word) == word.lower()
    assert naming.method_name(word) == word.lower()


@pytest.mark.parametrize("word", ["match", "case", "type"])
def test_soft_keywords_are_usable_as_they_are(word: str) -> None:
    assert naming.field_name(word) == word


def test_lone_underscore_is_renamed() -> None:
    assert naming.field_name("_") == "__"


@pytest.mark.parametrize("name", sorted(naming.MESSAGE_RESERVED))
def test_fields_never_shadow_message_methods(name: str) -> None:
    py = naming.field_name(name)
    assert py != name and py.startswith(naming.snake_case(name))


def test_message_method_names_are_reserved() -> None:
    import betterproto2

    for name in (
        "parse",
        "to_dict",
        "from_dict",
        "is_set",
        "SerializeToString",
        "FromString",
        "dump",
        "load",
    ):
        assert name in naming.MESSAGE_RESERVED
        assert hasattr(betterproto2.Message, name)
    assert naming.field_name("parse") == "parse_"
    assert naming.field_name("to_dict") == "to_dict_"
    # camel-case proto names become snake first, so they no longer clash
    assert naming.field_name("SerializeToString") == "serialize_to_string"
    assert naming.field_name("from") == "from_"


@pytest.mark.parametrize(
    ("proto", "python"), [("Close", "close_"), ("Channel", "channel_"), ("Metadata", "metadata_")]
)
def test_rpcs_never_shadow_stub_attributes(proto: str, python: str) -> None:
    assert naming.method_name(proto) == python


def test_stub_attributes_are_reserved() -> None:
    from viam_api import _runtime

    stub = _runtime.AsyncStub.__new__(_runtime.AsyncStub)
    _runtime.AsyncStub.__init__(stub, None, timeout=None, metadata=None)
    for attribute in vars(stub):
        # private state cannot clash: an RPC's Python name never starts with "_"
        assert attribute in naming.SERVICE_RESERVED or attribute.startswith("_")
    assert "close" in naming.SERVICE_RESERVED
    assert not naming.method_name("_Private").startswith("_")


def test_ordinary_names_pass_through() -> None:
    assert naming.field_name("organization_id") == "organization_id"
    assert naming.method_name("GetOrganization") == "get_organization"


@pytest.mark.parametrize(
    ("scope", "python"),
    [
        (("Organization",), "Organization"),
        (("Outer", "Inner"), "OuterInner"),
        (("Outer", "Middle", "Inner"), "OuterMiddleInner"),
        # nested names are joined with their first letter raised
        (("outer", "inner"), "OuterInner"),
        (("GetRequest", "Filter"), "GetRequestFilter"),
        # a type called like a keyword gets the underscore
        (("None",), "None_"),
        (("True",), "True_"),
        # lower-case keywords are capitalised first, so they no longer clash
        (("class",), "Class"),
    ],
)
def test_type_name(scope: tuple[str, ...], python: str) -> None:
    assert naming.type_name(scope) == python


def test_enum_values_keep_proto_names_except_enum_attributes() -> None:
    assert naming.enum_value_name("ORDER_DESCENDING") == "ORDER_DESCENDING"
    assert naming.enum_value_name("name") == "name_"
    assert naming.enum_value_name("value") == "value_"
    assert naming.enum_value_name("None") == "None_"


def test_stub_names() -> None:
    assert naming.stub_names("AppService") == ("AppServiceStub", "AppServiceSyncStub", "AppServiceBase")


@pytest.mark.parametrize(
    ("package", "strip", "path"),
    [
        ("viam.app.v1", ("viam", "proto"), ("app", "v1")),
        ("viam.app.data.v1", ("viam", "proto"), ("app", "data", "v1")),
        ("proto.rpc.v1", ("viam", "proto"), ("rpc", "v1")),
        ("google.protobuf", ("viam", "proto"), ("google", "protobuf")),
        # only the first component is stripped, and never the whole package
        ("viam.proto.x", ("viam", "proto"), ("proto", "x")),
        ("viam", ("viam",), ("viam",)),
        ("", ("viam",), ()),
        ("viam.app.v1", (), ("viam", "app", "v1")),
        # a component that is a keyword cannot be a module name as it is
        ("viam.class.v1", ("viam",), ("class_", "v1")),
    ],
)
def test_module_path(package: str, strip: tuple[str, ...], path: tuple[str, ...]) -> None:
    assert naming.module_path(package, strip) == path


def test_module_alias_is_private_and_unique_per_path() -> None:
    assert naming.module_alias(("app", "v1")) == "_app_v1"
    assert naming.module_alias(("google", "protobuf")) == "_google_protobuf"
    assert naming.module_alias(("app", "data", "v1")) != naming.module_alias(("app", "datav1"))
    # ("app_data", "v1") would give the same alias: the model rejects that (see test_golden)


# -- field names: every name proto3 accepts ---------------------------------------------

# The field names of Google's conformance message TestAllTypesProto3 (fields 401-418).
CONFORMANCE = {
    "field_name1": "field_name1",
    "fieldName2": "field_name2",
    "FieldName3": "field_name3",
    "field_Name4": "field_name4",
    "field0name5": "field0name5",
    "field_0_name6": "field_0_name6",
    "fieldName7": "field_name7",
    "FieldName8": "field_name8",
    "field_Name9": "field_name9",
    "Field_Name10": "field_name10",
    "FIELD_NAME11": "field_name11",
    "FIELD_name12": "field_name12",
    "__field_name13": "field_name13",  # was kept as is, and class-private mangling broke it
    "__Field_name14": "field_name14",
    "field__name15": "field__name15",
    "field__Name16": "field_name16",
    "field_name17__": "field_name17__",
    "Field_name18__": "field_name18",
}


def test_the_conformance_field_names() -> None:
    fields = [(name, number) for number, name in enumerate(CONFORMANCE, start=1)]
    assert naming.field_names(fields) == tuple(CONFORMANCE.values())


@pytest.mark.parametrize(
    ("proto", "python"),
    [
        ("_leading", "leading"),
        ("__mangled", "mangled"),
        ("___triple", "triple"),
        ("__dunder__", "dunder__"),
        ("__init__", "init__"),
        ("__dict__", "dict__"),
        ("_unknown_fields", "unknown_fields"),
        ("_from", "from_"),
        ("_self", "self_"),
        ("_str", "str_"),
        ("trailing_", "trailing_"),
    ],
)
def test_leading_underscores_are_dropped(proto: str, python: str) -> None:
    assert naming.field_name(proto) == python


@pytest.mark.parametrize(
    "proto", ["_leading", "__mangled", "__init__", "__dict__", "_unknown_fields", "__x_", "_X"]
)
def test_no_field_is_private_mangled_or_a_dunder(proto: str) -> None:
    """An attribute starting with ``__`` is mangled in the class body; ``_`` reaches private state."""
    assert not naming.field_name(proto).startswith("_")


def test_names_that_differ_only_by_case_get_the_field_number() -> None:
    assert naming.field_names([("name", 1), ("Name", 2), ("NAME", 3)]) == ("name", "name_2", "name_3")
    assert naming.field_names([("fooBar", 4), ("FooBar", 5), ("FOO_BAR", 6)]) == (
        "foo_bar",
        "foo_bar_5",
        "foo_bar_6",
    )


def test_a_field_already_named_right_keeps_its_name() -> None:
    # whatever the order, the field whose proto name is its Python name keeps it
    assert naming.field_names([("Name", 2), ("name", 7)]) == ("name_2", "name")
    assert naming.field_names([("_leading", 1), ("leading", 13)]) == ("leading_1", "leading")
    assert naming.field_names([("_from", 1), ("from", 2)]) == ("from__1", "from_")
    # a suffixed name that is taken too gets more underscores
    assert naming.field_names([("x_2", 1), ("X", 2), ("x", 3)]) == ("x_2", "x_2_", "x")


def test_field_names_are_always_distinct() -> None:
    protos = ["a", "A", "_a", "__a", "a_", "_A_", "a_1", "A_1", "from", "_from", "parse", "_parse", "_", "__"]
    names = naming.field_names((p, n) for n, p in enumerate(protos, start=1))
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names)


def test_every_public_message_attribute_is_reserved() -> None:
    from codegen.runtime._messages import Message

    public = {n for n in dir(Message) if not n.startswith("_")}
    assert public <= naming.MESSAGE_RESERVED


# -- the generated code's own names -------------------------------------------------------


def test_codec_helper_names() -> None:
    assert naming.decoder_name("Point") == "decode_Point"
    assert naming.encoder_name("Point") == "encode_Point"
    assert naming.wire_decoder_name("Struct") == "decode_Struct_wire"
    assert naming.wire_encoder_name("Struct") == "encode_Struct_wire"
    assert naming.value_decoder_name("Timestamp") == "decode_Timestamp_value"
    assert naming.value_encoder_name("Timestamp") == "encode_Timestamp_value"
    assert naming.entry_decoder_name("Maps", "by_name") == "decode_Maps_by_name_entry"
    assert naming.enum_values_name("Level") == "values_of_Level"
    assert naming.enum_values_name("_shared_v1.Color") == "values_of_shared_v1_Color"
    assert naming.codec_module_alias(("shared", "v1")) == "_c_shared_v1"


def test_codec_names_never_meet_classes_or_imported_modules() -> None:
    """Module-level names of a codec start lower case; classes start upper case, module aliases with _."""
    made = [
        naming.decoder_name("A"),
        naming.encoder_name("A"),
        naming.value_decoder_name("A"),
        naming.entry_decoder_name("A", "b"),
        naming.enum_values_name("_x_v1.E"),
    ]
    assert all(name[0].islower() for name in made)
    assert naming.type_name(("a",))[0].isupper() and naming.module_alias(("a",)).startswith("_")


def test_decoder_locals_never_meet_each_other() -> None:
    fixed = {"buf", "pos", "end", "depth", "tag", "start", "v", "n", "e", "m", "k", "unknown"}
    attrs = ["a", "start", "end", "field", "field_a", "start_a"]
    made = [f(a) for a in attrs for f in (naming.field_local, naming.span_start_local, naming.span_end_local)]
    assert len(set(made)) == len(made) and not set(made) & fixed


def test_runtime_module_names() -> None:
    assert naming.RUNTIME_MODULES == {
        "_blocking",
        "_deprecation",
        "_json",
        "_messages",
        "_runtime",
        "_server",
        "_stubs",
        "_time",
        "_wire",
        "_wire_encode",
        "_wire_plan",
    }
