"""Rewrite reST ``Example::`` docstring blocks into Google ``Examples:`` sections with fenced code.

Also turns other reST literal blocks (``text::``) into fenced blocks and reST roles
(``:class:`X```) into plain code spans, which mkdocstrings would otherwise print as text.

One-off migration kept for reference (python tools/rewrite_examples.py FILE...): mkdocstrings
(griffe, Google style) renders ``Examples:`` with a fenced ```python block as code under an
"Examples" heading, where ``Example::`` came out as literal text.  A block that uses one of the
client names of the reference's convention (``fleet``, ``data``, ...) without assigning it gets
the assignment as its first line, so each example says where its client comes from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# The reference's convention (docs/reference/index.md): ``viam_client`` is a connected ViamClient.
CLIENTS = {
    "fleet": "fleet = viam_client.app_client",
    "data": "data = viam_client.data_client",
    "billing": "billing = viam_client.billing_client",
    "training": "training = viam_client.ml_training_client",
    "provisioning": "provisioning = viam_client.provisioning_client",
}

BLOCK = re.compile(r"^(?P<indent>[ \t]*)Example::\n(?P<body>(?:(?P=indent)[ \t]+\S.*\n|[ \t]*\n)*)", re.M)


def _defines(body: str, name: str) -> bool:
    return bool(re.search(rf"(^|\s|,)\(?{name}\s*(=|,)|\bas {name}\b|\bfor {name}\b", body, re.M))


def _uses(body: str, name: str) -> bool:
    return bool(re.search(rf"(?<![\w.]){name}\.", body))


def rewrite_block(match: re.Match[str]) -> str:
    indent = match.group("indent")
    lines = match.group("body").split("\n")
    # Trailing blank lines belong after the section, not inside the fence.
    while lines and not lines[-1].strip():
        lines.pop()
    code = [line for line in lines]
    while code and not code[0].strip():
        code.pop(0)
    body = "\n".join(code)
    inner = indent + "    "
    # Undefined ``viam`` / ``client``: the connected ViamClient of the convention.
    for alias in ("viam", "client"):
        if _uses(body, alias) and not _defines(body, alias):
            body = re.sub(rf"(?<![\w.]){alias}\.", "viam_client.", body)
    prefix = [CLIENTS[name] for name in CLIENTS if _uses(body, name) and not _defines(body, name)]
    # Dedent the code to the section's inner indentation.
    code_lines = body.split("\n")
    depth = min(len(line) - len(line.lstrip()) for line in code_lines if line.strip())
    out = [f"{indent}Examples:", f"{inner}```python"]
    out += [f"{inner}{p}" for p in prefix]
    out += [f"{inner}{line[depth:]}" if line.strip() else "" for line in code_lines]
    out.append(f"{inner}```")
    trailing = match.group("body")[len(match.group("body").rstrip("\n")) :]
    return "\n".join(out) + ("\n" + trailing[1:] if trailing else "\n")


ROLE = re.compile(r":(?:class|meth|func|attr|mod|exc|data|obj):`~?([^`]+)`")
LITERAL = re.compile(r"^(?P<indent>[ \t]*)(?P<text>\S.*?)::\n\n(?P<body>(?:(?P=indent)[ \t]+\S.*\n|[ \t]*\n)*)", re.M)


def rewrite_literal(match: re.Match[str]) -> str:
    """``text::`` and an indented block (reST) as ``text:`` and a fenced block (Markdown)."""
    indent, body = match.group("indent"), match.group("body")
    lines = body.rstrip("\n").split("\n")
    depth = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    code = [indent + line[depth:] if line.strip() else "" for line in lines]
    trailing = body[len(body.rstrip("\n")) :]
    return f"{indent}{match.group('text')}:\n\n{indent}```python\n" + "\n".join(code) + f"\n{indent}```\n" + trailing[1:]


def rewrite(text: str) -> tuple[str, int]:
    """``Example::`` blocks first, then other literal blocks, then reST roles as plain code spans."""
    text, examples = BLOCK.subn(rewrite_block, text)
    text, literals = LITERAL.subn(rewrite_literal, text)
    text, roles = ROLE.subn(lambda m: "``" + m.group(1) + "``", text)
    return text, examples + literals + roles


def main(paths: list[str]) -> int:
    total = 0
    for path in map(Path, paths):
        text = path.read_text()
        new, count = rewrite(text)
        if count:
            path.write_text(new)
            total += count
            print(f"{path}: {count}")
    print(f"{total} blocks and roles rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
