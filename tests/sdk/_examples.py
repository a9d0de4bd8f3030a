"""The code examples of the reference documents, found and made runnable against the emulator.

The documents live outside this repository (shared/seeds/: 000 the older guide,
001 the fleet guide, 002 the API reference) and are read at test time; nothing of
their code is stored here.  ``examples()`` finds every example, ``prepare()``
rewrites one the way a user would before running it:

* ``viam.`` becomes ``viam_sdk.`` in imports (the drop-in rule);
* each placeholder id (``"org-id"``, ``"INSERT YOUR PART ID"``, ...) becomes a
  real one, chosen by the parameter it is passed to (bound against our own
  signatures, so positional and keyword forms are treated alike), or for the
  keyword arguments of message constructors (``Authorization``, ``BinaryID``,
  ``DialOptions``) by the keyword's name;
* ``ViamClient.create_from_dial_options(...)`` gets the emulator's ``app_url``.

With ``blocking=True`` every ``await`` is dropped as well, which is how a script
moves to the blocking flavour (``viam_sdk.sync``).
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# Where the reference documents may be: $VIAM_REFERENCE_DIR, next to the checkout, or the
# machine's shared folder (a clean clone elsewhere still finds them there).
_CANDIDATES = [
    os.environ.get("VIAM_REFERENCE_DIR", ""),
    str(REPO.parent / "shared" / "seeds"),
    "/work/shared/seeds",
]
FILES = {"000": "000_5262775db2340a87.txt", "001": "001_f1a10a2cc2d52d5b.txt", "002": "002_a67bd2dc04bbfb20.txt"}


def reference_dir() -> Path | None:
    for candidate in _CANDIDATES:
        if candidate and (Path(candidate) / FILES["002"]).exists():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class Example:
    """One code example: the document, where in it, and its source text."""

    doc: str  # "000", "001" or "002"
    section: str  # the method (or class, for the connection examples) it documents
    index: int  # its number within the section (0 for the first)
    code: str

    @property
    def key(self) -> str:
        return f"{self.doc}:{self.section}:{self.index}"

    @property
    def is_script(self) -> bool:
        """Whether it defines ``main`` (a whole program, run in its own process)."""
        return re.search(r"^async def main\(", self.code, re.M) is not None


def _from_reference(folder: Path) -> Iterator[tuple[str, str, str]]:
    # 002: reStructuredText, an example is the indented block after a line holding "::".
    lines = (folder / FILES["002"]).read_text(encoding="utf-8").splitlines()
    section, i = "", 0
    while i < len(lines):
        line = lines[i]
        declared = re.match(r"\s*\.\. py:(?:method|class):: (\w+)", line)
        if declared:
            section = declared.group(1)
        if line.strip() == "::":
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
                j += 1
            yield "002", section, textwrap.dedent("\n".join(lines[i + 1 : j])).strip()
            i = j
            continue
        i += 1
    # 001: plain text, an example runs from "Example:" to "For more information".
    text = (folder / FILES["001"]).read_text(encoding="utf-8")
    first = re.search(r"\n(import asyncio\n.*?asyncio\.run\(main\(\)\))", text, re.S)
    if first:
        yield "001", "connect", first.group(1).strip()
    for found in re.finditer(r"\n(\w+)\n\n(?:(?!\n\w+\n\n).)*?Example:\n\n(.*?)\n\nFor more information", text, re.S):
        yield "001", found.group(1), found.group(2).strip()
    # 000: Markdown, fenced ```python blocks under "### MethodName" headings.
    text = (folder / FILES["000"]).read_text(encoding="utf-8")
    heading = "connect"
    for chunk in re.split(r"(^### \w+$)", text, flags=re.M):
        if chunk.startswith("### "):
            heading = chunk[4:].strip()
            continue
        for block in re.finditer(r"```python[^\n]*\n(.*?)```", chunk, re.S):
            yield "000", heading, block.group(1).strip()


def examples(folder: Path) -> list[Example]:
    found: list[Example] = []
    counts: dict[tuple[str, str], int] = {}
    for doc, section, code in _from_reference(folder):
        n = counts.get((doc, section), 0)
        counts[doc, section] = n + 1
        found.append(Example(doc, section, n, code))
    return found


def parse(code: str) -> ast.Module:
    """The example as the body of ``async def __example__()`` (top-level ``await`` allowed).

    Raises:
        SyntaxError: the example is not valid Python.
    """
    body = textwrap.indent(code, "    ")
    return ast.parse(f"async def __example__():\n{body}\n    return locals()\n")


# Which real value a placeholder string stands for, by the parameter (or keyword) it is given to.
BY_PARAMETER = {
    "org_id": "org_id",
    "organization_id": "org_id",
    "location_id": "location_id",
    "parent_location_id": "location2_id",
    "robot_id": "robot_id",
    "robot_part_id": "part_id",
    "part_id": "part_id",
    "fragment_id": "fragment_id",
    "dataset_id": "dataset_id",
    "identity_id": "user_id",
    "user_id": "user_id",
    "item_id": "item_id",
    "module_id": "module_id",
    "invoice_id": "invoice_id",
    "bbox_id": "bbox_id",
    "email": "email",
    "dest": "dest",
    "filepath": "filepath",
    "page_token": "",
    "file_id": "file_id",
    "resource_id": "location_id",
    "api_key": "api_key",
    "api_key_id": "api_key_id",
}
# Where one method gives a parameter another meaning.
BY_METHOD = {
    ("get_fragment_history", "id"): "fragment_id",
    ("get_training_job", "id"): "job_id",
    ("cancel_training_job", "id"): "job_id",
    ("rename_dataset", "id"): "dataset_id",
    ("delete_dataset", "id"): "dataset_id",
    ("list_dataset_by_ids", "ids"): "dataset_id",
    ("delete_key", "id"): "key_id",
    ("rotate_key", "id"): "key_id",
    ("create_key_from_existing_key_authorizations", "id"): "key_id",
    ("delete_location_secret", "secret_id"): "location_secret_id",
    ("delete_robot_part_secret", "secret_id"): "part_secret_id",
    ("share_location", "organization_id"): "other_org_id",
    ("share_location", "location_id"): "location2_id",
    ("unshare_location", "organization_id"): "other_org_id",
    ("update_module", "module_id"): "module_id",
    ("update_organization_invite_authorizations", "email"): "invitee",
    ("delete_organization_invite", "email"): "invitee",
    ("resend_organization_invite", "email"): "invitee",
    ("create_organization_invite", "email"): "new_invitee",
    ("Credentials", "payload"): "api_key",
    ("DialOptions", "auth_entity"): "api_key_id",
    ("delete_robot_part", "robot_part_id"): "part2_id",  # a machine's main part cannot be deleted
    ("mark_part_as_main", "robot_part_id"): "part2_id",
    ("unshare_location", "location_id"): "shared_location_id",
    ("create_dataset", "name"): "dataset_name",
    ("rename_dataset", "name"): "dataset_name",
    # An authorization made of placeholders ("some type of auth", "abc"): a real role on a location.
    ("Authorization", "authorization_type"): "authorization_type",
    ("Authorization", "authorization_id"): "authorization_id",
    ("Authorization", "resource_type"): "resource_type",
    ("APIKeyAuthorization", "resource_id"): "robot_id",
}
# What an example's calls take for granted beyond the ids they name (by the SDK method called).
STATE = {
    "delete_organization_member": {"user_id"},  # it removes the second member it lists
    "list_training_jobs": {"job_id", "job2_id"},  # it reads the second job
    "remove_role": {"granted_role"},
    "create_location_secret": {"location_id"},
    "new_robot": {"location_id"},
    "update_robot": {"location_id"},
    "delete_location_secret": {"location_id"},
}


class _Rewrite(ast.NodeTransformer):
    """Apply the changes described in the module docstring to one parsed example."""

    def __init__(self, world: Mapping[str, str], signatures: Callable[[str], inspect.Signature | None],
                 app_url: str, blocking: bool) -> None:
        self.world = world
        self.signatures = signatures
        self.app_url = app_url
        self.blocking = blocking
        self.called: set[str] = set()  # the SDK methods the example calls

    def _real(self, owner: str, parameter: str, node: ast.expr) -> ast.expr:
        kind = BY_METHOD.get((owner, parameter), BY_PARAMETER.get(parameter))
        if kind is None:
            return node
        if isinstance(node, ast.List):  # a list of ids
            node.elts = [self._real(owner, parameter, e) for e in node.elts]
            return node
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return node  # a variable or expression: the example's own value
        if node.value == "" and kind != "":
            return node  # an empty string is meant literally ("no parent", "keep the name")
        value = self.world.get(kind, "") if kind else ""
        return ast.copy_location(ast.Constant(value), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.module and (node.module == "viam" or node.module.startswith("viam.")):
            node.module = "viam_sdk" + node.module[len("viam"):]
            if self.blocking and node.module == "viam_sdk.app.viam_client":
                node.module = "viam_sdk.sync"
        return node

    def visit_Await(self, node: ast.Await) -> ast.AST:
        self.generic_visit(node)
        return node.value if self.blocking else node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        if not self.blocking:
            return node
        plain = ast.FunctionDef(**{f: getattr(node, f) for f in node._fields})
        return ast.copy_location(plain, node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in ("DialOptions", "Credentials") and _location_secret(node):
            # The older guide's connection: a location secret, the location named in the machine address.
            for keyword in node.keywords:
                kind = {"payload": "location_secret", "auth_entity": "location_entity"}.get(keyword.arg or "")
                if kind:
                    keyword.value = ast.Constant(self.world.get(kind, ""))
            self.generic_visit(node)
            return node
        self.generic_visit(node)
        if name == "create_from_dial_options" and not any(k.arg == "app_url" for k in node.keywords):
            node.keywords.append(ast.keyword("app_url", ast.Constant(self.app_url)))
        if name == "with_api_key":  # DialOptions.with_api_key(api_key, api_key_id)
            node.args = [self._real(name, p, a) for p, a in zip(("api_key", "api_key_id"), node.args, strict=False)]
        signature = self.signatures(name) if isinstance(func, ast.Attribute) else None
        if signature is not None:
            self.called.add(name)
            try:
                bound = signature.bind_partial(None, *node.args, **{k.arg: k.value for k in node.keywords if k.arg})
            except TypeError:
                return node  # the call does not fit: left for Python to report when it runs
            positional = list(bound.arguments)[1 : 1 + len(node.args)]
            node.args = [self._real(name, p, a) for p, a in zip(positional, node.args, strict=False)]
        for keyword in node.keywords:
            if keyword.arg:
                keyword.value = self._real(name, keyword.arg, keyword.value)
        return node


def _location_secret(node: ast.Call) -> bool:
    """Whether a ``DialOptions(...)``/``Credentials(...)`` call uses a location secret."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.keyword) and inner.arg == "type" and isinstance(inner.value, ast.Constant):
            return inner.value.value == "robot-location-secret"
    return False


def prepare(example: Example, world: Mapping[str, str], signatures: Callable[[str], inspect.Signature | None],
            app_url: str, *, blocking: bool = False) -> ast.Module:
    """The example parsed and rewritten for the emulator (see the module docstring)."""
    tree = parse(example.code)
    tree = _Rewrite(world, signatures, app_url, blocking).visit(tree)
    return ast.fix_missing_locations(tree)


# The imports a document's page gives its fragments (which use these names without importing them).
PAGE_IMPORTS = (
    "from viam_sdk.rpc.dial import Credentials, DialOptions\n"
    "from viam_sdk.app.viam_client import ViamClient\n"
)


def script(example: Example, world: Mapping[str, str], app_url: str) -> str:
    """A whole-program example as the source of a script to run (imports renamed, ids made real)."""
    tree = ast.parse(PAGE_IMPORTS + example.code)
    rewrite = _Rewrite(world, lambda name: None, app_url, False)
    source = ast.unparse(ast.fix_missing_locations(rewrite.visit(tree)))
    if "asyncio.run(main())" not in source:
        source += "\n\nimport asyncio\nasyncio.run(main())\n"
    return source


def needs(example: Example, signatures: Callable[[str], inspect.Signature | None]) -> set[str]:
    """The kinds of object the example refers to or takes for granted (see ``STATE``)."""
    asked: dict[str, str] = {}

    class Recorder(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            if key:
                asked[key] = ""
            return default

    rewrite = _Rewrite(Recorder(), signatures, "http://127.0.0.1:1", False)
    rewrite.visit(ast.parse(example.code) if example.is_script else parse(example.code))
    kinds = set(asked)
    for method in rewrite.called:
        kinds |= STATE.get(method, set())
    if "data_client" in example.code:
        kinds.add("file_id")  # its filters ("my_camera", "camera") then find something
    if 'component_name="left_motor"' in example.code or 'component_name="camera"' in example.code:
        kinds.add("captures")  # and these ones too, over more than one page
    return kinds


def signature_finder(*classes: type) -> Callable[[str], inspect.Signature | None]:
    """Look a method name up on the SDK clients (AppClient first)."""

    def find(name: str) -> inspect.Signature | None:
        for cls in classes:
            member: Any = getattr(cls, name, None)
            if callable(member) and not name.startswith("_"):
                return inspect.signature(member)
        return None

    return find
