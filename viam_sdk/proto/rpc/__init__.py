"""Generated types of authentication (AuthService, Credentials), under the seed's ``viam.proto.rpc`` name.

Everything here is ``viam_api.rpc.v1``, re-exported: ``from viam_sdk.proto.rpc import X``.
"""

from viam_api.rpc import v1 as _source
from viam_api.rpc.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
