"""Auto-paging: the generated table of paged RPCs, the generic pager, and every ``iter_*`` method.

The table (``viam_api._paging.PAGED_RPCS``) is found by codegen/paging.py from
the descriptors; ``test_every_paged_rpc_has_an_iterator`` fails when the API
gains a paged RPC that no SDK iterator serves (and is not in EXCLUDED with a
reason).  The iterators run against the real emulator, with small pages so
that several round trips happen, and are compared with the one-page methods.
"""

from __future__ import annotations

import ast
import datetime
import inspect
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from viam_api._paging import HALF_PAGED_RPCS, PAGED_RPCS
from viam_api.app.data.v1 import Order

from tests.data.conftest import DEPRECATION_NOISE, Part, connect, make_part
from tests.sdk.conftest import log, push_logs
from viam_sdk.app._client import ServiceStub
from viam_sdk.app.app_client import AppClient
from viam_sdk.app.data_client import DataClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.paging import iter_items, paged_rpc, paged_rpc_of_stub, rpc_of
from viam_sdk.testing import Emulator

pytestmark = [pytest.mark.filterwarnings(DEPRECATION_NOISE)]

REPO = Path(__file__).resolve().parents[2]
SDK_CLIENTS = (AppClient, DataClient, MLTrainingClient)

# Paged RPCs with no iterator, each with its reason.  Empty today: every
# paged RPC of the model has one.
EXCLUDED: dict[str, str] = {}


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    client = await connect(emulator)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def data(viam: ViamClient) -> DataClient:
    return viam.data_client


@pytest.fixture
def part(emulator: Emulator) -> Part:
    return make_part(emulator)


def _routes_served_by_iterators() -> dict[str, str]:
    """route -> the ``iter_*`` method that pages through it (read from the source, not run).

    Each iterator hands a bound stub method to ``self._paged``
    (``self._paged(self._data_client.list_sequences, ...)``); the stub class
    comes from the client's ``ServiceStub`` attribute and the route from the
    generated table, as ``rpc_of`` finds it when the iterator runs.
    """
    served: dict[str, str] = {}
    for cls in SDK_CLIENTS:
        for name in dir(cls):
            if not name.startswith("iter_"):
                continue
            tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(cls, name))))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_paged"
                    and node.args
                    and isinstance(node.args[0], ast.Attribute)
                    and isinstance(node.args[0].value, ast.Attribute)
                ):
                    continue
                stub = inspect.getattr_static(cls, node.args[0].value.attr)
                assert isinstance(stub, ServiceStub), (name, node.args[0].value.attr)
                served[paged_rpc_of_stub(stub.stub_type, node.args[0].attr).route] = f"{cls.__name__}.{name}"
    return served


def test_the_table_names_every_token_pair_of_the_model() -> None:
    # The ten paged RPCs of the pinned API, as the generator found them.
    assert sorted(PAGED_RPCS) == [
        "/viam.app.data.v1.DataService/BinaryDataByFilter",
        "/viam.app.data.v1.DataService/GetSequenceBinaryData",
        "/viam.app.data.v1.DataService/ListSequences",
        "/viam.app.data.v1.DataService/SequencesByDatasetID",
        "/viam.app.data.v1.DataService/TabularDataByFilter",
        "/viam.app.datapipelines.v1.DataPipelinesService/ListDataPipelineRuns",
        "/viam.app.mltraining.v1.MLTrainingService/GetTrainingJobLogs",
        "/viam.app.v1.AppService/GetFragmentHistory",
        "/viam.app.v1.AppService/GetRobotPartHistory",
        "/viam.app.v1.AppService/GetRobotPartLogs",
    ]
    tabular = PAGED_RPCS["/viam.app.data.v1.DataService/TabularDataByFilter"]
    assert (tabular.request_token, tabular.response_token, tabular.items, tabular.limit) == (
        "data_request.last", "last", "data", "data_request.limit"
    )
    logs = PAGED_RPCS["/viam.app.v1.AppService/GetRobotPartLogs"]
    assert (logs.request_token, logs.response_token, logs.items, logs.limit) == (
        "page_token", "next_page_token", "logs", "limit"
    )
    assert PAGED_RPCS["/viam.app.mltraining.v1.MLTrainingService/GetTrainingJobLogs"].limit is None
    # A request token with no token in the response is reported, not paged.
    assert set(HALF_PAGED_RPCS) == {"/viam.app.v1.AppService/ListRegistryItems"}


def test_every_paged_rpc_has_an_iterator() -> None:
    served = _routes_served_by_iterators()
    missing = sorted(set(PAGED_RPCS) - set(served) - set(EXCLUDED))
    assert not missing, f"paged RPCs with no SDK iterator (add one, or list it in EXCLUDED with a reason): {missing}"
    assert not set(EXCLUDED) & set(served), "an excluded RPC has an iterator: drop it from EXCLUDED"
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_iterator_names_do_not_collide_with_the_official_sdk() -> None:
    from viam.app.app_client import AppClient as OfficialApp
    from viam.app.data_client import DataClient as OfficialData
    from viam.app.ml_training_client import MLTrainingClient as OfficialTraining

    official = set(dir(OfficialApp)) | set(dir(OfficialData)) | set(dir(OfficialTraining))
    ours = {n for cls in SDK_CLIENTS for n in dir(cls) if n.startswith(("iter_", "tabular_data_to_"))}
    assert len(ours) >= 10
    assert not ours & official


def test_every_iterator_takes_the_common_keywords() -> None:
    for cls in SDK_CLIENTS:
        for name in (n for n in dir(cls) if n.startswith("iter_")):
            params = inspect.signature(getattr(cls, name)).parameters
            for keyword in ("max_items", "progress", "timeout"):
                assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (name, keyword)
                assert params[keyword].default is None, (name, keyword)


async def _readings(data: DataClient, part: Part, n: int, component: str = "thermo") -> None:
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    times = [(start + datetime.timedelta(seconds=i), start + datetime.timedelta(seconds=i, milliseconds=5)) for i in range(n)]
    await data.tabular_data_capture_upload(
        [{"readings": {"celsius": float(i), "probe": {"ok": i % 2 == 0}}} for i in range(n)],
        part.part_id, "rdk:component:sensor", component, "Readings", data_request_times=times,
    )


async def test_tabular_iterator_walks_every_page_in_order(data: DataClient, part: Part) -> None:
    await _readings(data, part, 23)
    flt = DataClient.create_filter(component_name="thermo")
    seen: list[tuple[int, int | None]] = []
    rows = [
        r
        async for r in data.iter_tabular_data_by_filter(
            flt, page_size=5, sort_order=Order.ORDER_ASCENDING, progress=lambda d, t: seen.append((d, t))
        )
    ]
    assert [r.data["readings"]["celsius"] for r in rows] == [float(i) for i in range(23)]
    assert rows[0].metadata.component_name == "thermo"
    # The same rows as walking the one-page method by hand.
    by_hand, last = [], None
    while True:
        page, _, last = await data.tabular_data_by_filter(flt, limit=5, sort_order=Order.ORDER_ASCENDING, last=last)
        if not page:
            break
        by_hand += page
    assert rows == by_hand
    # Progress counts rows after each page (5 pages of at most 5), then reports the total.
    assert seen[:5] == [(5, None), (10, None), (15, None), (20, None), (23, None)]
    assert seen[-1] == (23, 23)


async def test_max_items_stops_without_fetching_more(data: DataClient, part: Part) -> None:
    await _readings(data, part, 12)
    flt = DataClient.create_filter(component_name="thermo")
    rows = [r async for r in data.iter_tabular_data_by_filter(flt, page_size=5, max_items=7)]
    assert len(rows) == 7
    assert [r async for r in data.iter_tabular_data_by_filter(flt, max_items=0)] == []
    with pytest.raises(ValueError, match="page_size must be a positive integer or None, not 0"):
        [r async for r in data.iter_tabular_data_by_filter(flt, page_size=0)]
    with pytest.raises(ValueError, match="max_items must be 0 or more, or None for all, not -1"):
        [r async for r in data.iter_tabular_data_by_filter(flt, max_items=-1)]


async def test_the_pager_stops_on_a_repeated_token() -> None:
    # A server that hands back the token it was given would loop forever: the pager stops.
    class Page:
        def __init__(self, token: str) -> None:
            self.next_page_token = token
            self.history = [1, 2]

    class Request:
        def __init__(self) -> None:
            self.page_token = ""
            self.page_limit = 0

    calls: list[str] = []

    async def call(request: Request) -> Page:
        calls.append(request.page_token)
        return Page("same")

    rpc = paged_rpc("/viam.app.v1.AppService/GetFragmentHistory")
    items = [i async for i in iter_items(call, Request(), rpc, lambda _r, i: i, page_size=2)]
    assert calls == ["", "same"]
    assert items == [1, 2, 1, 2]
    with pytest.raises(KeyError, match="/nope/Nope is not a paged RPC"):
        paged_rpc("/nope/Nope")


async def test_binary_iterator(data: DataClient, part: Part) -> None:
    for i in range(7):
        await data.binary_data_capture_upload(
            bytes([i]) * 10, part.part_id, "rdk:component:camera", "cam", "ReadImage", file_extension=".bin"
        )
    flt = DataClient.create_filter(component_name="cam")
    items = [b async for b in data.iter_binary_data_by_filter(flt, page_size=3, sort_order=Order.ORDER_ASCENDING)]
    assert [b.binary for b in items] == [bytes([i]) * 10 for i in range(7)]
    meta_only = [b async for b in data.iter_binary_data_by_filter(flt, page_size=3, include_binary_data=False)]
    assert len(meta_only) == 7 and all(b.binary == b"" for b in meta_only)


async def test_part_logs_history_and_fragment_history_iterators(emulator: Emulator) -> None:
    viam: ViamClient = await connect(emulator)
    try:
        app = viam.app_client
        org = emulator.bootstrap.org_id
        loc = await app.create_location(org, "paging-site")
        robot_id = await app.new_robot("pager", loc.id)
        part = (await app.get_robot_parts(robot_id))[0]
        for i in range(5):
            await app.update_robot_part(part.id, f"main-{i}", robot_config={"i": i})
        history = [h async for h in app.iter_robot_part_history(part.id, page_size=2)]
        assert len(history) >= 5
        assert [h.when for h in history] == [h.when for h in await app.get_robot_part_history(part.id)]

        await push_logs(emulator.address, part.id, part.secret, [log(f"line {i}") for i in range(13)])
        seen: list[tuple[int, int | None]] = []
        entries = [e async for e in app.iter_robot_part_logs(part.id, page_size=4, progress=lambda d, t: seen.append((d, t)))]
        assert sorted(e.message for e in entries) == sorted(f"line {i}" for i in range(13))
        everything = await app.get_robot_part_logs(part.id, num_log_entries=0)
        assert [e.message for e in entries] == [e.message for e in everything]
        assert seen[-1] == (13, 13) and len(seen) == 5  # 4 pages, then the end
        with pytest.raises(ValueError, match="not the string 'error'"):
            [e async for e in app.iter_robot_part_logs(part.id, log_levels="error")]

        fragment = await app.create_fragment(org, "kit", config={"v": 0})
        for i in range(4):
            await app.update_fragment(fragment.id, "kit", config={"v": i + 1})
        versions = [v async for v in app.iter_fragment_history(fragment.id, page_size=2)]
        assert len(versions) >= 4
        assert [v.edited_on for v in versions][:2] == [v.edited_on for v in await app.get_fragment_history(fragment.id, page_limit=2)]
    finally:
        viam.close()


def test_blocking_iterators_are_plain_for_loops(emulator_thread: Emulator) -> None:
    import viam_sdk.sync
    from viam_sdk.rpc.dial import DialOptions

    part = make_part(emulator_thread)
    boot = emulator_thread.bootstrap
    with viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    ) as viam:
        data = viam.data_client
        data.tabular_data_capture_upload(
            [{"readings": {"i": float(i)}} for i in range(9)], part.part_id, "rdk:component:sensor", "count", "Readings"
        )
        flt = DataClient.create_filter(component_name="count")
        seen: list[int] = []
        got = [r.data["readings"]["i"] for r in data.iter_tabular_data_by_filter(flt, page_size=4, progress=lambda d, _t: seen.append(d))]
        assert sorted(got) == [float(i) for i in range(9)]
        assert seen == [4, 8, 9, 9]  # three pages, then the end
        stream = data.iter_tabular_data_by_filter(flt, page_size=2)
        assert next(stream).data["readings"]["i"] in got  # next() works, and close() ends it early
        stream.close()
        # Every paged iterator of the blocking clients is a blocking iterator too.
        history = viam.app_client.iter_robot_part_history(part.part_id, page_size=1)
        assert len(list(history)) == len(viam.app_client.get_robot_part_history(part.part_id))
        assert list(data.iter_sequences(part.org_id)) == []


async def test_sequence_and_pipeline_run_iterators(data: DataClient, part: Part, emulator: Emulator) -> None:
    from viam_api.app.data.v1 import SequenceResourceFilter
    from viam_api.app.datapipelines.v1 import DataPipelineRunStatus

    from viam_sdk.testing.backends.pipelines import PipelinesBackend

    t0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    for minute in range(7):
        at = t0 + datetime.timedelta(minutes=minute)
        await data.binary_data_capture_upload(
            f"frame-{minute}".encode(), part.part_id, "rdk:component:camera", "cam", "GetImages", ".jpg",
            data_request_times=(at, at + datetime.timedelta(seconds=1)),
        )
    window = (t0, t0 + datetime.timedelta(minutes=10))
    ids = [
        await data.create_sequence(part.part_id, [SequenceResourceFilter(resource_name="cam")], *window)
        for _ in range(5)
    ]
    assert [s.id async for s in data.iter_sequences(part.org_id, page_size=2)] == ids
    frames = [f.binary async for f in data.iter_sequence_binary_data(ids[0], page_size=3)]
    assert frames == [f"frame-{m}".encode() for m in range(7)]
    from viam_api.app.dataset.v1 import DatasetType

    dataset = await data.create_dataset("runs", part.org_id, int(DatasetType.DATASET_TYPE_SEQUENCE_DATA))
    await data.add_sequences_to_dataset(dataset, ids[1:4])
    in_set = [s.id async for s in data.iter_sequences_by_dataset_id(dataset, page_size=2)]
    assert sorted(in_set) == sorted(ids[1:4])

    pid = await data.create_data_pipeline(part.org_id, "p", [{"$match": {}}], "0 * * * *", False)
    for i in range(6):
        start = t0 + datetime.timedelta(hours=i)
        PipelinesBackend(emulator.context).record_run(
            pid, status=DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED,
            data_start_time=start, data_end_time=start + datetime.timedelta(hours=1),
            start_time=start + datetime.timedelta(hours=1), end_time=start + datetime.timedelta(hours=1, minutes=1),
        )
    by_hand, page = [], await data.list_data_pipeline_runs(pid, page_size=3)
    while page.runs:
        by_hand += [r.id for r in page.runs]
        page = await page.next_page()
    assert [r.id async for r in data.iter_data_pipeline_runs(pid, page_size=3)] == by_hand
    assert len(by_hand) == 7  # the scheduled run and the six recorded ones


async def test_an_iterator_timeout_bounds_each_request(data: DataClient, part: Part) -> None:
    from viam_sdk.errors import DeadlineExceeded

    await _readings(data, part, 3)
    with pytest.raises(DeadlineExceeded, match="TabularDataByFilter: DEADLINE_EXCEEDED"):
        [r async for r in data.iter_tabular_data_by_filter(timeout=1e-6)]
    assert len([r async for r in data.iter_tabular_data_by_filter(page_size=1, timeout=30)]) == 3


async def test_training_job_log_iterator_walks_the_server_pages(emulator: Emulator, viam: ViamClient) -> None:
    from grpclib.client import Channel
    from viam_api.app.mltraining.v1 import ModelType

    from tests.other.test_ml_training import _dataset
    from viam_sdk.testing.backends.training import TrainingBackend

    channel = Channel(emulator.host, emulator.port)
    try:
        dataset_id = await _dataset(emulator, channel, emulator.bootstrap.org_id, "paging")
    finally:
        channel.close()
    training = viam.ml_training_client
    job_id = await training.submit_training_job(
        emulator.bootstrap.org_id, dataset_id, "m", "1", ModelType.MODEL_TYPE_OBJECT_DETECTION, ["a"]
    )
    # 250 more lines, so the server's pages of 100 take three requests.
    backend = TrainingBackend(emulator.context)
    with emulator.context.store.transaction():
        for i in range(250):
            backend.add_log(job_id, "info", f"epoch {i}")
    seen: list[int] = []
    entries = [e async for e in training.iter_training_job_logs(job_id, progress=lambda d, _t: seen.append(d))]
    assert [e.message for e in entries if e.message.startswith("epoch ")] == [f"epoch {i}" for i in range(250)]
    assert len(entries) > 250 and seen[:2] == [100, 200]
    assert [e.message async for e in training.iter_training_job_logs(job_id, max_items=3)] == [
        e.message for e in entries[:3]
    ]


def _generated_stub_classes() -> list[type]:
    import importlib
    import pkgutil

    import viam_api
    from viam_api._runtime import AsyncStub

    found = []
    for info in pkgutil.walk_packages(viam_api.__path__, "viam_api."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, AsyncStub)
            and value.__module__ == module.__name__
        ]
    return found


def test_rpc_of_finds_every_paged_rpc_from_its_stub_method() -> None:
    # The SDK names no route: each iterator hands the pager a stub method, and the
    # pager finds that method's entry in the generated table.
    found: dict[str, str] = {}
    for stub_type in _generated_stub_classes():
        stub = stub_type.__new__(stub_type)  # no channel needed to read a bound method
        for rpc in PAGED_RPCS.values():
            method = getattr(stub, rpc.method, None)
            if method is None:
                continue
            try:
                found_rpc = rpc_of(method)
            except KeyError:
                continue
            assert found_rpc.method == rpc.method
            assert found_rpc.route not in found, f"{found_rpc.route} reached from two stubs"
            found[found_rpc.route] = stub_type.__name__
    assert sorted(found) == sorted(PAGED_RPCS)
    app_stub = next(s for s in _generated_stub_classes() if s.__name__ == "AppServiceStub")
    with pytest.raises(KeyError, match="AppServiceStub.get_robot is not a paged RPC"):
        rpc_of(app_stub.__new__(app_stub).get_robot)
    with pytest.raises(KeyError, match="is not a method of a generated stub"):
        rpc_of(print)


def test_the_sdk_spells_no_route() -> None:
    # DESIGN: the SDK never re-declares an RPC path; routes come from the generated layer.
    routes = []
    for path in sorted((REPO / "viam_sdk").rglob("*.py")):
        if {"testing", "sync"} & set(path.relative_to(REPO / "viam_sdk").parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and str(node.value).startswith("/viam."):
                routes.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value}")
    assert routes == []


async def test_pages_cut_at_max_items_and_ask_no_further() -> None:
    class Response:
        def __init__(self, token: str) -> None:
            self.next_page_token = token
            self.history = [1, 2, 3]

    class Request:
        def __init__(self) -> None:
            self.page_token = ""
            self.page_limit = 0

    sent: list[str] = []

    async def call(request: Request) -> Response:
        sent.append(request.page_token)
        return Response(f"t{len(sent)}")

    from viam_sdk.paging import iter_pages

    rpc = paged_rpc("/viam.app.v1.AppService/GetFragmentHistory")
    told: list[tuple[int, int | None]] = []
    walk = iter_pages(call, Request(), rpc, max_items=5, progress=lambda d, t: told.append((d, t)))
    pages = [p.history async for p in walk]
    assert pages == [[1, 2, 3], [1, 2]]  # the second page cut to fit
    assert sent == ["", "t1"]  # no third request
    assert told[-1] == (5, 5)
    sent.clear()
    assert [p async for p in iter_pages(call, Request(), rpc, max_items=0)] == []
    assert sent == []  # max_items=0: no request at all
    with pytest.raises(ValueError, match="max_items must be 0 or more"):
        [p async for p in iter_pages(call, Request(), rpc, max_items=-1)]
