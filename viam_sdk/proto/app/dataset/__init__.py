"""Generated types of datasets, under the seed's ``viam.proto.app.dataset`` name.

Everything here is ``viam_api.app.dataset.v1``, re-exported: ``from viam_sdk.proto.app.dataset import X``.
"""

from viam_api.app.dataset import v1 as _source
from viam_api.app.dataset.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
