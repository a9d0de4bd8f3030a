"""OpenTelemetry spans with the ``otel`` extra, and nothing at all without it (``viam_sdk.rpc._tracing``).

The spans are read back from the OpenTelemetry SDK's in-memory exporter; the
``traceparent`` each attempt sent is read where it arrives, on a real server.
"Without the extra" runs in a fresh interpreter in which importing
``opentelemetry`` fails, as it does where the package is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc import RetrySettings, _tracing
from viam_sdk.rpc._policy import SDKPolicy
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from ._scripted_server import Script, ScriptedServer

TESTS = Path(__file__).resolve().parents[1]
EXPORTER = InMemorySpanExporter()
GET_ORG = "viam.app.v1.AppService/GetOrganization"


class _WhileTesting(SimpleSpanProcessor):
    """Exports spans only while a test of this module runs (the provider outlives it in the process)."""

    active = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.active:
            super().on_end(span)


PROCESSOR = _WhileTesting(EXPORTER)


@pytest.fixture(autouse=True)
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)  # once per process: the SDK's tracer follows it
    if not getattr(provider, "_viam_test_exporter", False):
        provider.add_span_processor(PROCESSOR)
        provider._viam_test_exporter = True  # type: ignore[attr-defined]
    EXPORTER.clear()
    PROCESSOR.active = True
    try:
        yield EXPORTER
    finally:
        PROCESSOR.active = False
        EXPORTER.clear()


def _named(found: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in found if s.name == name]


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def _traceparent(span: ReadableSpan) -> str:
    context = span.context
    assert context is not None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


@pytest.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    boot = emulator.bootstrap
    client = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )
    yield client
    client.close()


async def test_a_method_span_and_an_attempt_span_under_the_callers_span(
    viam: ViamClient, emulator: Emulator, spans: InMemorySpanExporter
) -> None:
    assert _tracing.ENABLED
    org_id = emulator.bootstrap.org_id
    with trace.get_tracer("test").start_as_current_span("the caller") as outer:
        assert (await viam.app_client.get_organization(org_id)).id == org_id
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.get_organization")
    (attempt,) = _named(found, GET_ORG)
    assert method.kind is SpanKind.INTERNAL and attempt.kind is SpanKind.CLIENT
    assert _parent_id(method) == outer.get_span_context().span_id
    assert _parent_id(attempt) == method.context.span_id
    assert attempt.context.trace_id == outer.get_span_context().trace_id
    assert dict(attempt.attributes or {}) == {
        "rpc.system": "grpc",
        "rpc.service": "viam.app.v1.AppService",
        "rpc.method": "GetOrganization",
        "viam.rpc.attempt": 1,
        "rpc.grpc.status_code": 0,
    }
    assert method.status.status_code is StatusCode.UNSET and attempt.status.status_code is StatusCode.UNSET


async def test_a_refused_call_marks_both_spans_failed(viam: ViamClient, spans: InMemorySpanExporter) -> None:
    with pytest.raises(errors.ViamError) as refused:
        await viam.app_client.get_organization("no-such-org")
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.get_organization")
    (attempt,) = _named(found, GET_ORG)
    assert (attempt.attributes or {})["rpc.grpc.status_code"] == refused.value.status.value
    assert attempt.status.status_code is StatusCode.ERROR and method.status.status_code is StatusCode.ERROR
    assert [e.name for e in method.events] == ["exception"]


async def test_each_attempt_has_its_span_and_sends_its_traceparent(spans: InMemorySpanExporter) -> None:
    script = Script(failures={"GetOrganization": [Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED]}, pushback_ms=1)
    async with ScriptedServer(script) as server:
        channel = Channel("127.0.0.1", server.port)
        try:
            client = AppClient(channel, {"authorization": "Bearer scripted"})
            client._app_client.policy = SDKPolicy(RetrySettings(max_attempts=3, initial_backoff=0.001))
            assert (await client.get_organization("org-1")).id == "org-1"
        finally:
            channel.close()
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.get_organization")
    attempts = sorted(_named(found, GET_ORG), key=lambda s: int((s.attributes or {})["viam.rpc.attempt"]))  # type: ignore[arg-type]
    assert [((s.attributes or {})["viam.rpc.attempt"], (s.attributes or {})["rpc.grpc.status_code"]) for s in attempts] == [
        (1, Status.UNAVAILABLE.value),
        (2, Status.RESOURCE_EXHAUSTED.value),
        (3, 0),
    ]
    assert {_parent_id(s) for s in attempts} == {method.context.span_id}
    # What the server received: each attempt's own span as the parent of the server's work.
    assert [m.get("traceparent") for m in script.metadata] == [_traceparent(s) for s in attempts]


async def test_a_stream_attempt_is_a_child_of_its_method(spans: InMemorySpanExporter) -> None:
    script = Script()
    async with ScriptedServer(script) as server:
        channel = Channel("127.0.0.1", server.port)
        try:
            client = AppClient(channel, {"authorization": "Bearer scripted"})
            stream = await client.tail_robot_part_logs("part-1", resume=False)
            assert [e.message for batch in [b async for b in stream] for e in batch] == ["hello"]
        finally:
            channel.close()
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.tail_robot_part_logs")
    (attempt,) = _named(found, "viam.app.v1.AppService/TailRobotPartLogs")
    assert _parent_id(attempt) == method.context.span_id
    assert (attempt.attributes or {})["rpc.grpc.status_code"] == 0
    assert script.metadata[0]["traceparent"] == _traceparent(attempt)


async def test_an_iterator_method_spans_its_pages(
    viam: ViamClient, emulator: Emulator, spans: InMemorySpanExporter
) -> None:
    fragment = await viam.app_client.create_fragment(emulator.bootstrap.org_id, "traced")
    history = [entry async for entry in viam.app_client.iter_fragment_history(fragment.id, page_size=1)]
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.iter_fragment_history")
    pages = _named(found, "viam.app.v1.AppService/GetFragmentHistory")
    assert len(pages) >= max(1, len(history))
    assert {_parent_id(p) for p in pages} == {method.context.span_id}


def test_the_blocking_client_makes_the_same_spans(emulator_thread: Emulator, spans: InMemorySpanExporter) -> None:
    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url) as viam:
        assert viam.app_client.get_organization(boot.org_id).id == boot.org_id
    found = spans.get_finished_spans()
    (method,) = _named(found, "AppClient.get_organization")
    (attempt,) = _named(found, GET_ORG)
    assert _parent_id(attempt) == method.context.span_id


_WITHOUT = """
import asyncio, importlib.abc, json, sys

class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

if BLOCK:
    sys.meta_path.insert(0, NoOpenTelemetry())
sys.path.insert(0, TESTS)

from grpclib.client import Channel
from sdk._scripted_server import Script, ScriptedServer
from viam_sdk.app.app_client import AppClient
from viam_sdk.rpc import _tracing

async def main():
    script = Script()
    async with ScriptedServer(script) as server:
        channel = Channel("127.0.0.1", server.port)
        try:
            if PARENT:  # a context the caller made current (as a server does with what it received)
                from opentelemetry import trace
                from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

                parent = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(1))
                with trace.use_span(NonRecordingSpan(parent)):
                    org = await AppClient(channel, {"authorization": "Bearer x"}).get_organization("org-1")
            else:
                org = await AppClient(channel, {"authorization": "Bearer x"}).get_organization("org-1")
        finally:
            channel.close()
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry")
    sent = script.metadata[0]
    print(json.dumps({"enabled": _tracing.ENABLED, "org": org.id, "loaded": loaded, "sent": sorted(sent),
                      "traceparent": sent.get("traceparent")}))

asyncio.run(main())
"""


def _run(block: bool, parent: bool = False) -> dict[str, object]:
    code = f"BLOCK = {block!r}\nPARENT = {parent!r}\nTESTS = {str(TESTS)!r}\n" + textwrap.dedent(_WITHOUT)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_without_the_extra_nothing_is_traced_or_imported() -> None:
    out = _run(block=True)
    assert out["enabled"] is False and out["org"] == "org-1"
    assert out["loaded"] == []
    assert "traceparent" not in out["sent"]  # type: ignore[operator]


def test_with_the_extra_but_no_tracer_provider_no_traceparent_is_sent() -> None:
    out = _run(block=False)
    assert out["enabled"] is True and out["org"] == "org-1"
    assert out["loaded"] != []
    assert "traceparent" not in out["sent"]  # type: ignore[operator]


def test_with_the_extra_but_no_tracer_provider_the_callers_context_is_passed_on() -> None:
    # No spans are made then (they would record nothing), but a context the caller made
    # current still reaches the server, as it did through the API's stand-in spans.
    out = _run(block=False, parent=True)
    assert out["org"] == "org-1"
    assert out["traceparent"] == f"00-{0x1234:032x}-{0x5678:016x}-01"
