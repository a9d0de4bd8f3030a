"""Connection settings for the Viam cloud (``viam_sdk.rpc.dial``)."""

from viam_sdk.rpc.dial import Credentials, DialOptions

__all__ = ["Credentials", "DialOptions"]
