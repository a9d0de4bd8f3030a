"""The emulator's DataService, continued: sequences and sequence datasets.

``DataSequences`` is a mixin of ``data.DataService``; its tables are in
:data:`SCHEMA`, which ``data`` (and ``dataset``, for the exports) add to their own.

A sequence is a stored query over one machine part's binary captures: the part,
a list of resource filters (resource name, optionally a capture method) and a
closed time window.  It belongs to the part's organization.  Its binary data is
worked out on every read -- the part's non-internal binary data whose component
matches a filter (by ``component_name`` or ``component_type/component_name``; an
empty method name matches any method) and whose capture time (``time_requested``,
else ``time_received``) lies in the window -- oldest first, so data uploaded or
deleted later shows up or disappears.

Implemented: CreateSequence, GetSequence, UpdateSequence (field-mask paths
``resources``, ``sequence_tags``, ``start_time``, ``end_time``; without a mask,
every field the request sets), DeleteSequence, ListSequences (oldest first),
SequencesByDatasetID, GetSequenceBinaryData, AddSequencesToDataset and
RemoveSequencesFromDataset (datasets of type DATASET_TYPE_SEQUENCE_DATA only).

Pages: ``page_size`` 0 means 50; more than 1,000 is INVALID_ARGUMENT.  Page
tokens are opaque; an empty next token means the last page was reached.
A sequence of an organization the caller cannot see answers NOT_FOUND, as does,
for a location or part secret, a sequence of a part that secret does not reach.
Changing a sequence or a dataset's sequences needs the organization's owner role
(PERMISSION_DENIED otherwise).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence as _Seq

from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import (
    AddSequencesToDatasetRequest,
    AddSequencesToDatasetResponse,
    BinaryData,
    CreateSequenceRequest,
    CreateSequenceResponse,
    DeleteSequenceRequest,
    DeleteSequenceResponse,
    GetSequenceBinaryDataRequest,
    GetSequenceBinaryDataResponse,
    GetSequenceRequest,
    GetSequenceResponse,
    ListSequencesRequest,
    ListSequencesResponse,
    RemoveSequencesFromDatasetRequest,
    RemoveSequencesFromDatasetResponse,
    Sequence,
    SequenceResourceFilter,
    SequencesByDatasetIDRequest,
    SequencesByDatasetIDResponse,
    UpdateSequenceRequest,
    UpdateSequenceResponse,
)

from ..auth import API_KEY, Identity, caller, require_org, require_part, visible_org_ids
from ..backends.captures import BinaryRow, CapturesBackend
from ..backends.datasets import DatasetRow, DatasetsBackend
from ..backends.sequences import SCHEMA as SEQUENCES_SCHEMA
from ..backends.sequences import SequenceRow, SequencesBackend
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound
from ..store import Store
from ._binary_messages import binary_data
from ._data_common import from_micros, micros_to_iso, to_micros

__all__ = [
    "SCHEMA",
    "DataSequences",
    "require_sequence",
    "sequence_message",
]

SCHEMA = SEQUENCES_SCHEMA

DEFAULT_PAGE = 50
MAX_PAGE = 1_000
_PATHS = ("resources", "sequence_tags", "start_time", "end_time")


# -- helpers shared with dataset.py ----------------------------------------------------------


def page_size(value: int) -> int:
    if value == 0:
        return DEFAULT_PAGE
    if value > MAX_PAGE:
        raise InvalidArgument(f"page_size={value} is larger than the most one page holds ({MAX_PAGE})")
    return value


def _token(*parts: int) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, parts)).encode()).decode().rstrip("=")


def _untoken(token: str, count: int) -> list[int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        parts = [int(p) for p in base64.urlsafe_b64decode(padded.encode()).decode().split(":")]
    except (ValueError, UnicodeDecodeError):
        parts = []
    if len(parts) != count:
        raise InvalidArgument(f"page_token={token!r} is not one this server handed out")
    return parts


def require_sequence(
    ctx: EmulatorContext, ident: Identity, sequence_id: str, *, write: bool = False
) -> SequenceRow:
    """The sequence; NOT_FOUND when unknown or of an organization ``ident`` cannot see."""
    if not sequence_id:
        raise InvalidArgument("a sequence id is required")
    row = SequencesBackend(ctx).find(sequence_id)
    if row is None or row.organization_id not in visible_org_ids(ctx, ident):
        raise NotFound(f"sequence {sequence_id!r} not found")
    if ident.kind != API_KEY:
        # A location or part secret sees the data of its own parts only, so only their sequences.
        try:
            require_part(ctx, ident, row.part_id)
        except GRPCError:
            raise NotFound(f"sequence {sequence_id!r} not found") from None
    if write:
        require_org(ctx, ident, row.organization_id, write=True)
    return row


def sequence_message(datasets: DatasetsBackend, row: SequenceRow) -> Sequence:
    return Sequence(
        id=row.id,
        part_id=row.part_id,
        sequence_tags=list(row.tags),
        created_at=from_micros(row.created_at),
        updated_at=from_micros(row.updated_at),
        start_time=from_micros(row.start_time),
        end_time=from_micros(row.end_time),
        resources=[SequenceResourceFilter(resource_name=n, method_name=m) for n, m in row.resources],
        dataset_ids=datasets.datasets_of_sequence(row.id),
    )


def _check_resources(resources: _Seq[SequenceResourceFilter]) -> list[list[str]]:
    if not resources:
        raise InvalidArgument("a sequence needs at least one resource filter")
    out: list[list[str]] = []
    for position, res in enumerate(resources):
        if not res.resource_name.strip():
            raise InvalidArgument(f"resources[{position}].resource_name={res.resource_name!r} is blank")
        pair = [res.resource_name, res.method_name]
        if pair not in out:
            out.append(pair)
    return out


def _check_tags(tags: _Seq[str]) -> list[str]:
    for tag in tags:
        if not tag.strip():
            raise InvalidArgument(f"sequence_tags must not be blank (got {tag!r})")
    return list(dict.fromkeys(tags))


def _check_window(start: int, end: int) -> None:
    if start >= end:
        raise InvalidArgument(f"start_time={micros_to_iso(start)} must be before end_time={micros_to_iso(end)}")


class DataSequences:
    """The sequence handlers of DataService (``ctx`` and the backends are set by the service)."""

    ctx: EmulatorContext
    store: Store
    captures: CapturesBackend
    datasets: DatasetsBackend

    @property
    def sequences(self) -> SequencesBackend:
        return SequencesBackend(self.ctx)

    def _sequence_dataset(self, ident: Identity, dataset_id: str) -> DatasetRow:
        if not dataset_id:
            raise InvalidArgument("a dataset id is required")
        row = self.datasets.find(dataset_id)
        if row is None or row.organization_id not in visible_org_ids(self.ctx, ident):
            raise NotFound(f"dataset {dataset_id!r} not found")
        require_org(self.ctx, ident, row.organization_id)  # datasets are for API keys, as in dataset.py
        return row

    def _members(
        self, ident: Identity, request: AddSequencesToDatasetRequest | RemoveSequencesFromDatasetRequest
    ) -> list[str]:
        dataset = self._sequence_dataset(ident, request.dataset_id)
        require_org(self.ctx, ident, dataset.organization_id, write=True)
        if not dataset.holds_sequences:
            raise InvalidArgument(f"dataset {request.dataset_id!r} holds binary data, not sequences")
        if not request.sequence_ids:
            raise InvalidArgument("at least one sequence id is required")
        for sequence_id in request.sequence_ids:
            row = require_sequence(self.ctx, ident, sequence_id)
            if row.organization_id != dataset.organization_id:
                raise InvalidArgument(
                    f"sequence {sequence_id!r} belongs to another organization than dataset {request.dataset_id!r}"
                )
        return list(dict.fromkeys(request.sequence_ids))

    async def create_sequence(self, request: CreateSequenceRequest) -> CreateSequenceResponse:
        ident = caller(self.ctx)
        org_id, _, _ = require_part(self.ctx, ident, request.part_id, write=True)
        resources = _check_resources(request.resources)
        tags = _check_tags(request.sequence_tags)
        if request.start_time is None or request.end_time is None:
            raise InvalidArgument("a sequence needs both start_time and end_time")
        start, end = to_micros(request.start_time), to_micros(request.end_time)
        _check_window(start, end)
        sequence_id = self.sequences.create(org_id, request.part_id, resources, tags, start, end)
        return CreateSequenceResponse(id=sequence_id)

    async def get_sequence(self, request: GetSequenceRequest) -> GetSequenceResponse:
        row = require_sequence(self.ctx, caller(self.ctx), request.id)
        return GetSequenceResponse(sequence=sequence_message(self.datasets, row))

    async def update_sequence(self, request: UpdateSequenceRequest) -> UpdateSequenceResponse:
        ident = caller(self.ctx)
        row = require_sequence(self.ctx, ident, request.id, write=True)
        if request.field_mask is not None and request.field_mask.paths:
            paths = list(dict.fromkeys(request.field_mask.paths))
            for path in paths:
                if path not in _PATHS:
                    raise InvalidArgument(f"field_mask path {path!r} is not one of {', '.join(_PATHS)}")
        else:
            paths = [p for p in _PATHS if (getattr(request, p) is not None and getattr(request, p) != [])]
            if not paths:
                raise InvalidArgument("nothing to update: set field_mask or at least one field")
        resources: _Seq[_Seq[str]] = (
            _check_resources(request.resources) if "resources" in paths else row.resources
        )
        tags = _check_tags(request.sequence_tags) if "sequence_tags" in paths else list(row.tags)
        start, end = row.start_time, row.end_time
        for path in ("start_time", "end_time"):
            if path in paths:
                value = getattr(request, path)
                if value is None:
                    raise InvalidArgument(f"field_mask names {path} but the request leaves it unset")
                if path == "start_time":
                    start = to_micros(value)
                else:
                    end = to_micros(value)
        _check_window(start, end)
        self.sequences.update(request.id, resources, tags, start, end)
        return UpdateSequenceResponse()

    async def delete_sequence(self, request: DeleteSequenceRequest) -> DeleteSequenceResponse:
        require_sequence(self.ctx, caller(self.ctx), request.id, write=True)
        self.sequences.delete(request.id)
        return DeleteSequenceResponse()

    async def list_sequences(self, request: ListSequencesRequest) -> ListSequencesResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        size = page_size(request.page_size)
        after = _untoken(request.page_token, 1)[0] if request.page_token else 0
        rows = self.sequences.of_organization(request.organization_id, after=after, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        return ListSequencesResponse(
            sequences=[sequence_message(self.datasets, r) for r in rows],
            next_page_token=_token(rows[-1].seq) if more else "",
        )

    async def sequences_by_dataset_id(
        self, request: SequencesByDatasetIDRequest
    ) -> SequencesByDatasetIDResponse:
        dataset = self._sequence_dataset(caller(self.ctx), request.dataset_id)
        count = self.sequences.count_in_dataset(dataset.id)
        if request.count_only:
            return SequencesByDatasetIDResponse(count=count)
        size = page_size(request.page_size)
        after = _untoken(request.page_token, 1)[0] if request.page_token else 0
        rows = self.sequences.in_dataset(dataset.id, after=after, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        return SequencesByDatasetIDResponse(
            sequences=[sequence_message(self.datasets, r) for r in rows],
            next_page_token=_token(rows[-1].seq) if more else "",
            count=count,
        )

    async def get_sequence_binary_data(
        self, request: GetSequenceBinaryDataRequest
    ) -> GetSequenceBinaryDataResponse:
        row = require_sequence(self.ctx, caller(self.ctx), request.sequence_id)
        size = page_size(request.page_size)
        after = None
        if request.page_token:
            captured, seq = _untoken(request.page_token, 2)
            after = (captured, seq)
        rows = self.sequences.binary_rows(row, after=after, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        data = self._sequence_binary_data(rows)
        return GetSequenceBinaryDataResponse(
            data=data, next_page_token=_token(rows[-1].captured or 0, rows[-1].seq) if more else ""
        )

    def _sequence_binary_data(self, rows: list[BinaryRow]) -> list[BinaryData]:
        with self.store.lock:
            return [binary_data(self.captures, r, True) for r in rows]

    async def add_sequences_to_dataset(
        self, request: AddSequencesToDatasetRequest
    ) -> AddSequencesToDatasetResponse:
        ids = self._members(caller(self.ctx), request)
        self.datasets.add_sequences(request.dataset_id, ids)
        return AddSequencesToDatasetResponse()

    async def remove_sequences_from_dataset(
        self, request: RemoveSequencesFromDatasetRequest
    ) -> RemoveSequencesFromDatasetResponse:
        ids = self._members(caller(self.ctx), request)
        self.datasets.remove_sequences(request.dataset_id, ids)
        return RemoveSequencesFromDatasetResponse()
