"""Shared pytest set-up: the emulator fixtures (``emulator``, ``emulator_thread``)."""

pytest_plugins = ["viam_sdk.testing.pytest_plugin"]
