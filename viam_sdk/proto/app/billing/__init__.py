"""Generated types of billing (its messages live in the app package), under the seed's ``viam.proto.app.billing`` name.

Everything here is ``viam_api.app.v1``, re-exported: ``from viam_sdk.proto.app.billing import X``.
"""

from viam_api.app import v1 as _source
from viam_api.app.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
