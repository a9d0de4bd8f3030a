"""Faults on demand: rules that make chosen RPCs fail, stall or cut their streams.

A rule names routes with a glob (``"*/GetOrganization"`` matches
``/viam.app.v1.AppService/GetOrganization``) and what happens to a call that
matches:

* ``status``: the call is refused with this gRPC status (a name such as
  ``"UNAVAILABLE"`` or ``"PERMISSION_DENIED"``), and ``message`` if given;
* ``delay_ms``: the call waits this long before it is served (or refused);
* ``cut_after``: a streaming answer ends after this many messages, with
  ``status`` (UNAVAILABLE unless given), as when a connection to the app drops;
* ``probability`` (0 to 1, default 1): the chance that the rule applies to one call;
* ``count``: how many calls it applies to, then it rests (default: no limit).

Every rule that matches a call and applies adds its delay; the first one
with a ``status`` (and no ``cut_after``) refuses the call.  Faults come before
the token check, as an outage in front of the service would.  Rules are set
from a JSON file (``serve --faults FILE.json``, a list of objects or
``{"rules": [...]}``) or at run time through ``Emulator.faults``:

```python
emulator.faults = [{"route": "*/ListLocations", "status": "UNAVAILABLE", "count": 2}]
emulator.faults.add({"route": "*/GetOrganization", "delay_ms": 400})
print(emulator.faults.list())   # JSON-ready, with "fired" and "remaining" per rule
emulator.faults.clear()
```

To exercise token renewal, refuse with ``"status": "UNAUTHENTICATED"`` and a
``message`` that says the token ``expired`` (what the SDK renews on).
A rule set that does not validate raises ``FaultRuleError`` (a ``ValueError``)
naming the rule and the field, and the rules in force stay as they were.
"""

from __future__ import annotations

import asyncio
import builtins
import fnmatch
import json
import math
import os
import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

__all__ = ["FaultRule", "FaultRuleError", "Faults", "load_rules"]

#: The keys a rule may have.
KEYS = ("route", "status", "message", "delay_ms", "probability", "count", "cut_after")
#: The longest delay a rule may ask for (ten minutes), so a typo cannot hang a suite for hours.
MAX_DELAY_MS = 600_000
_STATUSES = {status.name: status for status in Status if status is not Status.OK}


class FaultRuleError(ValueError):
    """A fault rule, or a file of them, that cannot be used; the message names the rule and the field."""


@dataclass
class FaultRule:
    """One validated rule; ``fired`` counts the calls it applied to."""

    route: str
    status: Status | None = None
    message: str | None = None
    delay_ms: float = 0.0
    probability: float = 1.0
    count: int | None = None
    cut_after: int | None = None
    fired: int = 0

    @property
    def remaining(self) -> int | None:
        """Calls it may still apply to; None: no limit."""
        return None if self.count is None else max(0, self.count - self.fired)

    def matches(self, route: str) -> bool:
        return fnmatch.fnmatchcase(route, self.route)

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready data: the keys it was given, with ``fired`` and ``remaining``."""
        out: dict[str, Any] = {"route": self.route}
        if self.status is not None:
            out["status"] = self.status.name
        if self.message is not None:
            out["message"] = self.message
        if self.delay_ms:
            out["delay_ms"] = self.delay_ms
        if self.probability != 1.0:
            out["probability"] = self.probability
        if self.count is not None:
            out["count"] = self.count
        if self.cut_after is not None:
            out["cut_after"] = self.cut_after
        out["fired"] = self.fired
        out["remaining"] = self.remaining
        return out

    def error(self) -> GRPCError:
        """What a call this rule refuses (or cuts) gets."""
        status = self.status or Status.UNAVAILABLE
        if self.message is not None:
            return GRPCError(status, self.message)
        what = "stream cut" if self.cut_after is not None else "call refused"
        return GRPCError(status, f"{what} by the emulator's fault rule for {self.route!r}")


_ROUTES: list[str] = []


def _api_routes() -> list[str]:
    """Every route of the generated API (read once), to check that a rule's glob names one."""
    if not _ROUTES:
        from .routes import api_routes

        _ROUTES.extend(sorted(api_routes()))
    return _ROUTES


def _number(rule: Mapping[str, Any], key: str, where: str) -> float | None:
    value = rule.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FaultRuleError(f"{where}: {key} must be a number, not {value!r}")
    return float(value)


def _whole(rule: Mapping[str, Any], key: str, where: str, least: int) -> int | None:
    value = rule.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise FaultRuleError(f"{where}: {key} must be a whole number, {least} or more, not {value!r}")
    return value


def parse_rule(rule: object, where: str = "rule") -> FaultRule:
    """One rule from JSON-like data (a ``FaultRule`` is copied, with ``fired`` at 0).

    Raises:
        FaultRuleError: a key it does not know, a value of the wrong kind or out of
            range, a route glob that names no RPC of the API, or a rule that does nothing.
    """
    if isinstance(rule, FaultRule):
        given = rule.as_dict()
        del given["fired"], given["remaining"]
        rule = given
    if not isinstance(rule, Mapping):
        raise FaultRuleError(f"{where}: expected an object such as "
                             f'{{"route": "*/GetOrganization", "status": "UNAVAILABLE"}}, not {rule!r}')
    # What ``Faults.list`` adds (``fired``, ``remaining``) is read-only and ignored, so a listing can be set again.
    unknown = sorted(str(k) for k in rule if k not in KEYS and k not in ("fired", "remaining"))
    if unknown:
        raise FaultRuleError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a rule has {', '.join(KEYS)}")
    route = rule.get("route")
    if not isinstance(route, str) or not route:
        raise FaultRuleError(f'{where}: "route" is required, a glob such as "*/GetOrganization"')
    if not any(fnmatch.fnmatchcase(known, route) for known in _api_routes()):
        raise FaultRuleError(
            f"{where}: route {route!r} names no RPC of the API; routes look like "
            f"'/viam.app.v1.AppService/GetOrganization' (a glob: '*/GetOrganization', '/viam.app.v1.AppService/*')"
        )
    status: Status | None = None
    if rule.get("status") is not None:
        name = rule["status"]
        status = _STATUSES.get(name.upper()) if isinstance(name, str) else None
        if status is None:
            raise FaultRuleError(
                f"{where}: status {name!r} is not a gRPC status name; use one of {', '.join(_STATUSES)}"
            )
    message = rule.get("message")
    if message is not None and not isinstance(message, str):
        raise FaultRuleError(f"{where}: message must be a string, not {message!r}")
    delay = _number(rule, "delay_ms", where) or 0.0
    if not 0 <= delay <= MAX_DELAY_MS:
        raise FaultRuleError(f"{where}: delay_ms must be from 0 to {MAX_DELAY_MS} (ten minutes), not {delay:g}")
    probability = _number(rule, "probability", where)
    probability = 1.0 if probability is None else probability
    if not 0 < probability <= 1:
        raise FaultRuleError(f"{where}: probability must be more than 0 and at most 1, not {probability:g}")
    count = _whole(rule, "count", where, 1)
    cut_after = _whole(rule, "cut_after", where, 0)
    if status is None and cut_after is None and not delay:
        raise FaultRuleError(f"{where}: the rule does nothing; give a status, a delay_ms or a cut_after")
    if message is not None and status is None and cut_after is None:
        raise FaultRuleError(f"{where}: a message goes with a status or a cut_after")
    return FaultRule(route, status, message, delay, probability, count, cut_after)


def parse_rules(data: object, source: str = "faults") -> list[FaultRule]:
    """A list of rules from JSON-like data: a list of objects, or ``{"rules": [...]}``."""
    if isinstance(data, Mapping) and set(data) == {"rules"}:
        data = data["rules"]
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable) or isinstance(data, Mapping):
        raise FaultRuleError(f"{source}: expected a list of rules (or {{\"rules\": [...]}}), not {type(data).__name__}")
    return [parse_rule(rule, f"{source}: rule {i + 1}") for i, rule in enumerate(data)]


def load_rules(path: str | os.PathLike[str]) -> list[FaultRule]:
    """The rules of a JSON file.

    Raises:
        FaultRuleError: the file cannot be read, is not JSON (line and column named),
            or holds a rule that does not validate.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise FaultRuleError(f"cannot read the fault rules file {name!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FaultRuleError(f"the fault rules file {name!r} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaultRuleError(
            f"the fault rules file {name!r} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return parse_rules(data, name)


class Faults:
    """The fault rules in force in one emulator; safe to change from any thread while it serves.

    ``set``/``add``/``clear`` change them, ``list`` shows them as JSON-ready
    data (the dashboard's view), ``rules`` as ``FaultRule`` objects.

    Args:
        rules: the rules to start with (dicts as in a rules file, or ``FaultRule``).
        seed: seeds the random choices of rules with a ``probability`` below 1.
    """

    def __init__(self, rules: Iterable[Mapping[str, Any] | FaultRule] = (), *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._rules: list[FaultRule] = parse_rules(rules)

    def __repr__(self) -> str:
        return f"<Faults {len(self._rules)} rule(s)>"

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> list[FaultRule]:
        """The rules in force, in order (the objects themselves: ``fired`` keeps counting)."""
        with self._lock:
            return list(self._rules)

    def list(self) -> list[dict[str, Any]]:
        """The rules in force as JSON-ready dicts, each with ``fired`` and ``remaining``."""
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def set(self, rules: Iterable[Mapping[str, Any] | FaultRule]) -> None:
        """Replace every rule; nothing changes when one of ``rules`` does not validate.

        Raises:
            FaultRuleError: a rule that does not validate (the message names which and why).
        """
        parsed = parse_rules(rules)
        with self._lock:
            self._rules = parsed

    def add(self, rule: Mapping[str, Any] | FaultRule) -> FaultRule:
        """Add one rule after the others; returns it (its ``fired`` counts the calls it hit)."""
        parsed = parse_rule(rule)
        with self._lock:
            self._rules = [*self._rules, parsed]
        return parsed

    def clear(self) -> None:
        """Remove every rule: calls are served normally again."""
        with self._lock:
            self._rules = []

    def seed(self, value: int | None) -> None:
        """Seed the random choices (rules with a ``probability`` below 1), for repeatable tests."""
        with self._lock:
            self._random.seed(value)

    def _firing(self, route: str) -> builtins.list[FaultRule]:
        with self._lock:
            firing = []
            for rule in self._rules:
                if rule.remaining == 0 or not rule.matches(route):
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                firing.append(rule)
            return firing

    async def apply(self, route: str, stream: Any) -> None:
        """Run the rules for one call of ``route`` before it is served.

        Waits for the delays, raises the first refusal, and makes the stream's
        ``send_message`` end the call after a ``cut_after`` rule's count.
        """
        if not self._rules:
            return
        firing = self._firing(route)
        if not firing:
            return
        delay = sum(rule.delay_ms for rule in firing)
        if delay:
            await asyncio.sleep(delay / 1000)
        for rule in firing:
            if rule.cut_after is None and rule.status is not None:
                raise rule.error()
        cuts = [rule for rule in firing if rule.cut_after is not None]
        if cuts:
            _cut(stream, min(cuts, key=lambda rule: rule.cut_after or 0))


def _cut(stream: Any, rule: FaultRule) -> None:
    """Make ``stream`` end with ``rule``'s error once it has sent ``rule.cut_after`` messages."""
    send = stream.send_message
    limit = rule.cut_after or 0
    sent = 0

    async def send_message(message: Any, **kwargs: Any) -> None:
        nonlocal sent
        if sent >= limit:
            raise rule.error()
        await send(message, **kwargs)
        sent += 1
        if sent >= limit:
            raise rule.error()

    stream.send_message = send_message
