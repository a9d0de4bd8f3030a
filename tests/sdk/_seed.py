"""Read the reference API (shared/seeds/002_...) and compare our signatures with it.

The seed lists each method as ``.. py:method:: name(params) -> return`` under its
``.. py:class::``.  Types are compared by the names they mention (module paths,
``Optional``/``Union``/``Literal`` and ``List``/``list`` spelling aside), names,
order, kinds and defaults exactly, except for the deviations listed by the caller.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Only the declaration lines of the reference (names, parameters, defaults: facts),
# extracted from shared/seeds/002_a67bd2dc04bbfb20.txt and committed, so the check
# runs on any clone.
SEED_DIR = Path(__file__).resolve().parents[1] / "reference"
SEED_FILE = "002_signatures.txt"

_NOISE = {"Union", "Optional", "Literal", "None", "typing", "ValueType", "typing_extensions", "self", "cls"}
_ALIASES = {"List": "list", "Tuple": "tuple", "Dict": "dict", "_LogsStream": "LogsStream"}


@dataclass(frozen=True)
class SeedParam:
    name: str
    annotation: str
    default: str | None  # source text, None when required


@dataclass(frozen=True)
class SeedMethod:
    name: str
    params: tuple[SeedParam, ...]
    returns: str


def seed_text() -> str | None:
    path = SEED_DIR / SEED_FILE
    return path.read_text(encoding="utf-8") if path.exists() else None


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def seed_methods(text: str, class_name: str) -> list[SeedMethod]:
    """The methods of one class of the seed, in order."""
    start = text.index(f".. py:class:: {class_name}")
    following = text.find("\n.. py:class::", start + 1)
    section = text[start : following if following != -1 else len(text)]
    methods = []
    for line in section.splitlines():
        match = re.match(r"\s+\.\. py:method:: (\w+)\((.*)\)(?: -> (.*))?$", line)
        if not match:
            continue
        name, params_text, returns = match.group(1), match.group(2), match.group(3) or "None"
        params = []
        for chunk in _split_top(params_text):
            if chunk in ("*", "/"):
                continue
            head, _, default = chunk.partition("=")
            pname, _, annotation = head.partition(":")
            params.append(SeedParam(pname.strip(), annotation.strip(), default.strip() or None))
        methods.append(SeedMethod(name, tuple(params), returns.strip()))
    return methods


def type_names(annotation: Any) -> set[str]:
    """The names a type mentions, without module paths and spelling variants."""
    text = annotation if isinstance(annotation, str) else str(annotation)
    names = set()
    for word in re.findall(r"[A-Za-z_][\w.]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", text)):
        leaf = word.rsplit(".", 1)[-1] if not word.endswith(".ValueType") else word.split(".")[-2]
        leaf = _ALIASES.get(leaf, leaf)
        if leaf not in _NOISE:
            names.add(leaf)
    return names


def _default_value(text: str) -> Any:
    return ast.literal_eval(text)


def compare(cls: type, method: SeedMethod, deviations: Collection[tuple[str, str]] = ()) -> list[str]:
    """Differences between our ``cls.<method>`` and the seed's (empty when they match)."""
    ours = getattr(cls, method.name, None)
    if ours is None:
        return [f"{method.name}: missing"]
    func = ours.__func__ if isinstance(ours, classmethod) else ours
    if isinstance(inspect.getattr_static(cls, method.name), classmethod):
        func = inspect.getattr_static(cls, method.name).__func__
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    problems = []
    # Parameters the newer official SDK added may follow the seed's, as long as a
    # caller can leave them out; the seed's own must come first, in its order.
    extra = params[len(method.params) :]
    params = params[: len(method.params)]
    if [p.name for p in params] != [p.name for p in method.params]:
        return [f"{method.name}: parameters {[p.name for p in params]} != seed {[p.name for p in method.params]}"]
    for added in extra:
        if added.default is inspect.Parameter.empty and added.kind is not inspect.Parameter.VAR_KEYWORD:
            problems.append(f"{method.name}({added.name}): not in the seed, yet required")
    for mine, theirs in zip(params, method.params, strict=True):
        if (method.name, mine.name) in deviations:
            continue
        if theirs.default is None:
            if mine.default is not inspect.Parameter.empty:
                problems.append(f"{method.name}({mine.name}): has a default, the seed's is required")
        else:
            expected = _default_value(theirs.default)
            if mine.default is inspect.Parameter.empty or mine.default != expected:
                problems.append(f"{method.name}({mine.name}): default {mine.default!r} != seed {expected!r}")
        if theirs.annotation and type_names(mine.annotation) != type_names(theirs.annotation):
            problems.append(
                f"{method.name}({mine.name}): type {mine.annotation} != seed {theirs.annotation}"
            )
    if type_names(sig.return_annotation) != type_names(method.returns):
        problems.append(f"{method.name}: returns {sig.return_annotation} != seed {method.returns}")
    return problems
