"""Turn FileDescriptorProtos back into .proto source text.

Used by ``make protos``: the pinned API package ships only serialized
descriptors, and we want readable .proto files in protos/ that protoc can
compile to the same descriptors.  Options that do not change the wire format
are dropped, except ``deprecated``, which users care about.
"""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf import descriptor_pb2 as d

FDP = d.FieldDescriptorProto

# Imports that only carry custom options we drop (HTTP annotations).
DROPPED_IMPORTS = frozenset({"google/api/annotations.proto", "google/api/http.proto"})

_SCALAR_NAMES = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _type_name(field: d.FieldDescriptorProto) -> str:
    if field.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM, FDP.TYPE_GROUP):
        return field.type_name  # fully qualified, with a leading dot
    return _SCALAR_NAMES[field.type]


def _options(pairs: Iterable[tuple[str, str]]) -> str:
    items = [f"{k} = {v}" for k, v in pairs]
    return f" [{', '.join(items)}]" if items else ""


def _field_options(field: d.FieldDescriptorProto, syntax: str) -> str:
    pairs: list[tuple[str, str]] = []
    if field.HasField("default_value") and syntax == "proto2":
        value = field.default_value
        if field.type in (FDP.TYPE_STRING, FDP.TYPE_BYTES):
            value = _quote(value)
        pairs.append(("default", value))
    if field.options.HasField("packed"):
        pairs.append(("packed", "true" if field.options.packed else "false"))
    if field.options.deprecated:
        pairs.append(("deprecated", "true"))
    return _options(pairs)


def _reserved(ranges: Iterable[object], names: Iterable[str], pad: str, out: list[str]) -> None:
    parts = []
    for r in ranges:
        start, end = r.start, r.end  # type: ignore[attr-defined]
        # message ranges are end-exclusive, enum ranges end-inclusive
        last = end - 1 if isinstance(r, d.DescriptorProto.ReservedRange) else end
        if last >= 536870911:
            parts.append(f"{start} to max")
        else:
            parts.append(str(start) if start == last else f"{start} to {last}")
    if parts:
        out.append(f"{pad}reserved {', '.join(parts)};")
    if names:
        out.append(f"{pad}reserved {', '.join(_quote(n) for n in names)};")


class _FileRenderer:
    def __init__(self, fd: d.FileDescriptorProto, imports: set[str] | None) -> None:
        self.fd = fd
        self.keep = imports
        self.syntax = fd.syntax or "proto2"
        self.lines: list[str] = []

    def render(self) -> str:
        fd, out = self.fd, self.lines
        out.append("// Rendered from the descriptors of the pinned API package by `make protos`.")
        out.append("// Do not edit by hand.")
        out.append(f'syntax = "{self.syntax}";')
        out.append("")
        if fd.package:
            out.append(f"package {fd.package};")
            out.append("")
        public = set(fd.public_dependency)
        weak = set(fd.weak_dependency)
        imports = []
        for i, dep in enumerate(fd.dependency):
            if dep in DROPPED_IMPORTS or (self.keep is not None and dep not in self.keep):
                continue
            kind = "public " if i in public else "weak " if i in weak else ""
            imports.append(f'import {kind}"{dep}";')
        if imports:
            out.extend(imports)
            out.append("")
        if fd.options.deprecated:
            out.append("option deprecated = true;")
            out.append("")
        for msg in fd.message_type:
            self._message(msg, 0)
            out.append("")
        for enum in fd.enum_type:
            self._enum(enum, 0)
            out.append("")
        self._extensions(fd.extension, 0)
        for svc in fd.service:
            self._service(svc)
            out.append("")
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"

    def _field_line(self, field: d.FieldDescriptorProto, msg: d.DescriptorProto | None) -> str:
        label = ""
        if field.label == FDP.LABEL_REPEATED:
            entry = self._map_entry(field, msg)
            if entry is not None:
                key, value = entry.field[0], entry.field[1]
                return (
                    f"map<{_type_name(key)}, {_type_name(value)}> {field.name} = {field.number}"
                    f"{_field_options(field, self.syntax)};"
                )
            label = "repeated "
        elif field.proto3_optional:
            label = "optional "
        elif self.syntax == "proto2":
            label = "required " if field.label == FDP.LABEL_REQUIRED else "optional "
        return f"{label}{_type_name(field)} {field.name} = {field.number}{_field_options(field, self.syntax)};"

    @staticmethod
    def _map_entry(field: d.FieldDescriptorProto, msg: d.DescriptorProto | None) -> d.DescriptorProto | None:
        if msg is None or field.type != FDP.TYPE_MESSAGE:
            return None
        short = field.type_name.rsplit(".", 1)[-1]
        for nested in msg.nested_type:
            if nested.name == short and nested.options.map_entry:
                return nested
        return None

    def _message(self, msg: d.DescriptorProto, depth: int) -> None:
        pad, inner = "  " * depth, "  " * (depth + 1)
        out = self.lines
        out.append(f"{pad}message {msg.name} {{")
        if msg.options.deprecated:
            out.append(f"{inner}option deprecated = true;")
        real_oneofs = {
            i for i, _ in enumerate(msg.oneof_decl)
            if not any(f.HasField("oneof_index") and f.oneof_index == i and f.proto3_optional for f in msg.field)
        }
        emitted_oneofs: set[int] = set()
        for field in msg.field:
            if field.HasField("oneof_index") and field.oneof_index in real_oneofs:
                idx = field.oneof_index
                if idx in emitted_oneofs:
                    continue
                emitted_oneofs.add(idx)
                out.append(f"{inner}oneof {msg.oneof_decl[idx].name} {{")
                for member in msg.field:
                    if member.HasField("oneof_index") and member.oneof_index == idx:
                        out.append(f"{inner}  {self._field_line(member, msg)}")
                out.append(f"{inner}}}")
            else:
                out.append(f"{inner}{self._field_line(field, msg)}")
        for nested in msg.nested_type:
            if nested.options.map_entry:
                continue
            self._message(nested, depth + 1)
        for enum in msg.enum_type:
            self._enum(enum, depth + 1)
        self._extensions(msg.extension, depth + 1)
        for r in msg.extension_range:
            end = "max" if r.end - 1 >= 536870911 else str(r.end - 1)
            out.append(f"{inner}extensions {r.start} to {end};")
        _reserved(msg.reserved_range, msg.reserved_name, inner, out)
        out.append(f"{pad}}}")

    def _enum(self, enum: d.EnumDescriptorProto, depth: int) -> None:
        pad, inner = "  " * depth, "  " * (depth + 1)
        out = self.lines
        out.append(f"{pad}enum {enum.name} {{")
        if enum.options.allow_alias:
            out.append(f"{inner}option allow_alias = true;")
        if enum.options.deprecated:
            out.append(f"{inner}option deprecated = true;")
        for value in enum.value:
            opts = _options([("deprecated", "true")] if value.options.deprecated else [])
            out.append(f"{inner}{value.name} = {value.number}{opts};")
        _reserved(enum.reserved_range, enum.reserved_name, inner, out)
        out.append(f"{pad}}}")

    def _extensions(self, extensions: Iterable[d.FieldDescriptorProto], depth: int) -> None:
        pad = "  " * depth
        by_extendee: dict[str, list[d.FieldDescriptorProto]] = {}
        for ext in extensions:
            by_extendee.setdefault(ext.extendee, []).append(ext)
        for extendee, fields in by_extendee.items():
            self.lines.append(f"{pad}extend {extendee} {{")
            for field in fields:
                self.lines.append(f"{pad}  {self._field_line(field, None)}")
            self.lines.append(f"{pad}}}")
            self.lines.append("")

    def _service(self, svc: d.ServiceDescriptorProto) -> None:
        out = self.lines
        out.append(f"service {svc.name} {{")
        if svc.options.deprecated:
            out.append("  option deprecated = true;")
        for m in svc.method:
            cs = "stream " if m.client_streaming else ""
            ss = "stream " if m.server_streaming else ""
            head = f"  rpc {m.name}({cs}{m.input_type}) returns ({ss}{m.output_type})"
            if m.options.deprecated:
                out.append(f"{head} {{")
                out.append("    option deprecated = true;")
                out.append("  }")
            else:
                out.append(f"{head};")
        out.append("}")


def defined_names(fd: d.FileDescriptorProto) -> set[str]:
    """Fully qualified names (leading dot) of every type a file defines."""
    names: set[str] = set()
    prefix = f".{fd.package}" if fd.package else ""

    def walk(scope: str, messages: Iterable[d.DescriptorProto], enums: Iterable[d.EnumDescriptorProto]) -> None:
        for enum in enums:
            names.add(f"{scope}.{enum.name}")
        for msg in messages:
            names.add(f"{scope}.{msg.name}")
            walk(f"{scope}.{msg.name}", msg.nested_type, msg.enum_type)

    walk(prefix, fd.message_type, fd.enum_type)
    return names


def referenced_names(fd: d.FileDescriptorProto) -> set[str]:
    """Fully qualified names of every type a file's fields, extensions and RPCs use."""
    used: set[str] = set()

    def walk_fields(fields: Iterable[d.FieldDescriptorProto]) -> None:
        for field in fields:
            if field.type_name:
                used.add(field.type_name)
            if field.extendee:
                used.add(field.extendee)

    def walk(messages: Iterable[d.DescriptorProto]) -> None:
        for msg in messages:
            walk_fields(msg.field)
            walk_fields(msg.extension)
            walk(msg.nested_type)

    walk(fd.message_type)
    walk_fields(fd.extension)
    for svc in fd.service:
        for m in svc.method:
            used.update((m.input_type, m.output_type))
    return used


def needed_imports(fd: d.FileDescriptorProto, files: dict[str, d.FileDescriptorProto]) -> set[str]:
    """The imports of ``fd`` that define a type it uses (options we drop don't count)."""
    used = referenced_names(fd)
    return {dep for dep in fd.dependency if dep in files and defined_names(files[dep]) & used}


def render_file(fd: d.FileDescriptorProto, imports: set[str] | None = None) -> str:
    """Return .proto source text for one file descriptor.

    ``imports``, when given, limits the import lines to those paths.
    """
    return _FileRenderer(fd, imports).render()
