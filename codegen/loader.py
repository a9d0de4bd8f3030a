"""Compile .proto files with grpcio-tools' protoc into a FileDescriptorSet."""

from __future__ import annotations

import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2


class ProtocError(RuntimeError):
    """protoc refused the input; the message carries its diagnostics."""


def proto_files(root: Path) -> list[str]:
    """Every .proto under ``root``, as sorted root-relative POSIX paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.proto"))


def compile_protos(root: Path, files: list[str] | None = None) -> descriptor_pb2.FileDescriptorSet:
    """Run protoc on ``files`` (default: all under ``root``), imports included."""
    import grpc_tools
    from grpc_tools import protoc

    files = files if files is not None else proto_files(root)
    if not files:
        raise ProtocError(f"no .proto files under {root}")
    wkt_include = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        args = [
            "protoc",
            f"-I{root}",
            f"-I{wkt_include}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *files,
        ]
        # protoc prints its errors to stderr itself; the return code tells us.
        code = protoc.main(args)
        if code != 0 or not out.exists():
            raise ProtocError(f"protoc failed with code {code} on {root}")
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(out.read_bytes())
    return fds
