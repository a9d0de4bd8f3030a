"""The areas of ``viam_sdk.app.app_client.AppClient``, one mixin class per module.

``_base.AppClientBase`` holds the state every area uses (the AppService stub
declared on the client base ``viam_sdk.app._client.ClientBase``, the client's
default location and its fallback helper); each area module
(``organizations``, ``locations``, ``machines``, ``parts``, ``logs``,
``fragments``, ``access``, ``registry``, ``notifications``, ``org_settings``,
``oauth_apps``) defines one
subclass of it with that area's methods (an ``iter_*`` iterator beside its
one-page sibling), and ``AppClient`` inherits them all.  ``types`` holds the
SDK-side dataclasses, which ``viam_sdk.app.app_client`` re-exports.  Nothing
here is imported until ``viam_sdk.app.app_client`` is.
"""
