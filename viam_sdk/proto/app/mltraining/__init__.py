"""Generated types of ML training jobs, under the seed's ``viam.proto.app.mltraining`` name.

Everything here is ``viam_api.app.mltraining.v1``, re-exported: ``from viam_sdk.proto.app.mltraining import X``.
"""

from viam_api.app.mltraining import v1 as _source
from viam_api.app.mltraining.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
