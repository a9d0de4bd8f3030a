"""Python SDK for Viam's cloud API (fleet management, data, billing, ML training, provisioning).

Start with ``viam_sdk.ViamClient`` (async) or ``viam_sdk.sync.ViamClient``
(blocking):

```python
from viam_sdk import ViamClient
from viam_sdk.rpc.dial import DialOptions

viam = await ViamClient.create_from_dial_options(DialOptions.with_api_key("<key>", "<key-id>"))
```

Names are loaded on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from viam_sdk.app.viam_client import ViamClient
    from viam_sdk.rpc.dial import Credentials, DialOptions

__all__ = ["Credentials", "DialOptions", "ViamClient"]

# The SDK sends some messages and calls some RPCs the API marks deprecated on
# behalf of methods that are not deprecated themselves (``tabular_data_by_filter``
# and the like, as in viam-sdk).  This tells the generated layer (viam_api) that
# such uses made from the SDK's own code are not its callers' concern: they do not
# warn.  A caller's own use of a deprecated message or RPC still warns.
__quiet_api_deprecations__ = True

_WHERE = {
    "ViamClient": "viam_sdk.app.viam_client",
    "DialOptions": "viam_sdk.rpc.dial",
    "Credentials": "viam_sdk.rpc.dial",
}


# Hidden from type checkers, which see the imports above instead (and so report
# a misspelt name rather than taking it for ``Any``).
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _WHERE.get(name)
        if module is None:
            raise AttributeError(f"module 'viam_sdk' has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
