"""Generated types of smart-machine provisioning, under the seed's ``viam.proto.provisioning`` name.

Everything here is ``viam_api.provisioning.v1``, re-exported (imported on first use): ``from viam_sdk.proto.provisioning import X``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viam_api.provisioning.v1 import *  # noqa: F403
else:
    from viam_sdk.proto import _lazy

    __getattr__, __dir__ = _lazy.lazy_reexport(__name__, "viam_api.provisioning.v1")
