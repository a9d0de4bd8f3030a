"""Table-driven decoders ("plans"), the compiled build's way to decode most messages.

A codec module describes each message it can (scalars, strings, enums, oneofs,
Timestamps, Durations, nested and repeated messages) as a table: which slot and
kind each tag fills, the attribute names and defaults.  :func:`plan_decode` runs
such a table with the generated decoder's rules, field for field; compiled, one
loop over a table beats a decoder per message run by the interpreter.  In the
pure-Python build the codec modules keep their generated decoders (``PLANS`` is
False).  The wire primitives, Timestamp/Duration reading and ``LazyTime`` are in
``_wire``; this module is compiled in the same group, so calls into it stay native.
"""

from __future__ import annotations

import enum
from typing import Any, Final

from ._wire import (
    _COMPILED,
    _MASK32,
    _MASK64,
    MAX_DEPTH,
    BadTime,
    LazyTime,
    i32,
    i64,
    new,
    raw_duration_first,
    raw_timestamp_first,
    read_tag,
    skip,
    too_deep,
    truncated,
    varint,
)

__all__ = ["PLANS", "Plan", "PlanDecoder", "plan", "plan_decode", "plan_fields"]


#: True where the codec modules decode through plans (the compiled build): there a loop
#: over a table of fields, compiled once here, beats a decoder per message run by the
#: interpreter; in the pure-Python module the generated decoders are faster and are kept.
PLANS: Final = _COMPILED

# What a plan does with one field (the ``kind`` of ``Plan.add``).
K_STRING: Final = 0
K_BYTES: Final = 1
K_INT32 = 2
K_INT64 = 3
K_UINT32 = 4
K_UINT64 = 5
K_SINT32 = 6
K_SINT64 = 7
K_BOOL: Final = 8
K_ENUM: Final = 9  # aux: the enum's value -> member map, aux2: the enum class
K_FIXED: Final = 10  # aux: the struct unpack_from of its format, aux2: its size in bytes
K_MESSAGE: Final = 11  # a singular message: aux is its decoder; a second occurrence merges
K_TIMESTAMP: Final = 12  # a singular Timestamp kept raw for LazyTime (aux2: the raw attribute);
# a value out of range waits for the end
K_DURATION: Final = 13  # the same for a Duration
K_REP_MESSAGE: Final = 14  # aux: the decoder of one item
K_REP_STRING: Final = 15
K_REP_BYTES: Final = 16


class PlanField:
    """How a plan reads one tag: into which slot, as what."""

    def __init__(self, slot: int, kind: int, aux: Any, aux2: Any, clears: list[int]) -> None:
        self.slot = slot
        self.kind = kind
        self.aux = aux
        self.aux2 = aux2
        self.clears = clears
        self.sub: Plan | None = aux.plan if isinstance(aux, PlanDecoder) else None
        self.members: dict[int, Any] = aux if kind == K_ENUM else {}  # (typed: a direct dict lookup)


class Plan:
    """The decoder of one message as data: its class, fields by tag, attribute names and defaults."""

    def __init__(self, cls: Any, label: str, names: list[str], defaults: list[Any]) -> None:
        self.cls = cls
        self.label = label
        self.names = names
        self.defaults = defaults
        # by slot: the value not stored, as the class holds it (see class_defaults), or else
        # an object no decoded value is
        self.unstored: list[Any] = [
            _ABSENT if store else default
            for store, default in zip(class_defaults(cls, names, defaults), defaults)  # noqa: B905
        ]
        self.lists: list[int] = []  # slots holding a new list per message
        self.times: list[int] = []  # slots that may hold a BadTime at the end
        self.raws: list[str] = [""] * len(names)  # by slot: the attribute of a raw Timestamp/Duration
        self.near: list[PlanField | None] = [None] * 128  # one-byte tags
        self.far: dict[int, PlanField] = {}

    def add(
        self, tag: int, slot: int, kind: int, aux: Any = None, aux2: Any = None, clears: Any = ()
    ) -> None:
        field = PlanField(slot, kind, aux, aux2, list(clears))
        if tag < 128:
            self.near[tag] = field
        else:
            self.far[tag] = field
        if kind >= K_REP_MESSAGE:
            self.lists.append(slot)
        elif kind == K_TIMESTAMP or kind == K_DURATION:
            self.times.append(slot)
            self.raws[slot] = aux2


class PlanDecoder:
    """A plan as a decoder function ``(buf, pos, end, depth) -> message``."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def __call__(self, buf: bytes, pos: int, end: int, depth: int) -> Any:
        return plan_decode(self.plan, buf, pos, end, depth)


#: The types of the defaults a class may hold for all its instances (immutable: no instance can change them).
_SHARED_DEFAULTS: Final = (str, int, float, bool, bytes, type(None))


def class_defaults(cls: Any, names: list[str], defaults: list[Any]) -> list[bool]:
    """Give ``cls`` a class attribute per field whose default is immutable, holding that default;
    by field, whether a decoded value that is the default itself must still be stored.

    betterproto2's dataclass leaves no class attribute for a field (its defaults come from
    factories), so a decoder stores every field.  With the default on the class, a decoded
    message without the field reads it from there, as ``getattr``, equality, repr, copies,
    ``dataclasses`` helpers and the encoders do; only ``vars()`` shows fewer fields.  A name
    the class (or a base) already uses for something else keeps being stored, as does a
    mutable default (a list); so does a ``LazyTime`` field's None (the instance's None
    is what keeps a read from reaching the descriptor).
    """
    store: list[bool] = []
    for name, default in zip(names, defaults):  # noqa: B905 (equal lengths)
        held = getattr(cls, name, _ABSENT)
        if isinstance(held, LazyTime):
            store.append(True)  # (None stored: read from the class, it would cost LazyTime an exception)
        elif not isinstance(default, _SHARED_DEFAULTS) and not _is_enum_member(default):
            store.append(True)
        elif held is _ABSENT:
            setattr(cls, name, default)
            store.append(False)
        else:  # a default the dataclass left on the class, or a name taken by something else
            store.append(not (type(held) is type(default) and held == default))
    return store


_ABSENT: Final = object()


def _is_enum_member(value: object) -> bool:
    return isinstance(value, enum.Enum)


def plan(namespace: dict[str, Any], name: str, cls: Any, label: str, names: Any, defaults: Any) -> None:
    """Make ``namespace[name]`` (a codec module's decoder of ``cls``) a plan, its fields added next
    (:func:`plan_fields`): every decoder, generated or planned, then calls the planned one."""
    namespace[name] = PlanDecoder(Plan(cls, label, list(names), list(defaults)))


def plan_fields(decoder: Any, fields: Any) -> None:
    """Give the plan of ``decoder`` its fields: ``(tag, slot, kind, aux, aux2, clears)`` each."""
    target: Plan = decoder.plan
    for tag, slot, kind, aux, aux2, clears in fields:
        target.add(tag, slot, kind, aux, aux2, clears)


def _earlier(plan: Plan, buf: bytes, pos: int, upto: int, want: int, slot: int) -> bytes:
    """The values of field ``want`` (in ``slot``) met in ``buf[pos:upto]``, joined, since a member
    of its oneof last cleared it: what a second occurrence merges with.  (Found again rather
    than remembered: a field met twice is rare, and remembering costs every message.)"""
    joined = b""
    while pos < upto:
        tag = buf[pos]
        pos += 1
        if tag > 127:
            tag, pos = read_tag(buf, pos, tag)
        if tag == want:
            n = buf[pos]
            pos += 1
            if n > 127:
                n, pos = varint(buf, pos, n)
            joined += buf[pos : pos + n]
            pos += n
            continue
        field = plan.near[tag] if tag < 128 else plan.far.get(tag)
        if field is not None and slot in field.clears:
            joined = b""
        pos = skip(buf, pos, tag, upto)
    return joined


def plan_decode(plan: Plan, buf: bytes, pos: int, end: int, depth: int) -> Any:
    """Decode a message by its plan: the generated decoder's rules, field for field."""
    if depth > MAX_DEPTH:
        raise too_deep(plan.label)
    values = plan.defaults.copy()
    for slot in plan.lists:
        values[slot] = []
    begin = pos
    unknown: bytes | None = None
    near = plan.near
    while pos < end:
        start = pos
        tag = buf[pos]
        pos += 1
        if tag > 127:
            tag, pos = read_tag(buf, pos, tag)  # (a short tag may come padded to more bytes)
        field = near[tag] if tag < 128 else plan.far.get(tag)
        if field is None:
            pos = skip(buf, pos, tag, end, depth)
            unknown = buf[start:pos] if unknown is None else unknown + buf[start:pos]
            continue
        kind = field.kind
        slot = field.slot
        if tag & 7 == 2:
            n = buf[pos]
            pos += 1
            if n > 127:
                n, pos = varint(buf, pos, n)
            e = pos + n
            if e > end:
                raise truncated(plan.label)
            if kind == K_STRING:
                values[slot] = buf[pos:e].decode("utf-8")
            elif kind == K_REP_MESSAGE:
                items: list[Any] = values[slot]
                sub = field.sub
                if sub is not None:
                    items.append(plan_decode(sub, buf, pos, e, depth + 1))
                else:
                    items.append(field.aux(buf, pos, e, depth + 1))
            elif kind == K_TIMESTAMP or kind == K_DURATION or kind == K_MESSAGE:
                if values[slot] is None:
                    if kind == K_TIMESTAMP:
                        values[slot] = raw_timestamp_first(buf, pos, e, depth + 1)
                    elif kind == K_DURATION:
                        values[slot] = raw_duration_first(buf, pos, e, depth + 1)
                    elif field.sub is not None:
                        values[slot] = plan_decode(field.sub, buf, pos, e, depth + 1)
                    else:
                        values[slot] = field.aux(buf, pos, e, depth + 1)
                else:  # met again: decode every occurrence as one (protobuf's merge)
                    if kind == K_TIMESTAMP:
                        again: Any = raw_timestamp_first
                    elif kind == K_DURATION:
                        again = raw_duration_first
                    else:
                        again = field.aux
                    joined = _earlier(plan, buf, begin, start, tag, slot) + buf[pos:e]
                    values[slot] = again(joined, 0, len(joined), depth + 1)
            elif kind == K_BYTES:
                values[slot] = buf[pos:e]
            elif kind == K_REP_STRING:
                values[slot].append(buf[pos:e].decode("utf-8"))
            else:  # K_REP_BYTES
                values[slot].append(buf[pos:e])
            pos = e
        elif kind == K_FIXED:
            values[slot] = field.aux(buf, pos)[0]
            pos += field.aux2
        else:
            v = buf[pos]
            pos += 1
            if v > 127:
                v, pos = varint(buf, pos, v)
                if kind == K_INT32 or kind == K_ENUM:
                    v = i32(v)
                elif kind == K_INT64:
                    v = i64(v)
                elif kind == K_UINT32 or kind == K_SINT32:
                    v &= _MASK32
                elif kind != K_BOOL:
                    v &= _MASK64
            if kind == K_ENUM:
                member = field.members.get(v)
                values[slot] = member if member is not None else field.aux2(v)
            elif kind == K_BOOL:
                values[slot] = v != 0
            elif kind == K_SINT32 or kind == K_SINT64:
                values[slot] = (v >> 1) ^ -(v & 1)
            else:
                values[slot] = v
        for other in field.clears:
            values[other] = None
    if pos != end:
        raise truncated(plan.label)
    for slot in plan.times:
        bad = values[slot]
        if isinstance(bad, BadTime):
            raise bad.error
    m = new(plan.cls)
    for name, raw, value, unstored in zip(plan.names, plan.raws, values, plan.unstored):  # noqa: B905 (equal lengths; compiled as a loop)
        if value is unstored:
            continue  # the class's own default is read instead: an attribute fewer to set and free
        if value is None or not raw:
            setattr(m, name, value)
        else:  # a Timestamp/Duration: LazyTime makes its value when first read
            setattr(m, raw, value)
    if unknown is not None:  # (else the class's b"": one attribute fewer to set per message)
        m._unknown_fields = unknown
    return m
