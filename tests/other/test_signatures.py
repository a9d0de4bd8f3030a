"""The three clients expose the reference API's methods: names, parameters, defaults, return types."""

from __future__ import annotations

import inspect
import typing

import pytest

from viam_sdk.app.billing_client import BillingClient
from viam_sdk.app.ml_training_client import MLTrainingClient
from viam_sdk.app.provisioning_client import ProvisioningClient

_ = inspect.Parameter.empty
# class -> method -> ([(parameter, default)], name of the return type)
EXPECTED: dict[type, dict[str, tuple[list[tuple[str, object]], str]]] = {
    BillingClient: {
        "get_current_month_usage": ([("org_id", _), ("timeout", None)], "GetCurrentMonthUsageResponse"),
        "get_invoice_pdf": ([("invoice_id", _), ("org_id", _), ("dest", _), ("timeout", None)], "None"),
        "get_invoices_summary": ([("org_id", _), ("timeout", None)], "GetInvoicesSummaryResponse"),
        "get_org_billing_information": (
            [("org_id", _), ("timeout", None)],
            "GetOrgBillingInformationResponse",
        ),
    },
    MLTrainingClient: {
        "submit_training_job": (
            [
                ("org_id", _),
                ("dataset_id", _),
                ("model_name", _),
                ("model_version", _),
                ("model_type", _),
                ("tags", _),
            ],
            "str",
        ),
        "submit_custom_training_job": (
            [
                ("org_id", _),
                ("dataset_id", _),
                ("registry_item_id", _),
                ("model_name", _),
                ("model_version", _),
            ],
            "str",
        ),
        "get_training_job": ([("id", _)], "TrainingJobMetadata"),
        "list_training_jobs": ([("org_id", _), ("training_status", None)], "list[TrainingJobMetadata]"),
        "cancel_training_job": ([("id", _)], "None"),
        "delete_completed_training_job": ([("id", _)], "None"),
    },
    ProvisioningClient: {
        "get_network_list": ([], "list[NetworkInfo]"),
        "get_smart_machine_status": ([], "GetSmartMachineStatusResponse"),
        "set_network_credentials": ([("network_type", _), ("ssid", _), ("psk", _)], "None"),
        "set_smart_machine_credentials": ([("cloud_config", None)], "None"),
    },
}
CASES = [(cls, name) for cls, methods in EXPECTED.items() for name in methods]

# Members viam-sdk 0.85.1 added beyond the reference documents (checked in
# test_billing_extra.py and test_ml_training_extra.py), and keyword-only
# parameters it added to a reference method (after the reference's own).
NEWER_METHODS: dict[type, set[str]] = {
    BillingClient: {"charge_organization", "create_invoice_and_charge_immediately"},
    MLTrainingClient: {
        "register_custom_training_container",
        "get_container",
        "list_containers",
        "delete_custom_training_container",
    },
    ProvisioningClient: set(),
}
# Methods for the RPCs neither the reference nor 0.85.1 wraps (issue 19: one method per RPC,
# checked in tests/sdk/test_rpc_coverage.py).
WHOLE_API_METHODS: dict[type, set[str]] = {
    BillingClient: {
        "get_available_billing_tiers",
        "update_organization_billing_tier",
        "get_location_billing_organization",
        "update_location_billing_organization",
        "send_payment_required_email",
    },
    MLTrainingClient: {"list_supported_containers"},
    ProvisioningClient: {"exit_provisioning"},
}
NEWER_KEYWORDS: dict[tuple[type, str], list[tuple[str, object]]] = {
    (MLTrainingClient, "submit_custom_training_job"): [("registry_item_version", ""), ("container_id", "")],
}
# ``*args`` after the reference's positionals that take 0.85.1's longer positional form.
NEWER_POSITIONALS: dict[tuple[type, str], str] = {
    (MLTrainingClient, "submit_custom_training_job"): "newer_order",
}


def _type_name(tp: object) -> str:
    if tp is type(None):
        return "None"
    origin = typing.get_origin(tp)
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in typing.get_args(tp))}]"
    return getattr(tp, "__name__", repr(tp))


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}.{n}" for c, n in CASES])
def test_method_matches_the_reference(cls: type, name: str) -> None:
    params, returns = EXPECTED[cls][name]
    method = getattr(cls, name)
    assert inspect.iscoroutinefunction(method)
    signature = inspect.signature(method)
    listed = list(signature.parameters.values())[1:]
    # ``timeout`` and ``retry`` are ours on every method, keyword-only unless 0.85.1 has them (tests/sdk/test_timeouts.py);
    # ``progress`` (keyword-only) is ours on long transfers (tests/data/test_progress.py).
    assert "timeout" in signature.parameters
    ours = ("timeout", "retry", "progress")
    listed = [p for p in listed if not (p.name in ours and p.kind is inspect.Parameter.KEYWORD_ONLY)]
    keyword_only = [(p.name, p.default) for p in listed if p.kind is inspect.Parameter.KEYWORD_ONLY]
    var_positional = [p.name for p in listed if p.kind is inspect.Parameter.VAR_POSITIONAL]
    assert var_positional == ([NEWER_POSITIONALS[(cls, name)]] if (cls, name) in NEWER_POSITIONALS else [])
    plain = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL)
    assert [(p.name, p.default) for p in listed if p.kind not in plain] == params
    assert keyword_only == NEWER_KEYWORDS.get((cls, name), [])
    hints = typing.get_type_hints(method)
    assert _type_name(hints["return"]) == returns
    assert set(hints) >= {p for p, _default in params}, "every parameter is annotated"


@pytest.mark.parametrize("cls", list(EXPECTED))
def test_constructor_takes_channel_and_metadata(cls: type) -> None:
    assert list(inspect.signature(cls).parameters) == ["channel", "metadata"]
    # The class's own methods and those of its areas (``viam_sdk.app._ml`` mixins), as lookup finds them.
    public = {
        n
        for klass in cls.__mro__
        if klass.__module__.startswith("viam_sdk.")
        for n, v in vars(klass).items()
        if not n.startswith("_") and callable(v)
    }
    # Beyond those, only the SDK's own auto-paging iterators (tests/sdk/test_paging.py).
    # And the waiter of issue 20 (tests/data/test_waiters.py).
    ours = {"iter_training_job_logs", "wait_for_training_job"} if cls is MLTrainingClient else set()
    expected = set(EXPECTED[cls]) | NEWER_METHODS[cls] | WHOLE_API_METHODS[cls] | ours
    assert public == expected, "no methods beyond the reference's, 0.85.1's and one per remaining RPC"
