"""Helpers shared by the SDK's cloud clients.

* ``struct_to_dict`` / ``dict_to_struct`` (and the ``Value`` pair below them):
  the one place where ``google.protobuf.Struct`` becomes a plain ``dict`` and
  back.  Configs, metadata and tabular readings all go through here.
* ``resolve_location_id``: the one place that applies the location-ID fallback
  of ``AppClient``.
* ``location_id_from_entity``: how a location ID is read from a machine address.
* ``naive_utc``: the one place where a time off the wire (aware UTC in the
  generated messages) becomes the naive UTC datetime the official SDK returns.
* ``building_deprecated`` / ``call_deprecated``: the one way the SDK builds a
  deprecated generated message or calls a deprecated RPC on a caller's behalf,
  without the generated layer's DeprecationWarning reaching the caller.
* ``with_call_timeouts``: the one place where a method's ``timeout=`` becomes
  the deadline of the RPCs it makes.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import inspect
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from typing import Any, TypeVar, overload

import betterproto2
from viam_api.google.protobuf import Struct, Value

from viam_sdk.rpc._policy import deadline_after

__all__ = [
    "building_deprecated",
    "call_deprecated",
    "dict_to_struct",
    "location_id_from_entity",
    "naive_utc",
    "python_to_value",
    "resolve_location_id",
    "struct_to_dict",
    "value_to_python",
    "with_call_timeouts",
]

T = TypeVar("T")

# The text of the generated layer's warnings: "viam.app.data.v1.TabularData is deprecated",
# "viam.app.v1.LocationAuth.secret is deprecated", "/viam.app.data.v1.DataService/TagsByFilter is deprecated".
_GENERATED_DEPRECATION = r"/?viam\.[\w.]+(/\w+)? is deprecated$"


@contextlib.contextmanager
def building_deprecated() -> Iterator[None]:
    """Silence the generated layer's DeprecationWarning while a deprecated message is built.

    For SDK methods that are not deprecated themselves but must send a message
    the API marks deprecated (``TabularDataByFilterRequest``, ...).  Only that
    warning text is filtered, and only for the ``with`` body, which must not
    ``await`` (the filter is process-wide while it is in force).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_GENERATED_DEPRECATION, category=DeprecationWarning)
        yield


class _QuietStart:
    """Await ``coro`` with the generated deprecation warning silenced during its first step only.

    A generated stub warns about a deprecated RPC as soon as its coroutine starts,
    before it first suspends; that synchronous step is all that runs with the
    filter in force, so no other task's warnings are affected.
    """

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, Any, Any]:
        coro = self._coro
        try:
            with building_deprecated():
                pending = coro.send(None)
        except StopIteration as done:
            return done.value
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 (handed on to the coroutine, as ``await`` does)
                try:
                    pending = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as done:
                    return done.value


async def call_deprecated(call: Awaitable[T]) -> T:
    """The result of a deprecated RPC's stub call, without the stub's DeprecationWarning.

    ``call`` is the un-awaited stub call, e.g. ``call_deprecated(stub.tags_by_filter(request))``.
    """
    result: T = await _QuietStart(call)
    return result


@overload
def naive_utc(moment: datetime.datetime) -> datetime.datetime: ...
@overload
def naive_utc(moment: None) -> None: ...
def naive_utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    """``moment`` as a naive datetime in UTC (None stays None; a naive one is taken as UTC already).

    The official SDK hands reading times out naive (``Timestamp.ToDatetime()``,
    ``bson.decode``); the generated messages keep them aware.
    """
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def value_to_python(value: Value) -> Any:
    """A ``google.protobuf.Value`` as plain Python (None, bool, float, str, list, dict).

    Numbers come back as floats, as the official SDK gives them (a Value holds
    a double).
    """
    kind, inner = betterproto2.which_one_of(value, "kind")
    if inner is None or kind == "null_value":
        return None
    if kind == "struct_value":
        return struct_to_dict(inner)
    if kind == "list_value":
        return [value_to_python(item) for item in inner.values]
    return inner


def struct_to_dict(struct: Struct | None) -> dict[str, Any]:
    """A ``Struct`` as a ``dict`` (an absent Struct is an empty dict).

    A Struct that came off the wire was decoded straight into this dict (no
    ``Value`` per entry): see ``Struct.to_python``.
    """
    if struct is None:
        return {}
    return struct.to_python()


def python_to_value(obj: Any) -> Value:
    """Plain Python as a ``google.protobuf.Value``.

    Accepts None, bool, int, float, str, mappings with string keys, lists and
    tuples, and datetimes (written as ISO 8601 text).

    Raises:
        TypeError: for anything else, naming the offending type.
    """
    return Struct.from_python({"": obj}).fields[""]


def dict_to_struct(mapping: Mapping[str, Any]) -> Struct:
    """A mapping with string keys as a ``Struct``, encoded at once (no ``Value`` per entry).

    Raises:
        TypeError: a key is not a string, or a value has no JSON form.
    """
    return Struct.from_python(mapping)


def location_id_from_entity(auth_entity: str | None) -> str | None:
    """The location ID inside a machine address used as an auth entity.

    ``<machine>.<location_id>.viam.cloud`` (or ``.local.viam.cloud``) gives
    ``<location_id>``; an entity without dots is taken to be the location ID
    itself.  Anything else gives None.
    """
    if not auth_entity:
        return None
    parts = auth_entity.split(".")
    if len(parts) == 1:
        return parts[0]
    if len(parts) >= 3 and parts[1]:
        return parts[1]
    return None


def resolve_location_id(location_id: str | None, default: str | None) -> str:
    """The location to use: the one given, else the client's default.

    Raises:
        ValueError: neither is set.
    """
    if location_id:
        return location_id
    if default:
        return default
    raise ValueError(
        "no location ID: pass location_id=..., or connect with a 'robot-location-secret' "
        "credential whose auth entity names the location (<machine>.<location_id>.viam.cloud)"
    )


# -- timeout= on every public method -----------------------------------------------

_TIMED = "__viam_sdk_timed__"


def _timed(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``func`` with its ``timeout`` argument turned into a deadline for every RPC it makes."""
    params = list(inspect.signature(func).parameters.values())
    index = next(i for i, p in enumerate(params) if p.name == "timeout")
    # Only a parameter that comes before any *args can be given by position.
    by_position = params[index].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD

    @functools.wraps(func)
    async def method(*args: Any, **kwargs: Any) -> Any:
        timeout = kwargs.get("timeout")
        if timeout is None and by_position and len(args) > index:
            timeout = args[index]
        if timeout is None:
            return await func(*args, **kwargs)
        with deadline_after(timeout):
            return await func(*args, **kwargs)

    setattr(method, _TIMED, True)
    return method


def with_call_timeouts(cls: type[T]) -> type[T]:
    """Make ``timeout=`` of every public async method of ``cls`` a deadline for the RPCs it makes.

    The one mechanism behind the ``timeout`` parameter of the SDK's clients:
    each public coroutine method of ``cls`` and of its mixins (classes of this
    package in its MRO) that declares ``timeout`` is wrapped, in the class that
    defines it, so that the RPCs the method makes, however many (pages,
    retries), share one deadline ``timeout`` seconds from the call
    (``viam_sdk.rpc._policy.deadline_after``); a passed deadline raises
    ``viam_sdk.errors.DeadlineExceeded``.  ``timeout=None`` (the default) sets
    no deadline.  The wrapper keeps the method's name, signature and
    docstring.  Methods that return a stream (``tail_robot_part_logs``) give it
    the deadline too: the whole stream must end by then.
    """
    for klass in cls.__mro__:
        if not klass.__module__.startswith("viam_sdk."):
            continue
        for name, member in list(vars(klass).items()):
            if name.startswith("_") or not inspect.iscoroutinefunction(member) or getattr(member, _TIMED, False):
                continue
            if "timeout" in inspect.signature(member).parameters:
                if klass is not cls:
                    # Python's own errors (an unknown keyword) name the client, not its private mixin.
                    member.__qualname__ = f"{cls.__qualname__}.{name}"
                setattr(klass, name, _timed(member))
    return cls
