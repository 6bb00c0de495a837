"""Opening a parameter load for review: the one use case of this app that starts a workflow transaction."""

from __future__ import annotations

from django.conf import settings

from sirecords.core.text import is_ascii_digits
from sirecords.engine.params import ParamSet, load_params
from sirecords.parameters.transactions import TYPE, parameter_payload
from sirecords.workflow.services import execute


def open_parameter_load(actor, region: str, year: int, reason: str, *, month: int | None = None, params: ParamSet | None = None,
                        channel: str = "counter"):
    """Open and submit a `load_rule_parameters` transaction for the set of `region` and `year` (and `month`)
    read from the parameter files (or `params`). Returns the submitted BusinessTransaction; the review
    stages then act on it as on any other transaction."""
    params = params or load_params(region, year, month)
    workflow_region = params.region if is_ascii_digits(params.region) else settings.SIRECORDS_REGION
    return execute(actor, TYPE, parameter_payload(params), region=workflow_region, reason=reason, channel=channel)
