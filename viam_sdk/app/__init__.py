"""The cloud app clients: ``ViamClient`` and what it hands out.

Names are imported lazily, so ``import viam_sdk.app`` stays cheap and a client
module is loaded only when it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from viam_sdk.app.app_client import AppClient
    from viam_sdk.app.billing_client import BillingClient
    from viam_sdk.app.data_client import DataClient
    from viam_sdk.app.ml_training_client import MLTrainingClient
    from viam_sdk.app.provisioning_client import ProvisioningClient
    from viam_sdk.app.viam_client import ViamClient

__all__ = ["AppClient", "BillingClient", "DataClient", "MLTrainingClient", "ProvisioningClient", "ViamClient"]

_WHERE = {
    "AppClient": "viam_sdk.app.app_client",
    "BillingClient": "viam_sdk.app.billing_client",
    "DataClient": "viam_sdk.app.data_client",
    "MLTrainingClient": "viam_sdk.app.ml_training_client",
    "ProvisioningClient": "viam_sdk.app.provisioning_client",
    "ViamClient": "viam_sdk.app.viam_client",
}


# Hidden from type checkers, which see the imports above instead (and so report
# a misspelt name rather than taking it for ``Any``).
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _WHERE.get(name)
        if module is None:
            raise AttributeError(f"module 'viam_sdk.app' has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
