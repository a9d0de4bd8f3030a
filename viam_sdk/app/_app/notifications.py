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


class Notifications(AppClientBase):
    """An organization's Firebase config and the push tokens of its apps' devices."""

    async def set_firebase_config(
        self, org_id: str, app_id: str, config_json: str, timeout: float | None = None
    ) -> None:
        """Store the Firebase config (service-account JSON text) of one of the organization's apps."""
        await self._app_client.set_firebase_config(
            SetFirebaseConfigRequest(org_id=org_id, app_id=app_id, config_json=config_json), timeout=timeout
        )

    async def get_firebase_config(self, org_id: str, timeout: float | None = None) -> str:
        """The app ID the organization's Firebase config belongs to."""
        response = await self._app_client.get_firebase_config(
            GetFirebaseConfigRequest(org_id=org_id), timeout=timeout
        )
        return response.app_id

    async def delete_firebase_config(self, org_id: str, app_id: str, timeout: float | None = None) -> None:
        """Remove the organization's Firebase config for ``app_id``."""
        await self._app_client.delete_firebase_config(
            DeleteFirebaseConfigRequest(org_id=org_id, app_id=app_id), timeout=timeout
        )

    async def upload_device_push_token(
        self, app_id: str, device_token: str, device_uuid: str, timeout: float | None = None
    ) -> None:
        """Register (or replace) the push token of one device of an app."""
        await self._app_client.upload_device_push_token(
            UploadDevicePushTokenRequest(app_id=app_id, device_token=device_token, device_uuid=device_uuid),
            timeout=timeout,
        )

    async def delete_device_push_token(
        self, app_id: str, device_uuid: str, timeout: float | None = None
    ) -> None:
        """Forget the push token of one device of an app."""
        await self._app_client.delete_device_push_token(
            DeleteDevicePushTokenRequest(app_id=app_id, device_uuid=device_uuid), timeout=timeout
        )

    async def get_device_push_tokens(self, app_id: str, timeout: float | None = None) -> list[str]:
        """The push tokens the caller registered for an app."""
        response = await self._app_client.get_device_push_tokens(
            GetDevicePushTokensRequest(app_id=app_id), timeout=timeout
        )
        return list(response.device_tokens)
