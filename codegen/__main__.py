"""Command line: ``python -m codegen protos|generate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _protos(args: argparse.Namespace) -> int:
    from codegen import fetch
    from codegen.protos_render import needed_imports, render_file

    out = Path(args.out)
    everything = fetch.collect()
    files = {p: fd for p, fd in everything.items() if fetch.wanted(p)}
    rendered = {p: render_file(fd, needed_imports(fd, everything)) for p, fd in files.items()}
    for old in out.rglob("*.proto"):
        if old.relative_to(out).as_posix() not in rendered:
            old.unlink()
    for path, text in rendered.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (out / "LOCK").write_text(f"{fetch.SOURCE_PACKAGE}=={fetch.source_version()}\n")
    print(f"wrote {len(rendered)} .proto files from {fetch.SOURCE_PACKAGE}=={fetch.source_version()}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from codegen.render import generate

    return generate(Path(args.protos), Path(args.out), check=args.check)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("protos", help="render protos/ from the pinned API package")
    p.add_argument("--out", default="protos")
    p.set_defaults(func=_protos)
    g = sub.add_parser("generate", help="generate Python modules from protos/")
    g.add_argument("--protos", default="protos")
    g.add_argument("--out", default="generated")
    g.add_argument("--check", action="store_true", help="fail if the output differs; write nothing")
    g.set_defaults(func=_generate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
