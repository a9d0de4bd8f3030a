"""Generated types of fleet management: organizations, locations, robots, fragments, keys, registry (also the billing and end-user messages, which share the package), under the seed's ``viam.proto.app`` name.

Everything here is ``viam_api.app.v1``, re-exported: ``from viam_sdk.proto.app import X``.
"""

from viam_api.app import v1 as _source
from viam_api.app.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
