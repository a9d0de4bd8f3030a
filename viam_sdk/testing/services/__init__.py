"""Service modules of the emulator.

Each module defines ``SCHEMA`` (SQL run once at start-up, ``""`` if none) and
``create_services(ctx) -> list[ServiceBase]``; ``viam_sdk.testing.server.SERVICE_MODULES``
lists the modules an emulator loads.
"""
