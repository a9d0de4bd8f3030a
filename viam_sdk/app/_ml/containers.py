"""``MLTrainingClient`` containers: the images of your own that custom training jobs run in."""

from __future__ import annotations

from viam_api.app.mltraining.v1 import (
    Container,
    DeleteCustomTrainingContainerRequest,
    GetContainerRequest,
    ListContainersRequest,
    ListSupportedContainersRequest,
    RegisterCustomTrainingContainerRequest,
)

from viam_sdk.app._ml._base import MLTrainingClientBase
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["Containers"]


class Containers(MLTrainingClientBase):
    """Custom training containers: register, look up, list and remove them."""

    async def register_custom_training_container(
        self, org_id: str, image_uri: str, description: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """Make a container image of your own available to the organization's custom training jobs.

        Args:
            org_id: the organization the container is registered for.
            image_uri: where the image is pulled from, e.g.
                ``"us-docker.pkg.dev/my-project/training/yolo:1.2"``.
            description: a few words saying what the image is for.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The container's ID, to pass as ``container_id`` when submitting a
            custom training job.

        Raises:
            InvalidArgument: an empty or malformed image URI (the message names it).
            AlreadyExists: the organization has registered that image already.
            PermissionDenied: the caller cannot manage the organization.

        Examples:
            ```python
            training = viam_client.ml_training_client
            container_id = await training.register_custom_training_container(
                org_id, "ghcr.io/acme/trainer:2", "PyTorch 2 with CUDA 12"
            )
            ```
        """
        request = RegisterCustomTrainingContainerRequest(
            organization_id=org_id, image_uri=image_uri, description=description
        )
        return (await self._stub.register_custom_training_container(request)).id

    async def get_container(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Container:
        """One training container: its image URI, description, owner and visibility.

        Args:
            id: the container's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Container`` message.

        Raises:
            ValueError: the server answered without the container.
            NotFound: an unknown container.
            PermissionDenied: another organization's private container.

        Examples:
            ```python
            training = viam_client.ml_training_client
            container = await training.get_container(container_id)
            print(container.uri, container.description)
            ```
        """
        response = await self._stub.get_container(GetContainerRequest(id=id))
        if response.container is None:
            # A server that answers without the container breaks the contract of the RPC.
            raise ValueError(f"the server returned no container for id {id!r}")
        return response.container

    async def list_containers(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[Container]:
        """The training containers the organization has registered, oldest first.

        Args:
            org_id: the organization whose containers to list.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Container`` messages.

        Raises:
            PermissionDenied: the organization is outside the caller's reach.

        Examples:
            ```python
            training = viam_client.ml_training_client
            for container in await training.list_containers(org_id):
                print(container.id, container.uri)
            ```
        """
        response = await self._stub.list_containers(ListContainersRequest(organization_id=org_id))
        return list(response.containers)

    async def delete_custom_training_container(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Unregister a container the organization registered.

        Args:
            id: the container's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: an unknown container.
            FailedPrecondition: a pending or running job uses it.
            PermissionDenied: the container is another organization's.

        Examples:
            ```python
            training = viam_client.ml_training_client
            await training.delete_custom_training_container(container_id)
            ```
        """
        await self._stub.delete_custom_training_container(DeleteCustomTrainingContainerRequest(id=id))

    async def list_supported_containers(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> dict[str, Container]:
        """The training containers Viam provides for custom training jobs, by key.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A dict from each container's key (for example ``"tf:2.16"``) to its ``Container``
            (image URI, framework, description, end-of-life date).

        Raises:
            Unauthenticated: the credentials are missing or expired.

        Examples:
            ```python
            training = viam_client.ml_training_client
            for key, container in (await training.list_supported_containers()).items():
                print(key, container.framework, container.eol)
            ```
        """
        response = await self._stub.list_supported_containers(ListSupportedContainersRequest())
        return dict(response.container_map)
