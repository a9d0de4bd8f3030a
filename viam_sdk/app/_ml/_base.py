"""The state every ``MLTrainingClient`` area works with."""

from __future__ import annotations

from viam_api.app.mltraining.v1 import MLTrainingServiceStub

from viam_sdk.app._client import ClientBase, ServiceStub


class MLTrainingClientBase(ClientBase):
    """The MLTrainingService stub; every area mixin of ``MLTrainingClient`` derives from this class."""

    _stub = ServiceStub(MLTrainingServiceStub)
