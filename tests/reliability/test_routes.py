"""Issue 11 item 6: the token is checked before anything else, on every route.

An anonymous caller (or one with a bad token) gets UNAUTHENTICATED from all
238 routes of the API -- the ones the emulator serves and the ones it does not
-- and from made-up routes, so it cannot tell which exist.  With a token, an
unserved RPC answers UNIMPLEMENTED.
"""

from __future__ import annotations

from grpclib.client import Channel
from grpclib.const import Status

from viam_sdk.testing import Emulator

from ._raw import ROUTES, call
from .conftest import FIGURES

AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"
MADE_UP = ["/viam.app.v1.AppService/NoSuchMethod", "/no.such.v1.Service/Method", "/x"]


async def test_every_route_refuses_an_anonymous_caller_first(raw: Channel) -> None:
    answers = {route: await call(raw, route, b"\xff" * 8) for route in [*ROUTES, *MADE_UP]}
    assert answers.pop(AUTHENTICATE).status is Status.INVALID_ARGUMENT  # open, and the bytes are bad
    wrong = {route: a.status.name for route, a in answers.items() if a.status is not Status.UNAUTHENTICATED}
    assert wrong == {}
    assert all("Authenticate" in str(a.message) for a in answers.values())
    FIGURES["anonymous calls"] = f"{len(answers)} routes, {len(answers)} UNAUTHENTICATED"


async def test_a_bad_token_is_refused_on_every_route(raw: Channel) -> None:
    bad = {"authorization": "Bearer not-a-token"}
    statuses = {(await call(raw, route, b"", bad)).status for route in [*ROUTES, *MADE_UP] if route != AUTHENTICATE}
    assert statuses == {Status.UNAUTHENTICATED}
    assert (await call(raw, MADE_UP[0], b"", {"authorization": "Basic abc"})).status is Status.UNAUTHENTICATED


async def test_with_a_token_unserved_routes_answer_unimplemented(emulator: Emulator, raw: Channel) -> None:
    meta = emulator.auth_metadata()
    for route in [
        "/viam.app.packages.v1.PackageService/ListPackages",  # a service the emulator does not serve
        "/viam.app.cloudslam.v1.CloudSLAMService/StartMappingSession",
        *MADE_UP,
    ]:
        answer = await call(raw, route, b"", meta)
        assert answer.status is Status.UNIMPLEMENTED, (route, answer)
        assert route in str(answer.message)
    # and a served one still answers
    assert (await call(raw, "/viam.app.v1.AppService/ListOrganizations", b"", meta)).status is Status.OK
