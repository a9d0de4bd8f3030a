"""The emulator's MongoDB aggregation engine over plain Python documents: the top, where it is assembled.

``TabularDataByMQL`` and data pipelines hand it a pipeline of BSON stages; it
runs them over the documents of a data source (``query.sources``), one per
reading (see :func:`run_pipeline`), on a query worker thread within the
budgets of ``query.budget``.

Why our own engine: mongomock (pure Python, the other candidate) runs 13 of
the 22 stages Viam documents (measured with mongomock 4.3: $bucketAuto,
$densify, $fill, $geoNear, $redact, $replaceWith, $setWindowFields,
$sortByCount and $unset raise NotImplementedError), and its documents would
need copying into its collections on every query.

The layers, each importing only those below it (see ../README.md):
``values`` (paths, BSON type order, equality, missing fields, :class:`MQLError`),
``expressions`` (evaluation and variables), ``match`` (the ``$match`` query
language), ``grouping`` (``$group`` accumulators), ``operators`` and ``dates``
(expression operators), ``core_stages``, ``stages`` and ``window`` (the
stages), and this module, which puts the operator table and the stage table
together and runs pipelines.  Together: all 22 documented stages.

Anything the engine lacks raises :class:`MQLError` naming the stage, option
or operator, which the service turns into INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import bson

from ..budget import Budget, activate
from . import dates, operators
from .core_stages import CORE_STAGES, Stage
from .expressions import OPERATORS
from .match import check_query
from .stages import EXTRA_STAGES
from .values import Doc, MQLError
from .window import WINDOW_STAGES

__all__ = ["STAGES", "SUPPORTED_STAGES", "MQLError", "check_pipeline", "encode_results", "run_pipeline"]

# The expression operators beyond the few ``expressions`` answers itself (a later table wins a name).
OPERATORS.update(operators.TABLE)
OPERATORS.update(dates.TABLE)

#: Every stage this engine runs, by name.
STAGES: dict[str, Stage] = {**CORE_STAGES, **EXTRA_STAGES, **WINDOW_STAGES}

SUPPORTED_STAGES = tuple(sorted(STAGES))


def check_pipeline(stages: Sequence[Mapping[str, Any]]) -> None:
    """Reject unknown or malformed stages before any data is read."""
    try:
        _check_stages(stages)
    except RecursionError:
        raise MQLError("the pipeline nests queries too deeply") from None


def _check_stages(stages: Sequence[Mapping[str, Any]]) -> None:
    for position, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or len(stage) != 1:
            raise MQLError(
                f"stage {position} must be a document with exactly one key, like {{'$match': ...}}"
            )
        name = next(iter(stage))
        if name not in STAGES:
            raise MQLError(
                f"the aggregation stage {name} (stage {position}) is not supported by this emulator; "
                f"supported: {', '.join(SUPPORTED_STAGES)}"
            )
        if name == "$match":
            check_query(stage[name])
        if name == "$geoNear" and position != 0:
            raise MQLError(f"$geoNear must be the first stage of a pipeline (it is stage {position})")


def _watched(stream: Iterable[Doc], budget: Budget, stage: str) -> Iterator[Doc]:
    for count, doc in enumerate(stream, start=1):
        budget.check("MQL")
        if count > budget.documents:
            budget.check_documents(count, stage)
        yield doc


def run_pipeline(
    docs: Iterable[Doc], stages: Sequence[Mapping[str, Any]], budget: Budget | None = None
) -> list[Doc]:
    """Run ``stages`` over ``docs`` and return the resulting documents.

    Raises:
        MQLError: an unsupported stage, operator or accumulator, or a malformed one.
        QueryBudgetExceeded: past the time or memory budget (see ``query.budget``).
    """
    check_pipeline(stages)
    budget = budget or Budget()
    stream: Iterable[Doc] = _watched(docs, budget, "the input")
    for stage in stages:
        name, spec = next(iter(stage.items()))
        stream = _watched(STAGES[name](stream, spec), budget, name)
    previous = activate(budget)
    try:
        return list(stream)
    except RecursionError:
        raise MQLError("the pipeline nests expressions too deeply") from None
    finally:
        activate(previous)


def encode_results(docs: Iterable[Doc], budget: Budget | None = None) -> list[bytes]:
    """The documents as BSON, stopping once they pass the result budget (RESOURCE_EXHAUSTED)."""
    budget = budget or Budget()
    out: list[bytes] = []
    size = 0
    for doc in docs:
        raw = bson.encode(doc)
        size += len(raw)
        budget.check_result(size, "MQL")
        out.append(raw)
    return out
