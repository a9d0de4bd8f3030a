"""Issue 19 item 2: the emulator serves every RPC of the eight services the SDK's clients speak.

Two views of the same fact: the emulator's service classes override every
handler of the eight generated server bases (a handler left to the base
answers UNIMPLEMENTED), and a real call of every one of those routes, with an
empty request and the owner's token, gets an answer other than UNIMPLEMENTED
(an empty request is mostly refused as INVALID_ARGUMENT or NOT_FOUND, which is
the point: the route is served).
"""

from __future__ import annotations

import importlib
import pkgutil

from grpclib.client import Channel
from grpclib.const import Status
from viam_api._runtime import ServiceBase
from viam_api.app.data.v1 import DataServiceBase
from viam_api.app.datapipelines.v1 import DataPipelinesServiceBase
from viam_api.app.dataset.v1 import DatasetServiceBase
from viam_api.app.datasync.v1 import DataSyncServiceBase
from viam_api.app.mltraining.v1 import MLTrainingServiceBase
from viam_api.app.v1 import AppServiceBase, BillingServiceBase
from viam_api.provisioning.v1 import ProvisioningServiceBase

import viam_sdk.testing.services as services
from viam_sdk.testing import Emulator

from ._raw import ROUTES, call
from .conftest import FIGURES

BASES: tuple[type[ServiceBase], ...] = (
    AppServiceBase,
    DataServiceBase,
    DatasetServiceBase,
    DataSyncServiceBase,
    DataPipelinesServiceBase,
    BillingServiceBase,
    MLTrainingServiceBase,
    ProvisioningServiceBase,
)


def _emulator_classes() -> list[type]:
    found: list[type] = []
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"{services.__name__}.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, ServiceBase)]
    return found


def _routes() -> dict[str, str]:
    """route -> the handler name, for the eight services."""
    routes: dict[str, str] = {}
    for base in BASES:
        for route, handler in base().__mapping__().items():
            routes[route] = handler.func.__name__
    return routes


def test_every_handler_of_the_eight_services_is_overridden() -> None:
    classes = _emulator_classes()
    left: list[str] = []
    total = 0
    for base in BASES:
        subclasses = [c for c in classes if issubclass(c, base) and c is not base]
        assert subclasses, f"the emulator has no {base.__name__}"
        for name, member in vars(base).items():
            if name.startswith("_") or not callable(member):
                continue
            total += 1
            if all(getattr(c, name) is member for c in subclasses):
                left.append(f"{base.__name__}.{name}")
    assert left == [], "answered UNIMPLEMENTED:\n" + "\n".join(left)
    assert total == 212
    FIGURES["RPCs served"] = f"{total - len(left)}/{total} RPCs of the eight client services"


async def test_no_route_of_the_eight_services_answers_unimplemented(emulator: Emulator, raw: Channel) -> None:
    routes = _routes()
    assert len(routes) == 212 and set(routes) <= set(ROUTES)
    meta = emulator.auth_metadata()
    unimplemented = []
    statuses: dict[str, int] = {}
    for route in sorted(routes):
        answer = await call(raw, route, b"", meta)
        statuses[answer.status.name] = statuses.get(answer.status.name, 0) + 1
        if answer.status is Status.UNIMPLEMENTED:
            unimplemented.append(route)
    assert unimplemented == []
    assert statuses.get("OK", 0) < len(routes)  # the empty requests were really read and judged
    FIGURES["empty-request calls"] = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
