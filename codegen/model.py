"""A small typed model of the API, built from a FileDescriptorSet.

Templates read this model and compute nothing themselves: every Python name,
annotation and runtime constant a template prints is a field here.  The whole
model is built, then validated (name clashes, unknown types), before a single
file is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from google.protobuf import descriptor_pb2 as d

from codegen import jsonmap, naming, paging, wire

FDP = d.FieldDescriptorProto

# proto type -> (betterproto2 constant suffix, Python type)
_SCALARS: dict[int, tuple[str, str]] = {
    FDP.TYPE_DOUBLE: ("DOUBLE", "float"),
    FDP.TYPE_FLOAT: ("FLOAT", "float"),
    FDP.TYPE_INT64: ("INT64", "int"),
    FDP.TYPE_UINT64: ("UINT64", "int"),
    FDP.TYPE_INT32: ("INT32", "int"),
    FDP.TYPE_FIXED64: ("FIXED64", "int"),
    FDP.TYPE_FIXED32: ("FIXED32", "int"),
    FDP.TYPE_BOOL: ("BOOL", "bool"),
    FDP.TYPE_STRING: ("STRING", "str"),
    FDP.TYPE_BYTES: ("BYTES", "bytes"),
    FDP.TYPE_UINT32: ("UINT32", "int"),
    FDP.TYPE_SFIXED32: ("SFIXED32", "int"),
    FDP.TYPE_SFIXED64: ("SFIXED64", "int"),
    FDP.TYPE_SINT32: ("SINT32", "int"),
    FDP.TYPE_SINT64: ("SINT64", "int"),
}

# zero value of each scalar Python type, as a default in the generated __init__
_ZEROS = {"str": '""', "bytes": 'b""', "bool": "False", "float": "0.0", "int": "0"}

# Well-known messages that appear in Python as a plain value rather than a
# message: full proto name -> Python type of the value.
WRAPPED_TYPES: dict[str, str] = {
    ".google.protobuf.Timestamp": "datetime.datetime",
    ".google.protobuf.Duration": "datetime.timedelta",
    ".google.protobuf.BoolValue": "bool",
    ".google.protobuf.Int32Value": "int",
    ".google.protobuf.Int64Value": "int",
    ".google.protobuf.UInt32Value": "int",
    ".google.protobuf.UInt64Value": "int",
    ".google.protobuf.FloatValue": "float",
    ".google.protobuf.DoubleValue": "float",
    ".google.protobuf.StringValue": "str",
    ".google.protobuf.BytesValue": "bytes",
}


class ModelError(ValueError):
    """The descriptors cannot be turned into a consistent Python API."""


@dataclass(frozen=True)
class TypeRef:
    """Where a message or enum type lives in the output."""

    full_name: str  # ".pkg.Outer.Inner"
    py_name: str  # "OuterInner"
    module: tuple[str, ...]  # module path under the import root
    proto_package: str
    is_enum: bool

    @property
    def qualified_name(self) -> str:
        """Name within the proto package, as registered in the message pool."""
        return self.full_name[len(self.proto_package) + 2 :] if self.proto_package else self.full_name[1:]


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str  # proto name
    py_name: str
    number: int
    proto_type: str  # betterproto2 constant, e.g. "betterproto2.TYPE_STRING"
    py_type: str  # full annotation, e.g. "list[Foo]" or "str | None"
    deprecated: bool
    repeated: bool = False
    optional: bool = False  # proto3 optional, singular message or oneof member
    group: str | None = None  # oneof name
    unwrap: str | None = None  # expression naming the wrapper message class
    enum_default: str | None = None  # default factory expression for enums
    map_key_type: str | None = None  # maps: betterproto2 constants of the key and value types
    map_value_type: str | None = None
    map_value_unwrap: str | None = None
    init_default: str = "None"  # default of the generated __init__'s parameter
    init_factory: str | None = None  # a fresh value made per call when the parameter is None

    @property
    def init_annotation(self) -> str:
        """The parameter's annotation: a list or dict may be left out as None."""
        return f"{self.py_type} | None" if self.init_factory else self.py_type


@dataclass(frozen=True)
class Message:
    ref: TypeRef
    fields: tuple[Field, ...]
    oneofs: tuple[str, ...]
    deprecated: bool
    extra_methods: str | None  # name of a template partial with methods for a well-known type
    secret_fields: tuple[str, ...] = ()  # Python names of fields masked in repr
    wire: wire.WireMessage | None = None  # the facts of its generated codec
    json: jsonmap.JsonMessage | None = None  # the facts of its generated JSON codec

    @property
    def py_name(self) -> str:
        return self.ref.py_name

    @property
    def deprecated_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.deprecated)


@dataclass(frozen=True)
class EnumValue:
    py_name: str
    proto_name: str
    number: int
    deprecated: bool


@dataclass(frozen=True)
class Enum:
    ref: TypeRef
    values: tuple[EnumValue, ...]
    deprecated: bool

    @property
    def py_name(self) -> str:
        return self.ref.py_name

    @property
    def renamed(self) -> tuple[EnumValue, ...]:
        """Values whose Python name differs from the proto name."""
        return tuple(v for v in self.values if v.py_name != v.proto_name)


@dataclass(frozen=True)
class Method:
    name: str  # proto name
    py_name: str
    route: str  # "/pkg.Service/Method"
    request_type: str  # Python expression for the request class
    response_type: str
    client_streaming: bool
    server_streaming: bool
    deprecated: bool

    @property
    def rpc_kind(self) -> str:
        """One of unary_unary, unary_stream, stream_unary, stream_stream."""
        return (
            ("stream" if self.client_streaming else "unary")
            + "_"
            + ("stream" if self.server_streaming else "unary")
        )

    @property
    def cardinality(self) -> str:
        return self.rpc_kind.upper()


@dataclass(frozen=True)
class Service:
    name: str
    full_name: str  # "pkg.Service"
    stub_name: str
    sync_stub_name: str
    base_name: str
    methods: tuple[Method, ...]
    deprecated: bool


@dataclass(frozen=True)
class Import:
    module: tuple[str, ...]
    alias: str
    level: int  # dots for a relative import from the importing module

    @property
    def parent(self) -> str:
        return ".".join(self.module[:-1])

    @property
    def leaf(self) -> str:
        return self.module[-1]


@dataclass(frozen=True)
class Package:
    """One output module: every type and service of one proto package."""

    proto_package: str
    module: tuple[str, ...]
    sources: tuple[str, ...]
    enums: tuple[Enum, ...]
    messages: tuple[Message, ...]
    services: tuple[Service, ...]
    imports: tuple[Import, ...]
    uses_datetime: bool
    uses_warnings: bool  # something in it is deprecated: it imports the runtime's _deprecation
    uses_typing: bool = False  # a well-known type's extra methods annotate with typing
    codec_imports: tuple[Import, ...] = ()  # codec modules of other packages the codec calls
    enum_maps: tuple[tuple[str, str], ...] = ()  # (alias, enum class expression) used by the codec
    json_imports: tuple[Import, ...] = ()  # JSON codec modules of other packages the JSON codec calls
    json_enums: tuple[jsonmap.JsonEnum, ...] = ()  # the enums the JSON codec names and reads

    @property
    def json_well_known(self) -> tuple[str, ...]:
        """The classes of google.protobuf the JSON runtime builds Values with, when they are here."""
        names = {"Struct", "Value", "ListValue", "NullValue"}
        if self.proto_package != "google.protobuf":
            return ()
        here = {m.py_name for m in self.messages} | {e.py_name for e in self.enums}
        return tuple(sorted(names & here))

    @property
    def exported(self) -> tuple[str, ...]:
        names = [e.py_name for e in self.enums] + [m.py_name for m in self.messages]
        for s in self.services:
            names += [s.stub_name, s.sync_stub_name, s.base_name]
        return tuple(sorted(names))

    @property
    def runtime_modules(self) -> tuple[str, ...]:
        """The runtime modules (codegen/runtime/) the package module imports."""
        names = {"_messages"} if self.messages else set()
        if self.services:
            names |= {"_blocking", "_server", "_stubs"}
        if self.uses_warnings:
            names.add("_deprecation")
        return tuple(sorted(names))

    @property
    def is_empty(self) -> bool:
        return not (self.enums or self.messages or self.services)


@dataclass(frozen=True)
class Api:
    packages: tuple[Package, ...]
    paged: tuple[paging.PagedRpc, ...] = ()  # RPCs with a page-token pair (codegen/paging.py)
    half_paged: tuple[paging.HalfPagedRpc, ...] = ()  # RPCs with one half of a pair only

    @property
    def counts(self) -> dict[str, int]:
        return {
            "packages": len(self.packages),
            "messages": sum(len(p.messages) for p in self.packages),
            "enums": sum(len(p.enums) for p in self.packages),
            "services": sum(len(p.services) for p in self.packages),
            "rpcs": sum(len(s.methods) for p in self.packages for s in p.services),
        }

    @property
    def parent_modules(self) -> tuple[tuple[str, ...], ...]:
        """Intermediate packages that need an (empty) ``__init__``."""
        own = {p.module for p in self.packages}
        parents = {p.module[:i] for p in self.packages for i in range(1, len(p.module))}
        return tuple(sorted(parents - own))


@dataclass
class _Builder:
    fds: d.FileDescriptorSet
    strip_prefixes: tuple[str, ...]
    inputs: frozenset[str]
    refs: dict[str, TypeRef] = field(default_factory=dict)
    files: dict[str, d.FileDescriptorProto] = field(default_factory=dict)
    map_entries: dict[str, d.DescriptorProto] = field(default_factory=dict)
    enum_descriptors: dict[str, d.EnumDescriptorProto] = field(default_factory=dict)

    # -- pass 1: index every type ------------------------------------------------
    def index(self) -> None:
        for fd in self.fds.file:
            self.files[fd.name] = fd
            module = naming.module_path(fd.package, self.strip_prefixes)
            prefix = f".{fd.package}" if fd.package else ""
            self._index(fd.package, module, prefix, (), fd.message_type, fd.enum_type)

    def _index(
        self,
        package: str,
        module: tuple[str, ...],
        prefix: str,
        scope: tuple[str, ...],
        messages: Iterable[d.DescriptorProto],
        enums: Iterable[d.EnumDescriptorProto],
    ) -> None:
        for enum in enums:
            path = (*scope, enum.name)
            full = f"{prefix}.{'.'.join(path)}"
            self.refs[full] = TypeRef(full, naming.type_name(path), module, package, True)
            self.enum_descriptors[full] = enum
        for msg in messages:
            path = (*scope, msg.name)
            full = f"{prefix}.{'.'.join(path)}"
            if msg.options.map_entry:
                self.map_entries[full] = msg
                continue
            self.refs[full] = TypeRef(full, naming.type_name(path), module, package, False)
            self._index(package, module, prefix, path, msg.nested_type, msg.enum_type)

    # -- which files to emit -----------------------------------------------------
    def emitted_files(self) -> list[d.FileDescriptorProto]:
        """The input files, plus any imported file that defines a type they use."""
        wanted = set(self.inputs)
        changed = True
        while changed:
            changed = False
            for name in list(wanted):
                for dep in self._type_deps(self.files[name]):
                    if dep not in wanted:
                        wanted.add(dep)
                        changed = True
        return [fd for fd in self.fds.file if fd.name in wanted]

    def _type_deps(self, fd: d.FileDescriptorProto) -> set[str]:
        used: set[str] = set()

        def walk(messages: Iterable[d.DescriptorProto]) -> None:
            for msg in messages:
                used.update(f.type_name for f in msg.field if f.type_name)
                walk(msg.nested_type)

        walk(fd.message_type)
        for svc in fd.service:
            for m in svc.method:
                used.update((m.input_type, m.output_type))
        files = set()
        for dep in fd.dependency:
            dep_fd = self.files[dep]
            prefix = f".{dep_fd.package}." if dep_fd.package else "."
            if any(u.startswith(prefix) and self._defined_in(u, dep_fd) for u in used):
                files.add(dep)
        return files

    def _defined_in(self, full: str, fd: d.FileDescriptorProto) -> bool:
        prefix = f".{fd.package}" if fd.package else ""
        names = {f"{prefix}.{m.name}" for m in fd.message_type} | {f"{prefix}.{e.name}" for e in fd.enum_type}
        top = full if full in names else None
        while top is None and "." in full[1:]:
            full = full.rsplit(".", 1)[0]
            top = full if full in names else None
        return top is not None

    # -- pass 2: build packages --------------------------------------------------
    def build(self) -> Api:
        self.index()
        by_package: dict[str, list[d.FileDescriptorProto]] = {}
        emitted = self.emitted_files()
        for fd in emitted:
            by_package.setdefault(fd.package, []).append(fd)
        packages = [self._package(pkg, fds) for pkg, fds in sorted(by_package.items())]
        try:
            paged, half_paged = paging.detect(emitted, self.fds.file)
        except paging.PagingError as exc:
            raise ModelError(str(exc)) from None
        api = Api(tuple(p for p in packages if not p.is_empty), paged, half_paged)
        _validate(api)
        return api

    def _package(self, package: str, fds: list[d.FileDescriptorProto]) -> Package:
        module = naming.module_path(package, self.strip_prefixes)
        ctx = _PackageContext(self, module)
        enums: list[Enum] = []
        messages: list[Message] = []
        services: list[Service] = []
        for fd in fds:
            prefix = f".{fd.package}" if fd.package else ""
            self._collect(ctx, prefix, fd.message_type, fd.enum_type, enums, messages)
            for svc in fd.service:
                services.append(self._service(ctx, fd.package, svc))
        return Package(
            proto_package=package,
            module=module,
            sources=tuple(sorted(fd.name for fd in fds)),
            enums=tuple(enums),
            messages=tuple(messages),
            services=tuple(services),
            imports=tuple(sorted(ctx.imports.values(), key=lambda i: i.module)),
            uses_datetime=ctx.uses_datetime
            or any(WRAPPED_TYPES.get(m.ref.full_name, "").startswith("datetime.") for m in messages),
            uses_warnings=any(m.deprecated or m.deprecated_fields for m in messages)
            or any(meth.deprecated for s in services for meth in s.methods),
            uses_typing=any(m.wire is not None and m.wire.fast for m in messages),
            codec_imports=tuple(sorted(ctx.codec_imports.values(), key=lambda i: i.module)),
            enum_maps=tuple(sorted(ctx.enum_maps.items())),
            json_imports=tuple(sorted(ctx.json_imports.values(), key=lambda i: i.module)),
            json_enums=tuple(sorted(ctx.json_enums.values(), key=lambda e: e.names)),
        )

    def _collect(
        self,
        ctx: _PackageContext,
        prefix: str,
        messages: Iterable[d.DescriptorProto],
        enums: Iterable[d.EnumDescriptorProto],
        out_enums: list[Enum],
        out_messages: list[Message],
    ) -> None:
        for enum in enums:
            ref = self.refs[f"{prefix}.{enum.name}"]
            values = tuple(
                EnumValue(naming.enum_value_name(v.name), v.name, v.number, v.options.deprecated)
                for v in enum.value
            )
            out_enums.append(Enum(ref, values, enum.options.deprecated))
        for msg in messages:
            full = f"{prefix}.{msg.name}"
            if msg.options.map_entry:
                continue
            ref = self.refs[full]
            out_messages.append(self._message(ctx, ref, msg))
            self._collect(ctx, full, msg.nested_type, msg.enum_type, out_enums, out_messages)

    def _message(self, ctx: _PackageContext, ref: TypeRef, msg: d.DescriptorProto) -> Message:
        synthetic = {f.oneof_index for f in msg.field if f.proto3_optional}
        real_oneofs = [i for i in range(len(msg.oneof_decl)) if i not in synthetic]
        oneof_names = naming.field_names((msg.oneof_decl[i].name, i + 1) for i in real_oneofs)
        group_of = dict(zip(real_oneofs, oneof_names, strict=True))  # oneof index -> Python name
        py_names = naming.field_names((f.name, f.number) for f in msg.field)
        fields = []
        for f, py_name in zip(msg.field, py_names, strict=True):
            group = group_of.get(f.oneof_index) if f.HasField("oneof_index") else None
            fields.append(self._field(ctx, f, py_name, group))
        extra = ref.py_name if ref.full_name in WRAPPED_TYPES or ref.full_name in wire.FAST_CODECS else None
        secrets = tuple(
            fld.py_name
            for fld, proto in zip(fields, msg.field, strict=True)
            if naming.is_secret_field(proto.name) and proto.type in (FDP.TYPE_STRING, FDP.TYPE_BYTES)
        )
        codec = self._wire_message(ctx, ref, msg, fields)
        json_codec = self._json_message(ctx, ref, msg, fields)
        return Message(
            ref, tuple(fields), tuple(oneof_names), msg.options.deprecated, extra, secrets, codec, json_codec
        )

    def _json_message(
        self, ctx: _PackageContext, ref: TypeRef, msg: d.DescriptorProto, fields: list[Field]
    ) -> jsonmap.JsonMessage:
        label = ref.full_name[1:]
        out = []
        for index, (fld, proto) in enumerate(zip(fields, msg.field, strict=True)):
            flabel = f"{label}.{proto.name}"
            printed, proto_name, accepted = jsonmap.field_names(proto)
            key = None
            if proto.label == FDP.LABEL_REPEATED and proto.type_name in self.map_entries:
                entry = self.map_entries[proto.type_name]
                key = self._json_element(ctx, entry.field[0], flabel + ".key")
                element = self._json_element(ctx, entry.field[1], flabel)
                shape = "map"
            else:
                element = self._json_element(ctx, proto, flabel)
                shape = (
                    "repeated"
                    if proto.label == FDP.LABEL_REPEATED
                    else "optional"
                    if fld.optional
                    else "implicit"
                )
            out.append(
                jsonmap.JsonField(
                    attr=fld.py_name,
                    index=index,
                    json_name=printed,
                    proto_name=proto_name,
                    accepted=accepted,
                    shape=shape,
                    element=element,
                    key=key,
                    group=fld.group,
                    group_local=naming.oneof_local(fld.group) if fld.group else "",
                    default="{}" if shape == "map" else "[]" if shape == "repeated" else fld.init_default,
                )
            )
        wrapper = None
        if ref.full_name in jsonmap.WRAPPERS:
            wrapper = jsonmap.scalar(msg.field[0], label + ".value")
        return jsonmap.JsonMessage(
            type_name=ref.py_name,
            label=label,
            to_json=naming.json_encoder_name(ref.py_name),
            from_json=naming.json_decoder_name(ref.py_name),
            names=naming.json_names_table(ref.py_name),
            lookup=naming.json_lookup_table(ref.py_name),
            fields=tuple(out),
            special=jsonmap.SPECIAL.get(ref.full_name),
            wrapper=wrapper,
        )

    def _json_element(
        self, ctx: _PackageContext, f: d.FieldDescriptorProto, label: str
    ) -> jsonmap.JsonElement:
        if f.type == FDP.TYPE_MESSAGE:
            if f.type_name in jsonmap.UNWRAPPED_KINDS:
                return jsonmap.unwrapped(f.type_name, label)
            to_json, from_json = ctx.json_ref(f.type_name)
            return jsonmap.JsonElement(
                kind="message",
                label=label,
                to_json=to_json,
                from_json=from_json,
                takes_null=f.type_name == jsonmap.VALUE,
            )
        if f.type == FDP.TYPE_ENUM:
            if f.type_name == jsonmap.NULL_VALUE:
                return jsonmap.JsonElement(
                    kind="null_value", label=label, takes_null=True, enum_type=ctx.ref(f.type_name)
                )
            enum = ctx.json_enum(f.type_name)
            return jsonmap.JsonElement(
                kind="enum",
                label=label,
                enum_type=enum.enum_type,
                enum_names=enum.names,
                enum_values=enum.values,
                low=-(2**31),
                high=2**31 - 1,
            )
        return jsonmap.scalar(f, label)

    def _wire_message(
        self, ctx: _PackageContext, ref: TypeRef, msg: d.DescriptorProto, fields: list[Field]
    ) -> wire.WireMessage:
        label = ref.full_name[1:]
        locals_by_group: dict[str, list[str]] = {}
        for fld in fields:
            if fld.group:
                locals_by_group.setdefault(fld.group, []).append(naming.field_local(fld.py_name))
        out = []
        for fld, proto in zip(fields, msg.field, strict=True):
            local = naming.field_local(fld.py_name)
            flabel = f"{label}.{proto.name}"
            clears = tuple(x for x in locals_by_group.get(fld.group or "", ()) if x != local)
            if proto.label == FDP.LABEL_REPEATED and proto.type_name in self.map_entries:
                entry = self.map_entries[proto.type_name]
                key = self._wire_element(ctx, entry.field[0], 1, flabel + ".key")
                value = self._wire_element(ctx, entry.field[1], 2, flabel + ".value")
                out.append(
                    wire.WireField(
                        attr=fld.py_name,
                        local=local,
                        shape="map",
                        element=value,
                        key=key,
                        entry_decoder=naming.entry_decoder_name(ref.py_name, fld.py_name),
                        entry_label=flabel,
                        map_tag=(proto.number << 3) | wire.WIRE_LEN,
                        map_tag_bytes=wire.tag_bytes(proto.number, wire.WIRE_LEN),
                    )
                )
                continue
            el = self._wire_element(ctx, proto, proto.number, flabel)
            if proto.label == FDP.LABEL_REPEATED:
                if wire.is_packable(proto):
                    out.append(
                        wire.WireField(
                            attr=fld.py_name,
                            local=local,
                            shape="packed",
                            element=el,
                            packed_tag=(proto.number << 3) | wire.WIRE_LEN,
                            packed_tag_bytes=wire.tag_bytes(proto.number, wire.WIRE_LEN),
                            write_packed=wire.writes_packed(proto),
                        )
                    )
                else:
                    out.append(wire.WireField(attr=fld.py_name, local=local, shape="repeated", element=el))
            elif fld.optional:
                shape = (
                    "message"
                    if el.kind == "message" and not fld.group and not proto.proto3_optional
                    else "optional"
                )
                out.append(
                    wire.WireField(attr=fld.py_name, local=local, shape=shape, element=el, clears=clears)
                )
            else:
                out.append(wire.WireField(attr=fld.py_name, local=local, shape="implicit", element=el))
        fast = wire.FAST_CODECS.get(ref.full_name)
        unwrapped = wire.UNWRAPPED.get(ref.full_name) or ("value" if ref.full_name in WRAPPED_TYPES else None)
        public_dec, public_enc = naming.decoder_name(ref.py_name), naming.encoder_name(ref.py_name)
        return wire.WireMessage(
            type_name=ref.py_name,
            decoder=public_dec,
            encoder=public_enc,
            wire_decoder=naming.wire_decoder_name(ref.py_name) if fast else public_dec,
            wire_encoder=naming.wire_encoder_name(ref.py_name) if fast else public_enc,
            fields=tuple(out),
            label=label,
            unwrapped=unwrapped,
            fast=fast,
        )

    def _wire_element(
        self, ctx: _PackageContext, f: d.FieldDescriptorProto, number: int, label: str
    ) -> wire.Element:
        if f.type == FDP.TYPE_MESSAGE:
            decoder, encoder = ctx.codec_ref(f.type_name, unwrapped=f.type_name in WRAPPED_TYPES)
            first = wire.FIRST_DECODERS.get(f.type_name, "") if f.type_name in WRAPPED_TYPES else ""
            return wire.element(f, number, label, decoder=decoder, encoder=encoder, first_decoder=first)
        if f.type == FDP.TYPE_ENUM:
            enum_type = ctx.ref(f.type_name)
            return wire.element(f, number, label, enum_map=ctx.enum_map(enum_type), enum_type=enum_type)
        return wire.element(f, number, label)

    def _field(
        self, ctx: _PackageContext, f: d.FieldDescriptorProto, py_name: str, group: str | None
    ) -> Field:
        repeated = f.label == FDP.LABEL_REPEATED
        if repeated and f.type_name in self.map_entries:
            entry = self.map_entries[f.type_name]
            key, value = entry.field[0], entry.field[1]
            key_const, key_py = self._element(ctx, key)
            value_const, value_py = self._element(ctx, value)
            value_unwrap = ctx.wrapper(value.type_name) if value.type_name in WRAPPED_TYPES else None
            return Field(
                name=f.name,
                py_name=py_name,
                number=f.number,
                proto_type="betterproto2.TYPE_MAP",
                py_type=f"dict[{key_py}, {value_py}]",
                map_key_type=key_const,
                map_value_type=value_const,
                map_value_unwrap=value_unwrap,
                deprecated=f.options.deprecated,
                init_factory="{}",
            )
        const, py = self._element(ctx, f)
        is_message = f.type == FDP.TYPE_MESSAGE
        unwrap = ctx.wrapper(f.type_name) if is_message and f.type_name in WRAPPED_TYPES else None
        optional = not repeated and (f.proto3_optional or is_message or group is not None)
        enum_default = None
        if f.type == FDP.TYPE_ENUM and not repeated and not optional:
            enum_default = f"lambda: {py}(0)"
        if repeated:
            annotation = f"list[{py}]"
        elif optional:
            annotation = f"{py} | None"
        else:
            annotation = py
        if repeated or optional:
            init_default = "None"
        elif f.type == FDP.TYPE_ENUM:
            init_default = f"{py}(0)"  # an enum member: immutable, so one shared default is fine
        else:
            init_default = _ZEROS[py]
        return Field(
            name=f.name,
            py_name=py_name,
            number=f.number,
            proto_type=const,
            py_type=annotation,
            repeated=repeated,
            optional=optional,
            group=group,
            unwrap=unwrap,
            enum_default=enum_default,
            deprecated=f.options.deprecated,
            init_default=init_default,
            init_factory="[]" if repeated else None,
        )

    def _element(self, ctx: _PackageContext, f: d.FieldDescriptorProto) -> tuple[str, str]:
        """(betterproto2 type constant, Python type) of one value of a field."""
        if f.type in _SCALARS:
            const, py = _SCALARS[f.type]
            return f"betterproto2.TYPE_{const}", py
        if f.type == FDP.TYPE_ENUM:
            return "betterproto2.TYPE_ENUM", ctx.ref(f.type_name)
        if f.type == FDP.TYPE_MESSAGE:
            if f.type_name in WRAPPED_TYPES:
                py = WRAPPED_TYPES[f.type_name]
                if py.startswith("datetime."):
                    ctx.uses_datetime = True
                return "betterproto2.TYPE_MESSAGE", py
            return "betterproto2.TYPE_MESSAGE", ctx.ref(f.type_name)
        raise ModelError(f"field {f.name}: unsupported type {FDP.Type.Name(f.type)}")

    def _service(self, ctx: _PackageContext, package: str, svc: d.ServiceDescriptorProto) -> Service:
        full = f"{package}.{svc.name}" if package else svc.name
        stub, sync_stub, base = naming.stub_names(svc.name)
        methods = tuple(
            Method(
                name=m.name,
                py_name=naming.method_name(m.name),
                route=f"/{full}/{m.name}",
                request_type=ctx.ref(m.input_type),
                response_type=ctx.ref(m.output_type),
                client_streaming=m.client_streaming,
                server_streaming=m.server_streaming,
                deprecated=m.options.deprecated,
            )
            for m in svc.method
        )
        return Service(svc.name, full, stub, sync_stub, base, methods, svc.options.deprecated)


@dataclass
class _PackageContext:
    """Resolves type references from one output module, recording imports."""

    builder: _Builder
    module: tuple[str, ...]
    imports: dict[tuple[str, ...], Import] = field(default_factory=dict)
    codec_imports: dict[tuple[str, ...], Import] = field(default_factory=dict)
    enum_maps: dict[str, str] = field(default_factory=dict)
    json_imports: dict[tuple[str, ...], Import] = field(default_factory=dict)
    json_enums: dict[str, jsonmap.JsonEnum] = field(default_factory=dict)
    uses_datetime: bool = False

    def json_ref(self, full_name: str) -> tuple[str, str]:
        """Expressions of the JSON encoder and decoder functions of a message type."""
        ref = self.builder.refs[full_name]
        names = naming.json_encoder_name(ref.py_name), naming.json_decoder_name(ref.py_name)
        if ref.module == self.module:
            return names
        if ref.module not in self.json_imports:
            self.json_imports[ref.module] = Import(
                (*ref.module, "_json"), naming.json_module_alias(ref.module), len(self.module) + 1
            )
        alias = self.json_imports[ref.module].alias
        return f"{alias}.{names[0]}", f"{alias}.{names[1]}"

    def json_enum(self, full_name: str) -> jsonmap.JsonEnum:
        """The JSON tables of an enum, in this package's JSON codec module."""
        enum_type = self.ref(full_name)
        if enum_type not in self.json_enums:
            descriptor = self.builder.enum_descriptors[full_name]
            self.json_enums[enum_type] = jsonmap.JsonEnum(
                enum_type=enum_type,
                names=naming.json_enum_names(enum_type),
                values=naming.json_enum_values(enum_type),
                members=tuple((v.name, v.number) for v in descriptor.value),
            )
        return self.json_enums[enum_type]

    def codec_ref(self, full_name: str, unwrapped: bool) -> tuple[str, str]:
        """Expressions of the decoder and encoder functions of a message type."""
        ref = self.builder.refs[full_name]
        if unwrapped:
            names = naming.value_decoder_name(ref.py_name), naming.value_encoder_name(ref.py_name)
        else:
            names = naming.decoder_name(ref.py_name), naming.encoder_name(ref.py_name)
        if ref.module == self.module:
            return names
        if ref.module not in self.codec_imports:
            self.codec_imports[ref.module] = Import(
                (*ref.module, "_codec"), naming.codec_module_alias(ref.module), len(self.module) + 1
            )
        alias = self.codec_imports[ref.module].alias
        return f"{alias}.{names[0]}", f"{alias}.{names[1]}"

    def enum_map(self, enum_type: str) -> str:
        """Module-level alias of an enum's value -> member map, in the codec module."""
        alias = naming.enum_values_name(enum_type)
        self.enum_maps[alias] = enum_type
        return alias

    def ref(self, full_name: str) -> str:
        try:
            ref = self.builder.refs[full_name]
        except KeyError:
            raise ModelError(f"unknown type {full_name}") from None
        if ref.module == self.module:
            return ref.py_name
        return f"{self._import(ref.module)}.{ref.py_name}"

    def wrapper(self, full_name: str) -> str:
        """Expression for the message class that carries a wrapped value."""
        return f"lambda: {self.ref(full_name)}"

    def _import(self, module: tuple[str, ...]) -> str:
        if module not in self.imports:
            if not module:
                raise ModelError("types without a package cannot be imported across modules")
            alias = naming.module_alias(module)
            if alias in naming.RUNTIME_MODULES:
                raise ModelError(
                    f"module {'.'.join(module)} would be imported as {alias} into {'.'.join(self.module)}, "
                    "the name of a runtime module"
                )
            for other in self.imports.values():
                if other.alias == alias:
                    raise ModelError(
                        f"modules {'.'.join(other.module)} and {'.'.join(module)} would both be imported "
                        f"as {alias} into {'.'.join(self.module)}"
                    )
            self.imports[module] = Import(module, alias, len(self.module) + 1)
        return self.imports[module].alias


def _validate(api: Api) -> None:
    """Fail on anything that would produce broken or ambiguous Python."""
    modules: set[tuple[str, ...]] = set()
    for pkg in api.packages:
        if pkg.module in modules:
            raise ModelError(f"two proto packages map to module {'.'.join(pkg.module)}")
        modules.add(pkg.module)
        seen: dict[str, str] = {}
        for name, what in (
            [(e.py_name, e.ref.full_name) for e in pkg.enums]
            + [(m.py_name, m.ref.full_name) for m in pkg.messages]
            + [(n, s.full_name) for s in pkg.services for n in (s.stub_name, s.sync_stub_name, s.base_name)]
        ):
            if name in seen:
                raise ModelError(f"{what} and {seen[name]} both become {pkg.module}.{name}")
            seen[name] = what
        for msg in pkg.messages:
            names = [f.py_name for f in msg.fields]
            if len(set(names)) != len(names):
                raise ModelError(f"{msg.ref.full_name}: two fields share a Python name")
        _validate_codec_names(pkg)
        for enum in pkg.enums:
            if not enum.values or enum.values[0].number != 0 and not any(v.number == 0 for v in enum.values):
                raise ModelError(f"{enum.ref.full_name}: proto3 enums need a zero value")
        for svc in pkg.services:
            names = [m.py_name for m in svc.methods]
            if len(set(names)) != len(names):
                raise ModelError(f"{svc.full_name}: two RPCs share a Python name")


def _validate_codec_names(pkg: Package) -> None:
    """Every module-level name of the package's ``_codec`` module belongs to one thing only."""
    owner: dict[str, str] = {}
    for alias, enum_type in pkg.enum_maps:
        owner[alias] = enum_type
    for msg in pkg.messages:
        if msg.wire is None:
            continue
        w = msg.wire
        names = {w.decoder, w.encoder, w.wire_decoder, w.wire_encoder} | {f.entry_decoder for f in w.maps}
        if w.unwrapped:
            names |= {w.unwrap_decoder, w.unwrap_encoder}
        for name in sorted(names):
            if owner.setdefault(name, msg.ref.full_name) != msg.ref.full_name:
                raise ModelError(
                    f"{msg.ref.full_name} and {owner[name]} both need {name} in {'.'.join(pkg.module)}"
                )


def build_api(fds: d.FileDescriptorSet, inputs: Iterable[str], strip_prefixes: tuple[str, ...] = ()) -> Api:
    """Build and validate the model for the ``inputs`` files of ``fds``."""
    return _Builder(fds, strip_prefixes, frozenset(inputs)).build()
