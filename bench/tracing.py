"""Client CPU per SDK call with and without the ``otel`` extra (``python -m bench.tracing``).

An emulator runs in a process of its own (``python -m viam_sdk.testing serve``);
each mode runs in a fresh client interpreter that makes ``--calls`` calls of
``AppClient.get_organization`` after a warm-up and reports the CPU time it used
(``time.process_time``: the client's own, not the emulator's) per call:

* ``no-extra``: importing ``opentelemetry`` fails, as where the extra is not installed;
* ``api-only``: the extra installed, no tracer provider configured (the API's no-op spans);
* ``sdk-recording``: the OpenTelemetry SDK's tracer provider recording every span
  into a processor that drops it (the cost of real spans, without an exporter's I/O).

Each mode is run ``--reps`` times, interleaved; the median and the least are
reported (the least is the steadier figure on a loaded machine).

``--micro`` measures the same modes without a server or a socket: a method
wrapped as the clients' are (``with_call_timeouts``) whose one RPC goes
through the SDK's call policy to an attempt that answers at once, so only
the cost the SDK adds per call is counted (the method and attempt spans, not
the ``traceparent`` header, which grpclib's request event adds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Sequence

MODES = ("no-extra", "api-only", "sdk-recording")

_CLIENT = """
import asyncio, importlib.abc, json, sys, time

MODE, URL, KEY, KEY_ID, ORG, CALLS = {args!r}

class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

if MODE == "no-extra":
    sys.meta_path.insert(0, NoOpenTelemetry())
elif MODE == "sdk-recording":
    from opentelemetry import trace
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    provider = TracerProvider()
    provider.add_span_processor(SpanProcessor())  # receives every span, keeps none
    trace.set_tracer_provider(provider)

from viam_sdk import ViamClient
from viam_sdk.rpc import _tracing
from viam_sdk.rpc.dial import DialOptions

async def main():
    viam = await ViamClient.create_from_dial_options(DialOptions.with_api_key(KEY, KEY_ID), URL)
    fleet = viam.app_client
    for _ in range(200):
        await fleet.get_organization(ORG)
    start = time.process_time()
    for _ in range(CALLS):
        await fleet.get_organization(ORG)
    used = time.process_time() - start
    viam.close()
    print(json.dumps({{"enabled": _tracing.ENABLED, "cpu_us_per_call": used / CALLS * 1e6}}))

asyncio.run(main())
"""

_MICRO = """
import asyncio, importlib.abc, json, sys, time

MODE, CALLS = {args!r}

class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

if MODE == "no-extra":
    sys.meta_path.insert(0, NoOpenTelemetry())
elif MODE == "sdk-recording":
    from opentelemetry import trace
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    provider = TracerProvider()
    provider.add_span_processor(SpanProcessor())
    trace.set_tracer_provider(provider)

import grpclib.const
from viam_api._runtime import CallInfo
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.rpc import _tracing
from viam_sdk.rpc._policy import SDKPolicy

policy = SDKPolicy()
call = CallInfo("/viam.app.v1.AppService/GetOrganization", grpclib.const.Cardinality.UNARY_UNARY, None, None)

async def answer(seconds):
    return None

class Client:
    async def get_organization(self, *, timeout=None):
        return await policy.unary(call, answer)

Client.__module__ = "viam_sdk.bench"  # with_call_timeouts wraps the SDK's own classes
with_call_timeouts(Client)

async def main():
    client = Client()
    for _ in range(2000):
        await client.get_organization()
    start = time.process_time()
    for _ in range(CALLS):
        await client.get_organization()
    used = time.process_time() - start
    print(json.dumps({{"enabled": _tracing.ENABLED, "cpu_us_per_call": used / CALLS * 1e6}}))

asyncio.run(main())
"""


def _client(mode: str, boot: dict[str, str] | None, calls: int) -> float:
    if boot is None:
        code = textwrap.dedent(_MICRO.format(args=(mode, calls)))
    else:
        args = (mode, boot["app_url"], boot["api_key"], boot["api_key_id"], boot["org_id"], calls)
        code = textwrap.dedent(_CLIENT.format(args=args))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["enabled"] is (mode == "no-extra"):
        raise RuntimeError(f"{mode}: tracing enabled={out['enabled']}, not what the mode asks for")
    return float(out["cpu_us_per_call"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="measured calls per run (default 3000)")
    parser.add_argument("--reps", type=int, default=5, help="runs per mode, interleaved (default 5)")
    parser.add_argument("--micro", action="store_true", help="no server: the SDK's own cost per call only")
    options = parser.parse_args(argv)
    if options.micro:
        results = _runs(None, options.calls * 10, options.reps)
        _report(results, "the wrapper and the call policy per call, no I/O", options.calls * 10, options.reps)
        return 0
    server = subprocess.Popen(
        [sys.executable, "-m", "viam_sdk.testing", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        results = _runs(dict(json.loads(server.stdout.readline())), options.calls, options.reps)
    finally:
        server.terminate()
        server.wait(timeout=30)
    _report(results, "get_organization against the emulator", options.calls, options.reps)
    return 0


def _runs(boot: dict[str, str] | None, calls: int, reps: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(reps):
        for mode in MODES:
            results[mode].append(_client(mode, boot, calls))
    return results


def _report(results: dict[str, list[float]], what: str, calls: int, reps: int) -> None:
    median_base, least_base = statistics.median(results["no-extra"]), min(results["no-extra"])
    print(f"client CPU per call, {what} ({reps} runs of {calls} calls per mode)")
    for mode in MODES:
        median, least = statistics.median(results[mode]), min(results[mode])
        print(
            f"  {mode:<14} median {median:8.2f} us (+{median - median_base:7.2f})"
            f"  least {least:8.2f} us (+{least - least_base:7.2f})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
