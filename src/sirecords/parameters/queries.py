"""The parameter sets computations may use: those a reviewed `load_rule_parameters` transaction put in the
ledger (第六条 fourth paragraph), rebuilt from the projection and re-checked; and the instance's pooling region."""

from __future__ import annotations

import json
from functools import lru_cache

from django.conf import settings

from sirecords.core.canonical import canonical_json
from sirecords.engine.params import ParameterError, ParamSet, load_params


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

    A month's set holds the standing values in force in that month and its calendar year's ``[year]``
    values, except the base-limit values (reference average wage, published floors and ceilings, per-type
    limits: ``engine.params.LIMIT_KEYS``), which are those of the contribution year containing the month:
    in a region with ``[contribution] year_start_month = 7`` the months 2024-01…2024-06 take them from
    2023.toml, so they differ from the whole year's set and resolve to ``R/2024-01``; 2024-07…2024-12 resolve
    to ``R/2024`` (the whole year's set is the one in force in December).
    """
    whole = load_params(region, year)
    values = _values_text(whole)
    first = None
    for m in range(1, month + 1):
        current = load_params(region, year, m)
        same_as_prev = first is not None and _values_text(current) == _values_text(first)
        if not same_as_prev:
            first = current
    if _values_text(first) == values:
        return whole
    return first


@lru_cache(maxsize=1024)
def _values_text(params: ParamSet) -> str:
    """A set's values as canonical JSON. Cached by the set (its version, a digest of its canonical form: never stale)."""
    return canonical_json(params.canonical["values"])


def pooling_region() -> str:
    """The pooling region (统筹地区) whose records this instance keeps: its parameters govern the person's
    benefits wherever the person's household is registered (one agency runs one instance)."""
    return settings.SIRECORDS_REGION
