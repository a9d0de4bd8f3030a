"""``AppClient`` methods for mobile notifications: Firebase configs and device push tokens."""

from __future__ import annotations

from viam_api.app.v1 import (
    DeleteDevicePushTokenRequest,
    DeleteFirebaseConfigRequest,
    GetDevicePushTokensRequest,
    GetFirebaseConfigRequest,
    SetFirebaseConfigRequest,
    UploadDevicePushTokenRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Notifications(AppClientBase):
    """An organization's Firebase config and the push tokens of its apps' devices."""

    async def set_firebase_config(
        self, org_id: str, app_id: str, config_json: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> None:
        """Store the Firebase config of one of the organization's apps (replacing any earlier one).

        Args:
            org_id: the organization.
            app_id: the Firebase app the config belongs to.
            config_json: the service-account config as JSON text (a JSON object).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.
            InvalidArgument: ``app_id`` is empty or ``config_json`` is not a JSON object.

        Examples:
            ```python
            from pathlib import Path

            fleet = viam_client.app_client
            await fleet.set_firebase_config(org_id, "my-app", Path("firebase.json").read_text())
            ```
        """
        await self._app_client.set_firebase_config(
            SetFirebaseConfigRequest(org_id=org_id, app_id=app_id, config_json=config_json), timeout=timeout
        )

    async def get_firebase_config(self, org_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> str:
        """The app ID the organization's Firebase config belongs to.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The Firebase app ID (the config itself is not sent back).

        Raises:
            NotFound: the organization does not exist or has no Firebase config.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            app_id = await fleet.get_firebase_config(org_id)
            ```
        """
        response = await self._app_client.get_firebase_config(
            GetFirebaseConfigRequest(org_id=org_id), timeout=timeout
        )
        return response.app_id

    async def delete_firebase_config(self, org_id: str, app_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> None:
        """Remove the organization's Firebase config for ``app_id``.

        Args:
            org_id: the organization.
            app_id: the Firebase app whose config is removed.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the organization has no config for that app.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_firebase_config(org_id, "my-app")
            ```
        """
        await self._app_client.delete_firebase_config(
            DeleteFirebaseConfigRequest(org_id=org_id, app_id=app_id), timeout=timeout
        )

    async def upload_device_push_token(
        self, app_id: str, device_token: str, device_uuid: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> None:
        """Register (or replace) the push token of one device of an app.

        Args:
            app_id: the app.
            device_token: the push token the device got from Firebase.
            device_uuid: a stable ID of the device; a second upload for it replaces the token.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            InvalidArgument: one of the three values is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            token, device_uuid = "<the device's push token>", "<the device's UUID>"
            await fleet.upload_device_push_token("my-app", token, device_uuid)
            ```
        """
        await self._app_client.upload_device_push_token(
            UploadDevicePushTokenRequest(app_id=app_id, device_token=device_token, device_uuid=device_uuid),
            timeout=timeout,
        )

    async def delete_device_push_token(
        self, app_id: str, device_uuid: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> None:
        """Forget the push token of one device of an app.

        Args:
            app_id: the app.
            device_uuid: the device whose token is forgotten.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the caller registered no token for that device and app.

        Examples:
            ```python
            fleet = viam_client.app_client
            device_uuid = "<the device's UUID>"
            await fleet.delete_device_push_token("my-app", device_uuid)
            ```
        """
        await self._app_client.delete_device_push_token(
            DeleteDevicePushTokenRequest(app_id=app_id, device_uuid=device_uuid), timeout=timeout
        )

    async def get_device_push_tokens(self, app_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> list[str]:
        """The push tokens the caller registered for an app.

        Args:
            app_id: the app.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The tokens as a list of strings, oldest registration first (empty when none).

        Raises:
            Unauthenticated: the credentials are not valid.

        Examples:
            ```python
            fleet = viam_client.app_client
            tokens = await fleet.get_device_push_tokens("my-app")
            ```
        """
        response = await self._app_client.get_device_push_tokens(
            GetDevicePushTokensRequest(app_id=app_id), timeout=timeout
        )
        return list(response.device_tokens)
