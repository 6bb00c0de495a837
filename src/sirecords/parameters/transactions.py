"""Loading a rule parameter set is a reviewed transaction (第六条 fourth paragraph, 第七条).

A maintainer opens `load_rule_parameters` with a set's canonical form (`ParamSet.canonical`) and its
version; the reviewers check it stage by stage; posting writes one `parameter_set.loaded` entry
(subject ``rules:<region>/<period>``) whose projection is the `rules_parameter_set` table. So every
parameter value any computation used is in the ledger, and computations that record a rule version
(e.g. imported contributions) can be recomputed from the ledger alone.

`build()` re-parses the canonical form with `ParamSet.from_canonical`, which re-checks every value and
recomputes the version hash: a payload whose values do not hash to its version is refused.

`open_parameter_load(actor, region, year, reason)` is the helper the tests, the demo and the bench use
to open and submit such a transaction from the parameter files (the reviewers then act on it).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.core.canonical import canonical_json
from sirecords.engine.params import ParameterError, ParamSet, load_params
from sirecords.ledger.append import NewEntry, PostedEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import Store, projects
from sirecords.parameters.kinds import PARAMETER_SET_LOADED
from sirecords.transactions.posting import transaction_type
from sirecords.transactions.validation import Errors, unknown_fields

TYPE = "load_rule_parameters"
TABLE = "rules_parameter_set"


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"field": "version", "before": "", "after": str(payload.get("version", ""))},
            {"field": "region", "before": "", "after": str(payload.get("region", ""))},
            {"field": "period", "before": "", "after": str(payload.get("period", ""))}]


@transaction_type(TYPE, "规则参数加载", creators=("maintainer",), describe=_describe)
def load_rule_parameters(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    from sirecords.parameters.models import RuleParameterSet

    errors = Errors()
    unknown_fields(payload, {"region", "period", "version", "canonical"}, errors)
    version = payload.get("version")
    canonical = payload.get("canonical")
    if not isinstance(version, str) or not version:
        errors["version"] = _("is required")
    if not isinstance(canonical, dict):
        errors["canonical"] = _("must be the parameter set's canonical form (an object)")
    errors.raise_if_any()
    try:
        rebuilt = ParamSet.from_canonical(canonical, version=version)
    except ParameterError as error:
        errors["canonical"] = str(error)
        errors.raise_if_any()
    if payload.get("region") != rebuilt.region:
        errors["region"] = _("is {given}; the parameter set is for {region}").format(given=repr(payload.get("region")),
                                                                                   region=rebuilt.region)
    if payload.get("period") != rebuilt.period:
        errors["period"] = _("is {given}; the parameter set is for {period}").format(given=repr(payload.get("period")),
                                                                                   period=rebuilt.period)
    if RuleParameterSet.objects.filter(pk=rebuilt.version).exists():
        errors["version"] = _("parameter set {version} is already loaded").format(version=rebuilt.version)
    errors.raise_if_any()
    body = {"version": rebuilt.version, "region": rebuilt.region, "period": rebuilt.period, "canonical": rebuilt.canonical}
    return [NewEntry(PARAMETER_SET_LOADED, f"rules:{rebuilt.region}/{rebuilt.period}", body)]


@projects(PARAMETER_SET_LOADED)
def parameters_loaded(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = {"version": p["version"], "region": p["region"], "period": p["period"],
           "canonical": canonical_json(p["canonical"]), "last_seq": entry.seq}
    store.put(TABLE, p["version"], row)


# --- reading and choosing parameter sets -------------------------------------------------------------


@lru_cache(maxsize=256)
def _rebuilt(version: str, text: str) -> ParamSet:
    return ParamSet.from_canonical(json.loads(text), version=version)


def loaded_param_set(version: str) -> ParamSet | None:
    """The set loaded under `version`, rebuilt from what the ledger posted (and re-checked), or None."""
    from sirecords.parameters.models import RuleParameterSet

    text = RuleParameterSet.objects.filter(pk=version).values_list("canonical", flat=True).first()
    return None if text is None else _rebuilt(version, text)


def params_in_ledger(region: str, year: int | None = None) -> ParamSet:
    """The parameter set of `region` (for `year`, default the latest) from the files, provided the same set
    (same version) has been loaded through a reviewed `load_rule_parameters` transaction: a computation
    uses only values the ledger holds. Otherwise ParameterError names the set and how to load it."""
    return require_loaded(load_params(region, year))


def require_loaded(params: ParamSet) -> ParamSet:
    """`params`, provided a reviewed load_rule_parameters transaction put the same set in the ledger."""
    if loaded_param_set(params.version) is None:
        raise ParameterError(None, None, f"parameter set {params.version} ({params.region}/{params.period}) is not loaded: "
                                         "a maintainer loads it first (load_rule_parameters, reviewed)")
    return params


def loaded_versions(versions) -> set[str]:
    from sirecords.parameters.models import RuleParameterSet

    return set(RuleParameterSet.objects.filter(pk__in=list(versions)).values_list("version", flat=True))


@lru_cache(maxsize=4096)
def params_for_month(region: str, year: int, month: int) -> ParamSet:
    """The parameter set that governs contribution month `year-month` in `region`, from the files.

    The set of the whole year (``R/YYYY``) when the month's values are the year's; otherwise (a month
    file changed something during the year, e.g. national/2019-05) the set of the first month of the
    run of months with the same values (``R/YYYY-MM``). So a year needs one load, or one per change.
    """
    whole = load_params(region, year)
    values = canonical_json(whole.canonical["values"])
    first = None
    for m in range(1, month + 1):
        current = load_params(region, year, m)
        same_as_prev = first is not None and canonical_json(current.canonical["values"]) == canonical_json(first.canonical["values"])
        if not same_as_prev:
            first = current
    if canonical_json(first.canonical["values"]) == values:
        return whole
    return first


def parameter_payload(params: ParamSet) -> dict[str, Any]:
    return {"region": params.region, "period": params.period, "version": params.version, "canonical": params.canonical}


def open_parameter_load(actor, region: str, year: int, reason: str, *, month: int | None = None, params: ParamSet | None = None,
                        channel: str = "counter"):
    """Open and submit a `load_rule_parameters` transaction for the set of `region` and `year` (and `month`)
    read from the parameter files (or `params`). Returns the submitted BusinessTransaction; the review
    stages then act on it as on any other transaction."""
    from sirecords.workflow.services import execute

    params = params or load_params(region, year, month)
    workflow_region = params.region if params.region.isdigit() else settings.SIRECORDS_REGION
    return execute(actor, TYPE, parameter_payload(params), region=workflow_region, reason=reason, channel=channel)


def pooling_region() -> str:
    """The pooling region (统筹地区) whose records this instance keeps: its parameters govern the person's
    benefits wherever the person's household is registered (one agency runs one instance)."""
    return settings.SIRECORDS_REGION
