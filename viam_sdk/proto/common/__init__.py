"""Generated types of types shared by every API (LogEntry, ResourceName, ...), under the seed's ``viam.proto.common`` name.

Everything here is ``viam_api.common.v1``, re-exported: ``from viam_sdk.proto.common import X``.
"""

from viam_api.common import v1 as _source
from viam_api.common.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
