"""Connection settings for the Viam cloud (``viam_sdk.rpc.dial``)."""

from viam_sdk.rpc._policy import DEFAULT, RetryHook, RetrySettings, retrying
from viam_sdk.rpc.dial import Credentials, DialOptions

__all__ = ["DEFAULT", "Credentials", "DialOptions", "RetryHook", "RetrySettings", "retrying"]
