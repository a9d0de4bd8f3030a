"""Credentials carried by generated messages never show in their reprs."""

from __future__ import annotations

import pytest
from viam_api.app.v1 import CreateKeyResponse, SharedSecret
from viam_api.provisioning.v1 import SetNetworkCredentialsRequest
from viam_api.rpc.v1 import AuthenticateResponse, Credentials

from codegen.naming import is_secret_field


@pytest.mark.parametrize(
    "message, secret",
    [
        (SharedSecret(id="s1", secret="s3cr3t-value"), "s3cr3t-value"),
        (AuthenticateResponse(access_token="tok-123456"), "tok-123456"),
        (CreateKeyResponse(key="key-abcdef", id="id-1"), "key-abcdef"),
        (Credentials(type="api-key", payload="payload-xyz"), "payload-xyz"),
        (SetNetworkCredentialsRequest(type="wifi", ssid="home", psk="wifi-pass-1"), "wifi-pass-1"),
    ],
)
def test_repr_masks_the_secret_but_keeps_the_rest(message: object, secret: str) -> None:
    text = repr(message)
    assert secret not in text and secret not in str(message)
    assert "'***'" in text
    # the value itself is untouched, only its printing is masked
    assert secret in bytes(message).decode("utf-8", "replace")  # type: ignore[call-overload]


def test_non_secret_fields_still_print() -> None:
    assert "id='s1'" in repr(SharedSecret(id="s1", secret="x"))
    assert "ssid='home'" in repr(SetNetworkCredentialsRequest(ssid="home", psk="p"))


@pytest.mark.parametrize(
    "name, expected",
    [
        ("secret", True),
        ("location_secret", True),
        ("access_token", True),
        ("psk", True),
        ("page_token", False),
        ("next_page_token", False),
        ("name", False),
        ("key_id", False),
    ],
)
def test_secret_field_rule(name: str, expected: bool) -> None:
    assert is_secret_field(name) is expected
