"""Generated types of data uploads, under the seed's ``viam.proto.app.datasync`` name.

Everything here is ``viam_api.app.datasync.v1``, re-exported: ``from viam_sdk.proto.app.datasync import X``.
"""

from viam_api.app.datasync import v1 as _source
from viam_api.app.datasync.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
