"""The JSON cases of Google's conformance suite, restated for our fixture message.

Google's conformance runner (conformance/binary_json_conformance_suite.cc in
protocolbuffers/protobuf) judges a runtime's proto3 JSON by sending it JSON
(or binary) input for ``TestAllTypesProto3`` and checking what comes back.
It cannot be installed here, so its JSON categories are restated as data:
each case names its category (the suite's group of JSON tests), what it
feeds to the message ``jsonconf.v1.AllTypes`` (json_fixture/), and what must
come out.  The expectations are Google's: an expected value is written in
protobuf text format and read by Google's runtime, so the reference is never
our own code.

Kinds of case:

* ``valid``: the JSON parses; its binary encoding equals the text-format
  value; and the JSON we print for it, read by ``json_format.Parse``, is that
  value too (the suite's JSON -> protobuf and JSON -> JSON runs).
* ``refused``: parsing the JSON raises.
* ``either``: the JSON is refused, or parses to the text-format value.
* ``printed``: the JSON parses, and a predicate holds on the JSON we print.
* ``lenient``: with unknown fields ignored, the JSON parses to the value.
* ``unprintable``: the binary value (from text format) cannot be printed as
  JSON (a parse of the binary that refuses the value counts too).
* ``from_binary``: binary input (raw bytes) printed as JSON, checked by a predicate.

``python tests/generated/_json_cases.py DIR`` runs every case against a
generated ``jsonconf_api`` package in DIR and prints the counts per category
(how "before" was measured on betterproto2's generic code).
"""

from __future__ import annotations

import json
import struct
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "json_fixture"
ANY_URL = "type.googleapis.com/jsonconf.v1.AllTypes"
WKT = "type.googleapis.com/google.protobuf."

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    kind: str  # valid refused either printed lenient unprintable from_binary
    given: Any  # JSON text, text format (unprintable) or bytes (from_binary)
    text: str = ""  # expected value, protobuf text format
    check: Check | None = None

    @property
    def id(self) -> str:
        return f"{self.category}.{self.name}"


CASES: list[Case] = []
_category = ""


def _add(kind: str, name: str, given: Any, text: str = "", check: Check | None = None) -> None:
    CASES.append(Case(_category, name, kind, given, text, check))


def valid(name: str, given: str, text: str) -> None:
    _add("valid", name, given, text)


def refused(name: str, given: str) -> None:
    _add("refused", name, given)


def either(name: str, given: str, text: str) -> None:
    _add("either", name, given, text)


def printed(name: str, given: str, check: Check) -> None:
    _add("printed", name, given, check=check)


def lenient(name: str, given: str, text: str) -> None:
    _add("lenient", name, given, text)


def unprintable(name: str, text: str) -> None:
    _add("unprintable", name, text)


def from_binary(name: str, data: bytes, check: Check) -> None:
    _add("from_binary", name, data, check=check)


def one(field: str, value: Any) -> str:
    """``{"field": value}`` as JSON text (value already JSON text)."""
    return f'{{"{field}": {value}}}'


# -- top level and field names ------------------------------------------------------------
_category = "TopLevel"
valid("hello_world", one("optionalString", '"Hello, World!"'), 'optional_string: "Hello, World!"')
refused("null_is_not_a_message", "null")
for label, raw in [("number", "1"), ("string", '"a"'), ("true", "true"), ("false", "false")]:
    lenient(f"ignored_unknown_{label}", one("unknown", raw), "")
lenient("ignored_unknown_null", one("unknown", "null"), "")
lenient("ignored_unknown_object", one("unknown", '{"a": 1}'), "")
refused("unknown_field_refused_by_default", one("unknown", "1"))

_category = "FieldNameConvention"
valid(
    "lower_camel_names",
    '{"fieldname1": 1, "fieldName2": 2, "FieldName3": 3, "fieldName4": 4}',
    "fieldname1: 1 field_name2: 2 _field_name3: 3 field__name4_: 4",
)
valid("names_with_digits", '{"field0name5": 5, "field0Name6": 6}', "field0name5: 5 field_0_name6: 6")
valid(
    "names_with_mixed_case",
    '{"fieldName7": 7, "FieldName8": 8, "fieldName9": 9, "FieldName10": 10, "FIELDNAME11": 11, "FIELDName12": 12}',
    "fieldName7: 7 FieldName8: 8 field_Name9: 9 Field_Name10: 10 FIELD_NAME11: 11 FIELD_name12: 12",
)
valid(
    "names_with_double_underscores",
    '{"FieldName13": 13, "FieldName14": 14, "fieldName15": 15, "fieldName16": 16, "fieldName17": 17, '
    '"FieldName18": 18}',
    "__field_name13: 13 __Field_name14: 14 field__name15: 15 field__Name16: 16 field_name17__: 17 "
    "Field_name18__: 18",
)
_ORIGINAL = [
    "fieldname1", "field_name2", "_field_name3", "field__name4_", "field0name5", "field_0_name6",
    "fieldName7", "FieldName8", "field_Name9", "Field_Name10", "FIELD_NAME11", "FIELD_name12",
    "__field_name13", "__Field_name14", "field__name15", "field__Name16", "field_name17__", "Field_name18__",
]  # fmt: skip
valid(
    "original_proto_names",
    "{" + ", ".join(f'"{n}": {i}' for i, n in enumerate(_ORIGINAL, 1)) + "}",
    " ".join(f"{n}: {i}" for i, n in enumerate(_ORIGINAL, 1)),
)
valid("json_name_option", one("customName", 7), "renamed: 7")
valid("json_name_option_or_proto_name", one("renamed", 7), "renamed: 7")
printed("json_name_option_printed", one("renamed", 7), lambda v: v == {"customName": 7})
valid("escaped_field_name", '{"fieldn\\u0061me1": 1}', "fieldname1: 1")
refused("string_ends_in_escape", '{"optionalString": "abc\\')
refused("unquoted_field_name", "{fieldname1: 1}")
refused("trailing_comma", '{"fieldname1":1,}')
refused("trailing_comma_after_space", '{"fieldname1":1 ,}')
refused("trailing_comma_between_spaces", '{"fieldname1":1 , }')
refused("trailing_comma_before_newline", '{\n "fieldname1":1,\n}')
refused("comment", '{\n // a comment\n "fieldname1": 1\n}')
for label, text in [
    ("one_line_no_spaces", '{"optionalInt32":1,"optionalInt64":2}'),
    ("one_line_spaces", '{ "optionalInt32" : 1 , "optionalInt64" : 2 }'),
    ("lines_no_spaces", '{\n"optionalInt32"\n:\n1\n,\n"optionalInt64"\n:\n2\n}'),
    ("lines_and_spaces", '{\n  "optionalInt32"  :  1\n  ,\n  "optionalInt64"  :  2\n}\n'),
]:
    valid(label, text, "optional_int32: 1 optional_int64: 2")
refused("missing_comma", '{ "optionalInt32": 1 "optionalInt64": 2 }')
refused("missing_comma_lines", '{\n  "optionalInt32": 1\n  "optionalInt64": 2\n}')
either("same_field_twice", '{"optionalInner": {"a": 1}, "optionalInner": {}}', "optional_inner: {}")
either(
    "same_field_proto_then_json_name",
    '{"optional_inner": {"a": 1}, "optionalInner": {}}',
    "optional_inner: {}",
)
either(
    "same_field_json_then_proto_name",
    '{"optionalInner": {"a": 1}, "optional_inner": {}}',
    "optional_inner: {}",
)
printed(
    "printed_in_lower_camel",
    '{"fieldname1": 1, "fieldName2": 2, "FieldName3": 3, "fieldName4": 4}',
    lambda v: set(v) == {"fieldname1", "fieldName2", "FieldName3", "fieldName4"},
)
printed(
    "printed_with_digits",
    '{"field0name5": 5, "field0Name6": 6}',
    lambda v: set(v) == {"field0name5", "field0Name6"},
)
printed(
    "printed_mixed_case",
    '{"fieldName7": 7, "FieldName8": 8, "fieldName9": 9, "FieldName10": 10, "FIELDNAME11": 11, "FIELDName12": 12}',
    lambda v: (
        set(v) == {"fieldName7", "FieldName8", "fieldName9", "FieldName10", "FIELDNAME11", "FIELDName12"}
    ),
)
printed(
    "printed_double_underscores",
    '{"FieldName13": 13, "FieldName14": 14, "fieldName15": 15, "fieldName16": 16, "fieldName17": 17, '
    '"FieldName18": 18}',
    lambda v: (
        set(v) == {"FieldName13", "FieldName14", "fieldName15", "fieldName16", "fieldName17", "FieldName18"}
    ),
)
printed("zero_left_out", one("FieldName13", 0), lambda v: "FieldName13" not in v)

# -- singular fields ----------------------------------------------------------------------
_category = "Integers"
valid("int32_max", one("optionalInt32", 2147483647), "optional_int32: 2147483647")
valid("int32_min", one("optionalInt32", -2147483648), "optional_int32: -2147483648")
valid("uint32_max", one("optionalUint32", 4294967295), "optional_uint32: 4294967295")
valid("int64_max", one("optionalInt64", '"9223372036854775807"'), "optional_int64: 9223372036854775807")
valid("int64_min", one("optionalInt64", '"-9223372036854775808"'), "optional_int64: -9223372036854775808")
valid("uint64_max", one("optionalUint64", '"18446744073709551615"'), "optional_uint64: 18446744073709551615")
valid(
    "int64_unquoted_large", one("optionalInt64", 9223372036854774784), "optional_int64: 9223372036854774784"
)
valid(
    "int64_unquoted_min", one("optionalInt64", -9223372036854775808), "optional_int64: -9223372036854775808"
)
valid(
    "uint64_unquoted_large",
    one("optionalUint64", 18446744073709549568),
    "optional_uint64: 18446744073709549568",
)
valid("int32_as_string", one("optionalInt32", '"2147483647"'), "optional_int32: 2147483647")
valid("int32_as_escaped_string", one("optionalInt32", '"2\\u003147483647"'), "optional_int32: 2147483647")
valid("int32_zero_as_string", one("optionalInt32", '"0"'), "optional_int32: 0")
valid("int32_exponent_in_string", one("optionalInt32", '"1e5"'), "optional_int32: 100000")
refused("int32_too_large", one("optionalInt32", 2147483648))
refused("int32_too_small", one("optionalInt32", -2147483649))
refused("uint32_too_large", one("optionalUint32", 4294967296))
refused("int64_too_large", one("optionalInt64", '"9223372036854775808"'))
refused("int64_too_small", one("optionalInt64", '"-9223372036854775809"'))
refused("uint64_too_large", one("optionalUint64", '"18446744073709551616"'))
refused("uint64_huge_exponent", one("optionalUint64", '"1e536870000"'))
refused("int32_fraction", one("optionalInt32", 0.5))
refused("uint32_fraction", one("optionalUint32", 0.5))
refused("int64_fraction", one("optionalInt64", '"0.5"'))
refused("uint64_fraction", one("optionalUint64", '"0.5"'))
refused("int32_true", one("optionalInt32", "true"))
refused("int32_false", one("optionalInt32", "false"))
for label, raw in [
    ("trailing_letters", '"12abc"'),
    ("inner_space", '"12 34"'),
    ("inner_comma", '"12,34"'),
    ("inner_han", '"12\u8c37\u6b4c34"'),
    ("letters", '"abc"'),
    ("empty", '""'),
    ("not_a_number", '"3x3"'),
    ("leading_space", '" 1"'),
    ("trailing_space", '"1 "'),
]:
    refused(f"int32_string_{label}", one("optionalInt32", raw))
refused("uint32_empty_string", one("optionalUint32", '""'))
refused("int64_empty_string", one("optionalInt64", '""'))
refused("uint64_empty_string", one("optionalUint64", '""'))
refused("uint32_not_a_number", one("optionalUint32", '"3x3"'))
refused("int64_not_a_number", one("optionalInt64", '"3x3"'))
refused("uint64_not_a_number", one("optionalUint64", '"3x3"'))
valid("int32_float_zero_fraction", one("optionalInt32", "100000.000"), "optional_int32: 100000")
valid("int32_exponent", one("optionalInt32", "1e5"), "optional_int32: 100000")
valid("int32_max_as_float", one("optionalInt32", "2.147483647e9"), "optional_int32: 2147483647")
valid("int32_min_as_float", one("optionalInt32", "-2.147483648e9"), "optional_int32: -2147483648")
valid("uint32_max_as_float", one("optionalUint32", "4.294967295e9"), "optional_uint32: 4294967295")
refused("plus_sign", one("optionalInt32", "+1"))
refused("leading_zero", one("optionalInt32", "01"))
refused("negative_leading_zero", one("optionalInt32", "-01"))
printed("int64_printed_as_string", one("optionalInt64", 1), lambda v: v["optionalInt64"] == "1")
printed("uint64_printed_as_string", one("optionalUint64", 1), lambda v: v["optionalUint64"] == "1")
for kind in ("Sint32", "Sint64", "Fixed32", "Fixed64", "Sfixed32", "Sfixed64"):
    snake = kind.lower()
    valid(f"{snake}_value", one(f"optional{kind}", 7), f"optional_{snake}: 7")
valid("sint64_min", one("optionalSint64", '"-9223372036854775808"'), "optional_sint64: -9223372036854775808")
valid(
    "fixed64_max", one("optionalFixed64", '"18446744073709551615"'), "optional_fixed64: 18446744073709551615"
)
refused("fixed32_negative", one("optionalFixed32", -1))
refused("sfixed32_too_large", one("optionalSfixed32", 2147483648))

_category = "Bool"
valid("true", '{"optionalBool":true}', "optional_bool: true")
valid("false", '{"optionalBool":false}', "optional_bool: false")
for label, raw in [
    ("zero", "0"),
    ("one", "1"),
    ("capital_true", "True"),
    ("capital_false", "False"),
    ("upper_true", "TRUE"),
    ("upper_false", "FALSE"),
    ("quoted_true", '"true"'),
    ("quoted_false", '"false"'),
]:
    refused(f"bool_from_{label}", one("optionalBool", raw))

_category = "FloatingPoint"
for prefix, field, snake, tiny, big, too_big in [
    ("float", "optionalFloat", "optional_float", "1.175494e-38", "3.402823e+38", "3.502823e+38"),
    ("double", "optionalDouble", "optional_double", "2.22507e-308", "1.79769e+308", "1.89769e+308"),
]:
    valid(f"{prefix}_smallest_positive", one(field, tiny), f"{snake}: {tiny}")
    valid(f"{prefix}_smallest_negative", one(field, "-" + tiny), f"{snake}: -{tiny}")
    valid(f"{prefix}_largest", one(field, big), f"{snake}: {big}")
    valid(f"{prefix}_most_negative", one(field, "-" + big), f"{snake}: -{big}")
    valid(f"{prefix}_quoted", one(field, '"1"'), f"{snake}: 1")
    valid(f"{prefix}_quoted_exponent", one(field, f'"{tiny}"'), f"{snake}: {tiny}")
    valid(f"{prefix}_nan", one(field, '"NaN"'), f"{snake}: nan")
    valid(f"{prefix}_infinity", one(field, '"Infinity"'), f"{snake}: inf")
    valid(f"{prefix}_negative_infinity", one(field, '"-Infinity"'), f"{snake}: -inf")
    refused(f"{prefix}_bare_nan", one(field, "NaN"))
    refused(f"{prefix}_bare_infinity", one(field, "Infinity"))
    refused(f"{prefix}_bare_negative_infinity", one(field, "-Infinity"))
    refused(f"{prefix}_too_small", one(field, "-" + too_big))
    refused(f"{prefix}_too_large", one(field, too_big))
    for label, raw in [
        ("empty", '""'),
        ("trailing_letters", '"12abc"'),
        ("letters", '"abc"'),
        ("inner_space", '"12 34"'),
        ("inner_comma", '"12,34"'),
        ("true", "true"),
        ("false", "false"),
    ]:
        refused(f"{prefix}_from_{label}", one(field, raw))
from_binary(
    "float_quiet_nan_normalised",
    b"\x5d" + struct.pack("<I", 0x7FA12345),
    lambda v: v["optionalFloat"] == "NaN",
)
from_binary(
    "float_signalling_nan_normalised",
    b"\x5d" + struct.pack("<I", 0xFFB54321),
    lambda v: v["optionalFloat"] == "NaN",
)
from_binary(
    "double_quiet_nan_normalised",
    b"\x61" + struct.pack("<Q", 0x7FFA123456789ABC),
    lambda v: v["optionalDouble"] == "NaN",
)
from_binary(
    "double_signalling_nan_normalised",
    b"\x61" + struct.pack("<Q", 0xFFFBCBA987654321),
    lambda v: v["optionalDouble"] == "NaN",
)
printed(
    "infinity_printed_as_string",
    one("optionalDouble", '"-Infinity"'),
    lambda v: v["optionalDouble"] == "-Infinity",
)

_category = "Enums"
valid("by_name", one("optionalColour", '"RED"'), "optional_colour: RED")
valid("alias_name", one("optionalAliased", '"ALIAS_TWO"'), "optional_aliased: ALIAS_TWO")
valid("other_alias", one("optionalAliased", '"COW"'), "optional_aliased: ALIAS_TWO")
valid("lower_case_alias", one("optionalAliased", '"cow"'), "optional_aliased: ALIAS_TWO")
valid("mixed_case_alias", one("optionalAliased", '"aLiAs"'), "optional_aliased: ALIAS_TWO")
refused("bare_name", one("optionalColour", "RED"))
valid("number_zero", one("optionalColour", 0), "optional_colour: RED")
valid("number_nonzero", one("optionalColour", 1), "optional_colour: GREEN")
valid("negative_value", one("optionalColour", '"MINUS"'), "optional_colour: MINUS")
refused("name_in_list", one("optionalColour", '["RED"]'))
refused("number_in_list", one("optionalColour", "[2]"))
refused("true", one("optionalColour", "true"))
refused("false", one("optionalColour", "false"))
printed(
    "unknown_number_printed_as_number",
    one("optionalColour", 123),
    lambda v: v["optionalColour"] == 123 and type(v["optionalColour"]) is int,
)
printed("known_number_printed_as_name", one("optionalColour", 2), lambda v: v["optionalColour"] == "BLUE")

_category = "UnknownEnumNames"
for where, text in [
    ("singular", one("optional_colour", '"NO_SUCH_NAME"')),
    ("repeated", one("repeated_colour", '["NO_SUCH_NAME"]')),
    ("map_value", one("map_string_colour", '{"key": "NO_SUCH_NAME"}')),
]:
    refused(f"unknown_name_refused_{where}", text)
    lenient(f"unknown_name_ignored_{where}", text, "")
lenient(
    "unknown_name_dropped_from_list",
    one("repeated_colour", '["RED", "NO_SUCH_NAME", "RED"]'),
    "repeated_colour: RED repeated_colour: RED",
)
lenient(
    "unknown_name_dropped_from_map",
    one("map_string_colour", '{"key1": "RED", "key2": "NO_SUCH_NAME"}'),
    'map_string_colour: {key: "key1" value: RED}',
)

_category = "Strings"
valid("plain", one("optionalString", '"Hello world!"'), 'optional_string: "Hello world!"')
valid("non_ascii", one("optionalString", '"\u8c37\u6b4c"'), 'optional_string: "\u8c37\u6b4c"')
valid("escapes", one("optionalString", r'"\"\\\/\b\f\n\r\t"'), r'optional_string: "\"\\/\b\f\n\r\t"')
valid("unicode_escapes", one("optionalString", r'"\u8C37\u6B4C"'), 'optional_string: "\u8c37\u6b4c"')
valid(
    "lower_case_unicode_escapes", one("optionalString", r'"\u8c37\u6b4c"'), 'optional_string: "\u8c37\u6b4c"'
)
valid("surrogate_pair", one("optionalString", r'"\uD83D\uDE01"'), r'optional_string: "\xF0\x9F\x98\x81"')
valid("embedded_nul", one("optionalString", r'"Hello\u0000world!"'), r'optional_string: "Hello\000world!"')
refused("upper_case_u_escape", one("optionalString", r'"\U8C37\U6b4C"'))
refused("bad_escape_digits", one("optionalString", r'"\uXXXX\u6B4C"'))
refused("short_escape", one("optionalString", r'"\u8C3"'))
refused("lone_high_surrogate", one("optionalString", r'"\uD800"'))
refused("lone_low_surrogate", one("optionalString", r'"\uDC00"'))
refused("surrogates_swapped", one("optionalString", r'"\uDE01\uD83D"'))
refused("number_for_string", one("optionalString", 12345))
refused("single_quoted_key", "{'optionalString': \"Hello world!\"}")
refused("single_quoted_value", "{\"optionalString\": 'Hello world!'}")
refused("single_quoted_both", "{'optionalString': 'Hello world!'}")

_category = "Bytes"
valid("standard_alphabet", one("optionalBytes", '"AQI="'), r'optional_bytes: "\x01\x02"')
valid("url_alphabet", one("optionalBytes", '"-_"'), r'optional_bytes: "\xfb"')
valid("no_padding", one("optionalBytes", '"AQI"'), r'optional_bytes: "\x01\x02"')
printed("printed_standard_padded", one("optionalBytes", '"-_8"'), lambda v: v["optionalBytes"] == "+/8=")
refused("not_base64", one("optionalBytes", '"@@@"'))

_category = "Messages"
valid("nested", one("optionalInner", '{"a": 1234}'), "optional_inner: {a: 1234}")
valid(
    "nested_recursive",
    one("optionalInner", '{"back": {"optionalInt32": 3}}'),
    "optional_inner: {back: {optional_int32: 3}}",
)
refused("nested_not_object", one("optionalInner", "1"))
valid("proto3_optional_zero_kept", one("proto3OptionalInt32", 0), "proto3_optional_int32: 0")
printed(
    "proto3_optional_zero_printed", one("proto3OptionalInt32", 0), lambda v: v == {"proto3OptionalInt32": 0}
)

_category = "Oneofs"
either("two_members", '{"oneofUint32": 1, "oneofString": "test"}', 'oneof_string: "test"')
either("two_members_reversed", '{"oneofString": "test", "oneofUint32": 1}', "oneof_uint32: 1")
valid("null_member_first", '{"oneofUint32": null, "oneofString": "test"}', 'oneof_string: "test"')
valid("null_member_second", '{"oneofString": "test", "oneofUint32": null}', 'oneof_string: "test"')
valid("zero_uint32", one("oneofUint32", 0), "oneof_uint32: 0")
valid("empty_message", one("oneofInner", "{}"), "oneof_inner: {}")
valid("empty_string", one("oneofString", '""'), 'oneof_string: ""')
valid("empty_bytes", one("oneofBytes", '""'), 'oneof_bytes: ""')
valid("false", one("oneofBool", "false"), "oneof_bool: false")
valid("zero_uint64", one("oneofUint64", 0), "oneof_uint64: 0")
valid("zero_float", one("oneofFloat", "0.0"), "oneof_float: 0")
valid("zero_double", one("oneofDouble", "0.0"), "oneof_double: 0")
valid("zero_enum", one("oneofColour", '"RED"'), "oneof_colour: RED")
printed("zero_member_printed", one("oneofUint32", 0), lambda v: v == {"oneofUint32": 0})

_category = "Maps"
for key, snake in [
    ("Int32Int32", "int32_int32"),
    ("Uint32Uint32", "uint32_uint32"),
    ("Int64Int64", "int64_int64"),
    ("Uint64Uint64", "uint64_uint64"),
]:
    valid(
        f"{snake}",
        one(f"map{key}", '{"1": 2, "3": 4}'),
        f"map_{snake}: {{key: 1 value: 2}} map_{snake}: {{key: 3 value: 4}}",
    )
    refused(f"{snake}_bare_keys", one(f"map{key}", "{1: 2, 3: 4}"))
valid(
    "bool_bool",
    one("mapBoolBool", '{"true": true, "false": false}'),
    "map_bool_bool: {key: true value: true} map_bool_bool: {key: false value: false}",
)
refused("bool_bare_keys", one("mapBoolBool", "{true: true, false: false}"))
refused("bool_bad_key", one("mapBoolBool", '{"yes": true}'))
refused("int32_bad_key", one("mapInt32Int32", '{"x": 1}'))
valid(
    "message_values",
    one("mapStringInner", '{"hello": {"a": 1234}, "world": {"a": 5678}}'),
    'map_string_inner: {key: "hello" value: {a: 1234}} map_string_inner: {key: "world" value: {a: 5678}}',
)
valid("escaped_int32_key", one("mapInt32Int32", r'{"\u0031": 2}'), "map_int32_int32: {key: 1 value: 2}")
valid("escaped_int64_key", one("mapInt64Int64", r'{"\u0031": 2}'), "map_int64_int64: {key: 1 value: 2}")
valid(
    "escaped_bool_key", one("mapBoolBool", r'{"tr\u0075e": true}'), "map_bool_bool: {key: true value: true}"
)
valid(
    "wrapper_values",
    one("mapStringInt32Wrapper", '{"a": 0}'),
    'map_string_int32_wrapper: {key: "a" value: {}}',
)
valid(
    "timestamp_values",
    one("mapStringTimestamp", '{"a": "1970-01-01T00:00:01Z"}'),
    'map_string_timestamp: {key: "a" value: {seconds: 1}}',
)
valid(
    "value_values",
    one("mapStringValue", '{"a": null}'),
    'map_string_value: {key: "a" value: {null_value: NULL_VALUE}}',
)
printed(
    "printed_keys_are_strings",
    one("mapInt64Int64", '{"-5": "7"}'),
    lambda v: v["mapInt64Int64"] == {"-5": "7"},
)

# -- repeated fields ----------------------------------------------------------------------
_category = "RepeatedFields"
valid("int32_list", one("repeatedInt32", "[1, 2, 3, 4]"), "repeated_int32: [1, 2, 3, 4]")
valid("enum_list", one("repeatedColour", '["RED", "GREEN", "BLUE"]'), "repeated_colour: [RED, GREEN, BLUE]")
valid("string_list", one("repeatedString", '["Hello", "world"]'), 'repeated_string: ["Hello", "world"]')
valid("bytes_list", one("repeatedBytes", '["AAEC", "AQI="]'), r'repeated_bytes: ["\x00\x01\x02", "\x01\x02"]')
valid(
    "message_list",
    one("repeatedInner", '[{"a": 1234}, {"a": 5678}]'),
    "repeated_inner: {a: 1234} repeated_inner: {a: 5678}",
)
for label, field, raw in [
    ("ints_with_bool", "repeatedInt32", "[1, false, 3, 4]"),
    ("ints_with_string", "repeatedInt32", '[1, 2, "name", 4]'),
    ("ints_with_object", "repeatedInt32", '[1, 2, 3, {"a": 4}]'),
    ("strings_with_int", "repeatedString", '["1", 2, "3", "4"]'),
    ("strings_with_bool", "repeatedString", '["1", "2", false, "4"]'),
    ("strings_with_object", "repeatedString", '["1", 2, "3", {"a": 4}]'),
    ("messages_with_int", "repeatedInner", '[{"a": 1}, 2]'),
    ("messages_with_bool", "repeatedInner", '[{"a": 1}, false]'),
    ("messages_with_string", "repeatedInner", '[{"a": 1}, "2"]'),
    ("int_not_in_list", "repeatedInt32", "1"),
    ("message_not_in_list", "repeatedInner", '{"a": 1}'),
    ("trailing_comma", "repeatedInt32", "[1, 2, 3, 4,]"),
    ("trailing_comma_after_space", "repeatedInt32", "[1, 2, 3, 4 ,]"),
    ("trailing_comma_between_spaces", "repeatedInt32", "[1, 2, 3, 4 , ]"),
    ("trailing_comma_lines", "repeatedInt32", "[\n  1,\n  2,\n  3,\n  4,\n]"),
]:
    refused(label, one(field, raw))

_category = "Nulls"
_NULLABLE = [
    "optionalInt32", "optionalInt64", "optionalUint32", "optionalUint64", "optionalSint32", "optionalSint64",
    "optionalFixed32", "optionalFixed64", "optionalSfixed32", "optionalSfixed64", "optionalFloat",
    "optionalDouble", "optionalBool", "optionalString", "optionalBytes", "optionalColour", "optionalInner",
    "repeatedInt32", "repeatedInt64", "repeatedUint32", "repeatedUint64", "repeatedSint32", "repeatedSint64",
    "repeatedFixed32", "repeatedFixed64", "repeatedSfixed32", "repeatedSfixed64", "repeatedFloat",
    "repeatedDouble", "repeatedBool", "repeatedString", "repeatedBytes", "repeatedColour", "repeatedInner",
    "mapInt32Int32", "mapBoolBool", "mapStringInner",
]  # fmt: skip
valid("null_for_every_field", "{" + ", ".join(f'"{n}": null' for n in _NULLABLE) + "}", "")
refused("null_in_int_list", one("repeatedInt32", "[1, null, 2]"))
refused("null_in_message_list", one("repeatedInner", '[{"a":1}, null, {"a":2}]'))
refused("null_map_key", one("mapInt32Int32", "{null: 1}"))
refused("null_map_value", one("mapInt32Int32", '{"0": null}'))

# -- well-known types ---------------------------------------------------------------------
_category = "Wrappers"
for kind, zero, text_zero in [
    ("Bool", "false", "false"),
    ("Int32", "0", "0"),
    ("Uint32", "0", "0"),
    ("Int64", "0", "0"),
    ("Uint64", "0", "0"),
    ("Float", "0", "0"),
    ("Double", "0", "0"),
    ("String", '""', '""'),
    ("Bytes", '""', '""'),
]:
    snake = kind.lower()
    valid(
        f"{snake}_zero",
        one(f"optional{kind}Wrapper", zero),
        f"optional_{snake}_wrapper: {{value: {text_zero}}}",
    )
valid(
    "every_wrapper_set",
    '{"optionalBoolWrapper": true, "optionalInt32Wrapper": 1, "optionalUint32Wrapper": 1, '
    '"optionalInt64Wrapper": "1", "optionalUint64Wrapper": "1", "optionalFloatWrapper": 1, '
    '"optionalDoubleWrapper": 1, "optionalStringWrapper": "1", "optionalBytesWrapper": "AQI="}',
    "optional_bool_wrapper: {value: true} optional_int32_wrapper: {value: 1} "
    "optional_uint32_wrapper: {value: 1} optional_int64_wrapper: {value: 1} "
    "optional_uint64_wrapper: {value: 1} optional_float_wrapper: {value: 1} "
    'optional_double_wrapper: {value: 1} optional_string_wrapper: {value: "1"} '
    r'optional_bytes_wrapper: {value: "\x01\x02"}',
)
for kind, raw, text in [
    ("Bool", "[true, false]", "{value: true} {value: false}"),
    ("Int32", "[0, 1]", "{value: 0} {value: 1}"),
    ("Uint32", "[0, 1]", "{value: 0} {value: 1}"),
    ("Int64", "[0, 1]", "{value: 0} {value: 1}"),
    ("Uint64", "[0, 1]", "{value: 0} {value: 1}"),
    ("Float", "[0, 1]", "{value: 0} {value: 1}"),
    ("Double", "[0, 1]", "{value: 0} {value: 1}"),
    ("String", '["", "AQI="]', '{value: ""} {value: "AQI="}'),
    ("Bytes", '["", "AQI="]', r'{value: ""} {value: "\x01\x02"}'),
]:
    snake = kind.lower()
    items = " ".join(f"repeated_{snake}_wrapper: {item}}}" for item in text.split("} ") if item.strip("}"))
    valid(f"repeated_{snake}", one(f"repeated{kind}Wrapper", raw), items.replace("}}", "}"))
_WRAPPERS = [f"{p}{k}Wrapper" for p in ("optional", "repeated") for k in ("Bool", "Int32", "Uint32", "Int64", "Uint64", "Float", "Double", "String", "Bytes")]  # fmt: skip
valid("null_for_every_wrapper", "{" + ", ".join(f'"{n}": null' for n in _WRAPPERS) + "}", "")
refused("int32_wrapper_too_large", one("optionalInt32Wrapper", 2147483648))
printed(
    "int64_wrapper_printed_as_string",
    one("optionalInt64Wrapper", 5),
    lambda v: v["optionalInt64Wrapper"] == "5",
)

_category = "Duration"
valid(
    "most_negative",
    one("optionalDuration", '"-315576000000.999999999s"'),
    "optional_duration: {seconds: -315576000000 nanos: -999999999}",
)
valid(
    "largest",
    one("optionalDuration", '"315576000000.999999999s"'),
    "optional_duration: {seconds: 315576000000 nanos: 999999999}",
)
valid(
    "list",
    one("repeatedDuration", '["1.5s", "-1.5s"]'),
    "repeated_duration: {seconds: 1 nanos: 500000000} repeated_duration: {seconds: -1 nanos: -500000000}",
)
valid("null", one("optionalDuration", "null"), "")
valid("negative_seconds", one("optionalDuration", '"-5s"'), "optional_duration: {seconds: -5}")
valid("negative_fraction", one("optionalDuration", '"-0.5s"'), "optional_duration: {nanos: -500000000}")
valid("microseconds", one("optionalDuration", '"1.000001s"'), "optional_duration: {seconds: 1 nanos: 1000}")
refused("no_unit", one("optionalDuration", '"1"'))
refused("below_range", one("optionalDuration", '"-315576000001.000000000s"'))
refused("above_range", one("optionalDuration", '"315576000001.000000000s"'))
refused("not_a_string", one("optionalDuration", "1"))
unprintable("binary_below_range", "optional_duration: {seconds: -315576000001}")
unprintable("binary_above_range", "optional_duration: {seconds: 315576000001}")
unprintable("binary_nanos_against_seconds", "optional_duration: {seconds: 1 nanos: -1}")
unprintable("binary_nanos_against_negative_seconds", "optional_duration: {seconds: -1 nanos: 1}")
unprintable("binary_nanos_too_negative", "optional_duration: {seconds: -1 nanos: -1000000000}")
unprintable("binary_nanos_too_large", "optional_duration: {seconds: 1 nanos: 1000000000}")
printed(
    "whole_seconds_no_fraction",
    one("optionalDuration", '"1.000000000s"'),
    lambda v: v["optionalDuration"] == "1s",
)
printed(
    "milliseconds_three_digits",
    one("optionalDuration", '"1.010000000s"'),
    lambda v: v["optionalDuration"] == "1.010s",
)
printed(
    "microseconds_six_digits",
    one("optionalDuration", '"1.000010000s"'),
    lambda v: v["optionalDuration"] == "1.000010s",
)
printed(
    "nanoseconds_nine_digits",
    one("optionalDuration", '"1.000000010s"'),
    lambda v: v["optionalDuration"] == "1.000000010s",
)

_category = "Timestamp"
valid(
    "earliest",
    one("optionalTimestamp", '"0001-01-01T00:00:00Z"'),
    "optional_timestamp: {seconds: -62135596800}",
)
valid(
    "latest",
    one("optionalTimestamp", '"9999-12-31T23:59:59.999999999Z"'),
    "optional_timestamp: {seconds: 253402300799 nanos: 999999999}",
)
valid(
    "latest_microsecond",
    one("optionalTimestamp", '"9999-12-31T23:59:59.999999Z"'),
    "optional_timestamp: {seconds: 253402300799 nanos: 999999000}",
)
valid(
    "list",
    one("repeatedTimestamp", '["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"]'),
    "repeated_timestamp: {seconds: -62135596800} repeated_timestamp: {seconds: 253402300799 nanos: 999999000}",
)
valid("epoch", one("optionalTimestamp", '"1970-01-01T00:00:00.000Z"'), "optional_timestamp: {seconds: 0}")
valid(
    "nanosecond_after_epoch",
    one("optionalTimestamp", '"1970-01-01T00:00:00.000000001Z"'),
    "optional_timestamp: {seconds: 0 nanos: 1}",
)
valid(
    "nanosecond_before_epoch",
    one("optionalTimestamp", '"1969-12-31T23:59:59.999999999Z"'),
    "optional_timestamp: {seconds: -1 nanos: 999999999}",
)
valid(
    "microsecond_before_epoch",
    one("optionalTimestamp", '"1969-12-31T23:59:59.999999Z"'),
    "optional_timestamp: {seconds: -1 nanos: 999999000}",
)
valid(
    "second_and_a_bit_after",
    one("optionalTimestamp", '"1970-01-01T00:00:01.000001Z"'),
    "optional_timestamp: {seconds: 1 nanos: 1000}",
)
valid(
    "ten_and_a_half_after",
    one("optionalTimestamp", '"1970-01-01T00:00:10.500Z"'),
    "optional_timestamp: {seconds: 10 nanos: 500000000}",
)
valid(
    "ten_and_a_half_before",
    one("optionalTimestamp", '"1969-12-31T23:59:49.500Z"'),
    "optional_timestamp: {seconds: -11 nanos: 500000000}",
)
valid(
    "leap_year_day",
    one("optionalTimestamp", '"1993-02-10T00:00:00.000Z"'),
    "optional_timestamp: {seconds: 729302400}",
)
valid(
    "positive_offset",
    one("optionalTimestamp", '"1970-01-01T08:00:01+08:00"'),
    "optional_timestamp: {seconds: 1}",
)
valid(
    "negative_offset",
    one("optionalTimestamp", '"1969-12-31T16:00:01-08:00"'),
    "optional_timestamp: {seconds: 1}",
)
valid("null", one("optionalTimestamp", "null"), "")
for label, raw in [
    ("year_zero", "0000-01-01T00:00:00Z"),
    ("year_ten_thousand", "10000-01-01T00:00:00Z"),
    ("no_zone", "0001-01-01T00:00:00"),
    ("no_t", "0001-01-01 00:00:00Z"),
    ("lower_z", "0001-01-01T00:00:00z"),
    ("lower_t", "0001-01-01t00:00:00Z"),
    ("offset_without_colon", "1970-01-01T08:00:01+0800"),
    ("month_13", "1970-13-01T00:00:00Z"),
    ("month_0", "1970-00-01T00:00:00Z"),
    ("day_32", "1970-01-32T00:00:00Z"),
    ("day_0", "1970-01-00T00:00:00Z"),
    ("hour_24", "1970-01-01T24:00:00Z"),
    ("hour_25", "1970-01-01T25:00:00Z"),
    ("minute_60", "1970-01-01T00:60:00Z"),
    ("second_60", "1970-01-01T00:00:60Z"),
    ("offset_hour_24", "1970-01-01T00:00:00+24:00"),
    ("offset_minute_60", "1970-01-01T00:00:00+00:60"),
    ("offset_before_year_1", "0001-01-01T00:00:00+00:01"),
    ("offset_after_year_9999", "9999-12-31T23:59:59-00:01"),
    ("ten_fraction_digits", "1970-01-01T00:00:00.1234567890Z"),
    ("letter_in_fraction", "1970-01-01T00:00:00.123aZ"),
    ("three_digit_year", "999-01-01T00:00:00Z"),
    ("five_digit_year", "00001-01-01T00:00:00Z"),
    ("one_digit_month", "1970-1-01T00:00:00Z"),
    ("one_digit_day", "1970-01-1T00:00:00Z"),
    ("feb_29_not_leap", "2001-02-29T00:00:00Z"),
]:
    refused(label, one("optionalTimestamp", f'"{raw}"'))
valid(
    "feb_29_leap",
    one("optionalTimestamp", '"2000-02-29T00:00:00Z"'),
    "optional_timestamp: {seconds: 951782400}",
)
valid(
    "offset_moves_the_day",
    one("optionalTimestamp", '"1970-01-02T01:00:00+02:00"'),
    "optional_timestamp: {seconds: 82800}",
)
valid(
    "offset_at_earliest",
    one("optionalTimestamp", '"0001-01-01T00:00:00-00:01"'),
    "optional_timestamp: {seconds: -62135596740}",
)
valid(
    "offset_at_latest",
    one("optionalTimestamp", '"9999-12-31T23:59:59+00:01"'),
    "optional_timestamp: {seconds: 253402300739}",
)
valid(
    "half_hour_offset",
    one("optionalTimestamp", '"1970-01-01T00:00:00-11:30"'),
    "optional_timestamp: {seconds: 41400}",
)
unprintable("binary_before_year_1", "optional_timestamp: {seconds: -62135596801}")
unprintable("binary_after_year_9999", "optional_timestamp: {seconds: 253402300800}")
unprintable("binary_negative_nanos", "optional_timestamp: {seconds: 5000 nanos: -1}")
unprintable("binary_nanos_too_large", "optional_timestamp: {seconds: 5000 nanos: 1000000000}")
printed(
    "printed_in_utc",
    one("optionalTimestamp", '"1969-12-31T16:00:00-08:00"'),
    lambda v: v["optionalTimestamp"] == "1970-01-01T00:00:00Z",
)
printed(
    "whole_seconds_no_fraction",
    one("optionalTimestamp", '"1970-01-01T00:00:00.000000000Z"'),
    lambda v: v["optionalTimestamp"] == "1970-01-01T00:00:00Z",
)
printed(
    "milliseconds_three_digits",
    one("optionalTimestamp", '"1970-01-01T00:00:00.010000000Z"'),
    lambda v: v["optionalTimestamp"] == "1970-01-01T00:00:00.010Z",
)
printed(
    "microseconds_six_digits",
    one("optionalTimestamp", '"1970-01-01T00:00:00.000010000Z"'),
    lambda v: v["optionalTimestamp"] == "1970-01-01T00:00:00.000010Z",
)
printed(
    "nanoseconds_nine_digits",
    one("optionalTimestamp", '"1970-01-01T00:00:00.000000010Z"'),
    lambda v: v["optionalTimestamp"] == "1970-01-01T00:00:00.000000010Z",
)

_category = "FieldMask"
valid(
    "paths", one("optionalFieldMask", '"foo,barBaz"'), 'optional_field_mask: {paths: "foo" paths: "bar_baz"}'
)
valid("empty", one("optionalFieldMask", '""'), "optional_field_mask: {}")
valid(
    "dotted_paths",
    one("optionalFieldMask", '"a.bC,dE.f"'),
    'optional_field_mask: {paths: "a.b_c" paths: "d_e.f"}',
)
refused("underscore_in_json", one("optionalFieldMask", '"foo,bar_bar"'))
unprintable("camel_path_in_binary", 'optional_field_mask: {paths: "fooBar"}')
unprintable("digit_after_underscore", 'optional_field_mask: {paths: "foo_3_bar"}')
unprintable("double_underscore", 'optional_field_mask: {paths: "foo__bar"}')

_category = "Struct"
valid(
    "every_kind_of_value",
    one(
        "optionalStruct",
        '{"nullValue": null, "intValue": 1234, "boolValue": true, "doubleValue": 1234.5678, '
        '"stringValue": "Hello world!", "listValue": [1234, "5678"], "objectValue": {"value": 0}}',
    ),
    'optional_struct: {fields: {key: "nullValue" value: {null_value: NULL_VALUE}} '
    'fields: {key: "intValue" value: {number_value: 1234}} '
    'fields: {key: "boolValue" value: {bool_value: true}} '
    'fields: {key: "doubleValue" value: {number_value: 1234.5678}} '
    'fields: {key: "stringValue" value: {string_value: "Hello world!"}} '
    'fields: {key: "listValue" value: {list_value: {values: {number_value: 1234} values: {string_value: "5678"}}}} '
    'fields: {key: "objectValue" value: {struct_value: {fields: {key: "value" value: {number_value: 0}}}}}}',
)
valid(
    "empty_list",
    one("optionalStruct", '{"listValue": []}'),
    'optional_struct: {fields: {key: "listValue" value: {list_value: {}}}}',
)
valid(
    "empty_object",
    one("optionalStruct", '{"objectValue": {}}'),
    'optional_struct: {fields: {key: "objectValue" value: {struct_value: {}}}}',
)
valid("empty", one("optionalStruct", "{}"), "optional_struct: {}")
valid(
    "list_of_structs",
    one("repeatedStruct", '[{"a": 1}, {}]'),
    'repeated_struct: {fields: {key: "a" value: {number_value: 1}}} repeated_struct: {}',
)
refused("not_an_object", one("optionalStruct", "[1]"))


def _nested_struct(depth: int) -> tuple[str, str]:
    given = one("optionalStruct", "{" + '"n": {' * depth + '"value": 1' + "}" * depth + "}")
    text = "optional_struct: {" + 'fields: {key: "n" value: {struct_value: {' * depth
    text += 'fields: {key: "value" value: {number_value: 1}}' + "}}}" * depth + "}"
    return given, text


valid("nested_25_deep", *_nested_struct(25))
refused("nested_200_deep", _nested_struct(200)[0])

_category = "Value"
valid("integer", one("optionalValue", 1), "optional_value: {number_value: 1}")
valid("fraction", one("optionalValue", 1.5), "optional_value: {number_value: 1.5}")
valid("bool", one("optionalValue", "false"), "optional_value: {bool_value: false}")
valid("null", one("optionalValue", "null"), "optional_value: {null_value: NULL_VALUE}")
valid("string", one("optionalValue", '"hello"'), 'optional_value: {string_value: "hello"}')
valid(
    "list",
    one("optionalValue", '[0, "hello"]'),
    'optional_value: {list_value: {values: {number_value: 0} values: {string_value: "hello"}}}',
)
valid(
    "object",
    one("optionalValue", '{"value": 1}'),
    'optional_value: {struct_value: {fields: {key: "value" value: {number_value: 1}}}}',
)
valid(
    "list_of_values",
    one("repeatedValue", '[["a"]]'),
    'repeated_value: {list_value: {values: {string_value: "a"}}}',
)
valid(
    "list_of_list_values",
    one("repeatedListValue", '[["a"]]'),
    'repeated_list_value: {values: {string_value: "a"}}',
)
printed(
    "null_value_in_oneof_by_name",
    one("oneofNullValue", '"NULL_VALUE"'),
    lambda v: "oneofNullValue" in v and v["oneofNullValue"] is None,
)
printed(
    "null_value_in_oneof_by_null",
    one("oneofNullValue", "null"),
    lambda v: "oneofNullValue" in v and v["oneofNullValue"] is None,
)
printed("null_value_field_left_out", one("optionalNullValue", "null"), lambda v: v == {})
unprintable("nan_number", "optional_value: {number_value: nan}")
unprintable("infinite_number", "optional_value: {number_value: inf}")
valid(
    "list_nested_25_deep",
    one("optionalValue", "[" * 25 + "1" + "]" * 25),
    "optional_value: {" + "list_value: {values: {" * 25 + "number_value: 1" + "}}" * 25 + "}",
)
refused("list_nested_200_deep", one("optionalValue", "[" * 200 + "1" + "]" * 200))
valid(
    "object_nested_25_deep",
    one("optionalValue", "{" + '"n": {' * 25 + '"value": 1' + "}" * 25 + "}"),
    "optional_value: {struct_value: {"
    + 'fields: {key: "n" value: {struct_value: {' * 25
    + 'fields: {key: "value" value: {number_value: 1}}'
    + "}}}" * 25
    + "}}",
)
refused("object_nested_200_deep", one("optionalValue", "{" + '"n": {' * 200 + '"value": 1' + "}" * 200 + "}"))

_category = "Any"
valid(
    "message",
    one("optionalAny", f'{{"@type": "{ANY_URL}", "optionalInt32": 12345}}'),
    f"optional_any: {{[{ANY_URL}] {{optional_int32: 12345}}}}",
)
valid(
    "any_in_any",
    one("optionalAny", f'{{"@type": "{WKT}Any", "value": {{"@type": "{ANY_URL}", "optionalInt32": 12345}}}}'),
    f"optional_any: {{[{WKT}Any] {{[{ANY_URL}] {{optional_int32: 12345}}}}}}",
)
valid(
    "type_after_fields",
    one("optionalAny", f'{{"optionalInt32": 12345, "@type": "{ANY_URL}"}}'),
    f"optional_any: {{[{ANY_URL}] {{optional_int32: 12345}}}}",
)
valid(
    "int32_wrapper",
    one("optionalAny", f'{{"@type": "{WKT}Int32Value", "value": 12345}}'),
    f"optional_any: {{[{WKT}Int32Value] {{value: 12345}}}}",
)
valid(
    "duration",
    one("optionalAny", f'{{"@type": "{WKT}Duration", "value": "1.5s"}}'),
    f"optional_any: {{[{WKT}Duration] {{seconds: 1 nanos: 500000000}}}}",
)
valid(
    "timestamp",
    one("optionalAny", f'{{"@type": "{WKT}Timestamp", "value": "1970-01-01T00:00:00Z"}}'),
    f"optional_any: {{[{WKT}Timestamp] {{}}}}",
)
valid(
    "field_mask",
    one("optionalAny", f'{{"@type": "{WKT}FieldMask", "value": "foo,barBaz"}}'),
    f'optional_any: {{[{WKT}FieldMask] {{paths: ["foo", "bar_baz"]}}}}',
)
valid(
    "struct",
    one("optionalAny", f'{{"@type": "{WKT}Struct", "value": {{"foo": 1}}}}'),
    f'optional_any: {{[{WKT}Struct] {{fields: {{key: "foo" value: {{number_value: 1}}}}}}}}',
)
valid(
    "value_holding_object",
    one("optionalAny", f'{{"@type": "{WKT}Value", "value": {{"foo": 1}}}}'),
    f'optional_any: {{[{WKT}Value] {{struct_value: {{fields: {{key: "foo" value: {{number_value: 1}}}}}}}}}}',
)
valid(
    "value_holding_number",
    one("optionalAny", f'{{"@type": "{WKT}Value", "value": 1}}'),
    f"optional_any: {{[{WKT}Value] {{number_value: 1}}}}",
)
refused("empty_type_and_value", one("optionalAny", '{"@type": "", "value": ""}'))
refused("type_not_a_url", one("optionalAny", '{"@type": "not_a_url", "value": ""}'))
refused("type_not_known", one("optionalAny", '{"@type": "type.googleapis.com/no.such.Type"}'))
valid("no_type", one("optionalAny", "{}"), "optional_any: {}")
valid("null", one("optionalAny", "null"), "")
valid(
    "empty_message", one("optionalAny", f'{{"@type": "{WKT}Empty"}}'), f"optional_any: {{[{WKT}Empty] {{}}}}"
)
printed(
    "printed_with_type_first",
    one("optionalAny", f'{{"optionalInt32": 1, "@type": "{ANY_URL}"}}'),
    lambda v: list(v["optionalAny"]) == ["@type", "optionalInt32"],
)
printed(
    "well_known_type_printed_under_value",
    one("optionalAny", f'{{"@type": "{WKT}Duration", "value": "2s"}}'),
    lambda v: v["optionalAny"] == {"@type": f"{WKT}Duration", "value": "2s"},
)

_category = "Empty"
valid("empty_message_field", one("optionalEmpty", "{}"), "optional_empty: {}")
printed("empty_message_printed", one("optionalEmpty", "{}"), lambda v: v == {"optionalEmpty": {}})

CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(c.category for c in CASES))


# -- running a case --------------------------------------------------------------------------


class CaseFailed(AssertionError):
    pass


def _same(google_type: Any, expected: Any, actual: Any) -> bool:
    """Equal as Google compares messages, NaN equal to NaN (the suite's rule)."""
    if expected == actual:
        return True
    a = expected.SerializeToString(deterministic=True)
    b = actual.SerializeToString(deterministic=True)
    if a == b:
        return True
    from google.protobuf import json_format

    def norm(m: Any) -> Any:
        return json.dumps(json_format.MessageToDict(m), sort_keys=True)

    try:
        return norm(expected) == norm(actual)
    except Exception:
        return False


def run(case: Case, ours: Any, google_type: Any) -> None:
    """Run one case: ``ours`` is our AllTypes class, ``google_type`` Google's. Raises CaseFailed."""
    from google.protobuf import json_format, text_format

    def expected() -> Any:
        return text_format.Parse(case.text, google_type())

    def parsed(message: Any) -> Any:
        return google_type.FromString(bytes(message))

    if case.kind in ("refused", "either"):
        try:
            message = ours.from_json(case.given)
        except Exception:
            return
        if case.kind == "refused":
            raise CaseFailed(f"accepted: {message!r}")
        if not _same(google_type, expected(), parsed(message)):
            raise CaseFailed(f"neither refused nor the expected value: {message!r}")
        return
    if case.kind in ("valid", "lenient"):
        try:
            message = ours.from_json(case.given, ignore_unknown_fields=case.kind == "lenient")
        except Exception as exc:
            raise CaseFailed(f"refused: {type(exc).__name__}: {exc}") from exc
        want = expected()
        got = parsed(message)
        if not _same(google_type, want, got):
            raise CaseFailed(f"parsed to {text_format.MessageToString(got, as_one_line=True)!r}")
        if case.kind == "valid":
            try:
                text = message.to_json()
            except Exception as exc:
                raise CaseFailed(f"cannot print it: {type(exc).__name__}: {exc}") from exc
            try:
                again = json_format.Parse(text, google_type())
            except Exception as exc:
                raise CaseFailed(f"Google refuses our JSON {text!r}: {exc}") from exc
            if not _same(google_type, want, again):
                raise CaseFailed(f"our JSON {text!r} means something else to Google")
        return
    if case.kind in ("printed", "from_binary"):
        try:
            message = ours.from_json(case.given) if case.kind == "printed" else ours.parse(case.given)
            out = json.loads(message.to_json())
        except Exception as exc:
            raise CaseFailed(f"{type(exc).__name__}: {exc}") from exc
        assert case.check is not None
        if not case.check(out):
            raise CaseFailed(f"printed {out!r}")
        return
    if case.kind == "unprintable":
        data = text_format.Parse(case.given, google_type()).SerializeToString()
        try:
            message = ours.parse(data)
        except Exception:
            return  # refused on the way in: it never reaches JSON
        try:
            text = message.to_json()
        except Exception:
            return
        raise CaseFailed(f"printed {text!r}")
    raise AssertionError(case.kind)


def google_all_types() -> Any:
    """Google's class of jsonconf.v1.AllTypes, compiled from json_fixture/."""
    from google.protobuf import descriptor_pool, message_factory

    repo = HERE.parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from codegen.loader import compile_protos

    pool = descriptor_pool.Default()
    try:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName("jsonconf.v1.AllTypes"))
    except KeyError:
        pass
    fds = compile_protos(FIXTURE)
    for file in fds.file:
        try:
            pool.FindFileByName(file.name)
        except KeyError:
            pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("jsonconf.v1.AllTypes"))


def tally(ours: Any) -> dict[str, tuple[int, int]]:
    """(passed, total) per category."""
    google_type = google_all_types()
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in CASES:
        total[case.category] += 1
        try:
            run(case, ours, google_type)
        except CaseFailed:
            continue
        except Exception:  # the runtime under test crashed in an unexpected way
            continue
        passed[case.category] += 1
    return {c: (passed[c], total[c]) for c in CATEGORIES}


def main(argv: list[str]) -> int:
    sys.path.insert(0, argv[0])
    import importlib

    module = importlib.import_module("jsonconf_api.jsonconf.v1")
    counts = tally(module.AllTypes)
    whole = sum(p == t for p, t in counts.values())
    for category, (p, t) in counts.items():
        print(f"{category:22} {p:4} / {t:<4} {'pass' if p == t else 'FAIL'}")
    cases = sum(p for p, _ in counts.values()), sum(t for _, t in counts.values())
    print(f"categories passing: {whole} / {len(counts)}; cases {cases[0]} / {cases[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
