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
