"""The workloads of issue 5, one module per family.

Every workload is a function ``(env, sizes, probe)``, one per client, async for the
async clients and plain for the sync one.  It connects, warms up, calls
``probe.start()``, does the measured work, calls ``probe.stop()`` and tidies up.
Anything it wants reported besides time and memory goes into ``probe.extra``.
"""
