"""Generated types of captured data queries, under the seed's ``viam.proto.app.data`` name.

Everything here is ``viam_api.app.data.v1``, re-exported: ``from viam_sdk.proto.app.data import X``.
"""

from viam_api.app.data import v1 as _source
from viam_api.app.data.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
