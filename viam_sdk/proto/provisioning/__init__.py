"""Generated types of smart-machine provisioning, under the seed's ``viam.proto.provisioning`` name.

Everything here is ``viam_api.provisioning.v1``, re-exported: ``from viam_sdk.proto.provisioning import X``.
"""

from viam_api.provisioning import v1 as _source
from viam_api.provisioning.v1 import *  # noqa: F403

__all__ = list(_source.__all__)
