"""Generated types of packages (PackageType, ...), under the seed's ``viam.proto.app.packages`` name.

Everything here is ``viam_api.app.packages.v1``, re-exported: ``from viam_sdk.proto.app.packages import X``.
"""

from viam_api.app.packages import v1 as _source
from viam_api.app.packages.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
