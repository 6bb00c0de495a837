"""Loading a rule parameter set is a reviewed transaction (第六条 fourth paragraph, 第七条).

A maintainer opens `load_rule_parameters` with a set's canonical form (`ParamSet.canonical`) and its
version; the reviewers check it stage by stage; posting writes one `parameter_set.loaded` entry
(subject ``rules:<region>/<period>``) whose projection is the `rules_parameter_set` table. So every
parameter value any computation used is in the ledger, and computations that record a rule version
(e.g. imported contributions) can be recomputed from the ledger alone.

`build()` re-parses the canonical form with `ParamSet.from_canonical`, which re-checks every value and
recomputes the version hash: a payload whose values do not hash to its version is refused.

Opening one is `parameters.services.open_parameter_load`; what the computations read is in
`parameters.queries`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sirecords.core.canonical import canonical_json
from sirecords.engine.params import ParameterError, ParamSet
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


def parameter_payload(params: ParamSet) -> dict[str, Any]:
    return {"region": params.region, "period": params.period, "version": params.version, "canonical": params.canonical}
