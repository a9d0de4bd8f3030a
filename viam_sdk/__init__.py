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
