"""Every public method of the six clients documents itself in Google style, async and blocking.

Each public method of ``AppClient``, ``DataClient``, ``BillingClient``,
``MLTrainingClient``, ``ProvisioningClient`` and ``ViamClient`` (inherited area
mixin methods included; names starting with ``_`` and nested classes left out)
must have a docstring with:

* a one-line summary;
* ``Args:`` naming every parameter except ``self``/``cls`` (``*args``/``**kwargs``
  by their names), when there is any parameter;
* ``Returns:`` unless the return annotation is None;
* ``Raises:`` (except the methods listed in ``RAISES_NOTHING``, which cannot fail);
* ``Examples:`` holding a fenced ```python code block (what mkdocstrings renders as code),
  which defines or imports every name it uses except those the reference's
  conventions page explains (``viam_client``, IDs named ``*_id``, the filter ``flt``).

The blocking classes in ``viam_sdk.sync`` are generated from these
(``python -m tools.sync_facade``) and must carry the same docstrings, less
``await``/``async``, importing ``ViamClient`` from ``viam_sdk.sync`` (the
generator's only changes).  The N/M figures are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import viam_sdk.sync.app_client as sync_app
import viam_sdk.sync.billing_client as sync_billing
import viam_sdk.sync.data_client as sync_data
import viam_sdk.sync.ml_training_client as sync_ml
import viam_sdk.sync.provisioning_client as sync_provisioning
import viam_sdk.sync.viam_client as sync_viam
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient
from viam_sdk.app.viam_client import ViamClient

# (async class, its blocking twin)
CLASSES: tuple[tuple[type, type], ...] = (
    (AppClient, sync_app.AppClient),
    (DataClient, sync_data.DataClient),
    (BillingClient, sync_billing.BillingClient),
    (MLTrainingClient, sync_ml.MLTrainingClient),
    (ProvisioningClient, sync_provisioning.ProvisioningClient),
    (ViamClient, sync_viam.ViamClient),
)

# Methods that take no argument and cannot fail: no ``Raises:`` section (the docstring says so).
RAISES_NOTHING = {"ViamClient.close"}

SECTIONS = ("summary", "Args", "Returns", "Raises", "Example")

# Coverage reached: every method has every section.  Lower only with a reason.
FLOOR = dict.fromkeys(SECTIONS, 188)


def _methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The public methods of ``cls``, its own and those of its mixins (properties, nested classes left out)."""
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or inspect.isclass(member):
            continue
        if isinstance(inspect.getattr_static(cls, name), property) or not callable(member):
            continue
        yield name, member


def _section(doc: str, title: str) -> str | None:
    """The body of the Google-style section ``title`` (None when absent)."""
    match = re.search(rf"^{re.escape(title)}:\n((?:[ \t]+\S.*\n|\n)*)", doc + "\n", re.M)
    return match.group(1) if match else None


def _params(func: Callable[..., Any]) -> list[str]:
    return [name for name in inspect.signature(func).parameters if name not in ("self", "cls")]


def _returns_none(func: Callable[..., Any]) -> bool:
    try:
        hint = typing.get_type_hints(func).get("return", inspect.Signature.empty)
    except Exception:  # an annotation that does not resolve here: fall back to the text
        hint = inspect.signature(func).return_annotation
    return hint in (None, type(None), "None")


def _problems(qualname: str, func: Callable[..., Any]) -> dict[str, str]:
    """What is missing from ``func``'s docstring, section by section (empty: nothing)."""
    doc = inspect.getdoc(func) or ""
    out: dict[str, str] = {}
    lines = doc.splitlines()
    if not lines or not lines[0].strip() or (len(lines) > 1 and lines[1].strip()):
        out["summary"] = "no one-line summary followed by a blank line"
    params = _params(func)
    if params:
        args = _section(doc, "Args")
        if args is None:
            out["Args"] = "no Args: section"
        else:
            named = set(re.findall(r"^[ \t]+\**(\w+)(?:\s*\([^)]*\))?:", args, re.M))
            missing = [p for p in params if p not in named]
            if missing:
                out["Args"] = f"Args: does not name {', '.join(missing)}"
    if not _returns_none(func) and _section(doc, "Returns") is None:
        out["Returns"] = "no Returns: section"
    if qualname not in RAISES_NOTHING and _section(doc, "Raises") is None:
        out["Raises"] = "no Raises: section"
    example = _section(doc, "Examples")
    fenced = example and re.search(r"^([ \t]+)```python\n((?:.*\n)*?)\1```$", example, re.M)
    if not fenced or not fenced.group(2).strip():
        out["Example"] = "no Examples: section holding a fenced ```python block"
    if "Example::" in doc:
        out["Example"] = "a reST 'Example::' block (mkdocstrings prints it as text: use 'Examples:')"
    return out


def _all() -> list[tuple[str, Callable[..., Any]]]:
    return [(f"{cls.__name__}.{name}", func) for cls, _ in CLASSES for name, func in _methods(cls)]


def test_every_public_method_is_documented() -> None:
    methods = _all()
    problems = {qualname: _problems(qualname, func) for qualname, func in methods}
    total = len(methods)
    counts = {s: sum(1 for p in problems.values() if s not in p) for s in SECTIONS}
    complete = sum(1 for p in problems.values() if not p)
    print(f"\ndocstrings of {total} public methods:")
    for section in SECTIONS:
        note = f" ({len(RAISES_NOTHING)} of them cannot fail and need none)" if section == "Raises" else ""
        print(f"  {section:8} {counts[section]}/{total}{note}")
    print(f"  complete {complete}/{total}")
    for section in SECTIONS:
        assert counts[section] >= FLOOR[section], (section, counts[section], FLOOR[section])
    missing = {name: p for name, p in problems.items() if p}
    assert not missing, "\n".join(f"{name}: {'; '.join(p.values())}" for name, p in sorted(missing.items()))


def test_raises_nothing_says_so() -> None:
    for qualname in RAISES_NOTHING:
        cls_name, _, name = qualname.partition(".")
        cls = next(c for c, _ in CLASSES if c.__name__ == cls_name)
        assert "never" in (inspect.getdoc(getattr(cls, name)) or "").lower() and "raise" in (
            inspect.getdoc(getattr(cls, name)) or ""
        )


def _blocking(doc: str) -> str:
    """The async docstring as the generator writes it into the blocking twin."""
    for old, new in (
        ("async for ", "for "),
        ("async with ", "with "),
        ("await ", ""),
        ("from viam_sdk import ViamClient", "from viam_sdk.sync import ViamClient"),
    ):
        doc = doc.replace(old, new)
    return doc


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLASSES, ids=[c.__name__ for c, _ in CLASSES])
def test_blocking_twins_carry_the_same_docstrings(async_cls: type, sync_cls: type) -> None:
    compared = 0
    for name, func in _methods(async_cls):
        twin = getattr(sync_cls, name, None)
        assert twin is not None, f"{sync_cls.__module__}.{sync_cls.__name__} has no {name}"
        expected = _blocking(inspect.getdoc(func) or "")
        assert (inspect.getdoc(twin) or "") == expected, f"{sync_cls.__name__}.{name}: stale docstring"
        compared += 1
    print(f"\n{sync_cls.__module__}.{sync_cls.__name__}: {compared}/{compared} docstrings match")


# What docs/reference/index.md ("Examples") says an example may use without defining it.
CONVENTION = {"viam_client", "flt"}


def _example_code(doc: str) -> str | None:
    match = re.search(r"```python\n(.*?)```", doc, re.S)
    return textwrap.dedent(match.group(1)) if match else None


def _undefined(code: str) -> tuple[set[str], list[ast.stmt]]:
    """Names the example reads without defining them, and its import statements."""
    tree = ast.parse("async def _example():\n" + textwrap.indent(code, "    "))
    defined = set(dir(builtins)) | CONVENTION
    imports: list[ast.stmt] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return {n for n in used - defined if not n.endswith("_id")}, imports


def test_examples_define_what_they_use() -> None:
    problems = []
    checked = 0
    for qualname, func in _all():
        code = _example_code(inspect.getdoc(func) or "")
        if code is None:
            continue  # reported by test_every_public_method_is_documented
        try:
            undefined, imports = _undefined(code)
        except SyntaxError as error:
            problems.append(f"{qualname}: the example is not Python ({error.msg}, line {error.lineno})")
            continue
        if undefined:
            problems.append(f"{qualname}: the example uses {', '.join(sorted(undefined))} without defining it")
        for statement in imports:
            try:
                exec(compile(ast.Module(body=[statement], type_ignores=[]), qualname, "exec"), {})
            except ImportError as error:
                problems.append(f"{qualname}: the example's import fails: {error}")
        checked += 1
    print(f"\n{checked} examples define what they use")
    assert checked >= FLOOR["Example"], checked
    assert not problems, "\n".join(problems)
