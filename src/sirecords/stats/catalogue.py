"""What may be counted and by what (第十七条 依据业务需求规定范围): the whitelist of dimensions and measures, each a
fixed SQL fragment over the projections. Nothing a caller sends ever becomes SQL: names are looked up here, and
an unknown one is refused with the list of known ones.

Every measure is grouped per person first (``person``), so that each cell knows how many distinct persons it rests
on and the largest single person's part — what the disclosure control (engine/disclosure_control.py) needs.

Dimensions:
- region: the person's pooling region (参保地, registry_person.pooling_region);
- year: the year of the contribution month, the account year or the payment month;
- insurance_type: the contribution's insurance type (contributions only);
- sex: registry_person.sex;
- age_band: five-year bands of the age reached in that year (year − birth year; birth_month is kept in clear).
Employer industry is not offered: the registry records no industry of an employer (registry/models.py Employer), and
this module does not invent one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sirecords.contributions.counted import current

__all__ = ["AGE_BAND_YEARS", "DIMENSIONS", "MULTI_VALUED", "MEASURES", "Measure", "UnknownName", "age_band_label", "check_request"]

AGE_BAND_YEARS = 5
# Dimensions of which one person may have several values in one table (contributions in several years, of several
# insurance types, at several ages); region and sex are one per person.
MULTI_VALUED = frozenset({"year", "insurance_type", "age_band"})


class UnknownName(ValueError):
    """A dimension or measure outside the whitelist, or a dimension a measure cannot be broken down by."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _age_band(year_sql: str) -> str:
    # Integer division on both SQLite and PostgreSQL: the lower bound of the band.
    return f"((({year_sql}) - CAST(SUBSTR(p.birth_month, 1, 4) AS INTEGER)) / {AGE_BAND_YEARS}) * {AGE_BAND_YEARS}"


@dataclass(frozen=True)
class Measure:
    name: str
    label: str  # Chinese, for the CSV header and the docs
    source: str  # FROM … JOIN registry_person p …: one row per fact f, with the person as p
    where: str  # a condition every row must meet ("" for none)
    value: str  # the SQL value of one row (summed per person); "1" for a count
    year: str  # the SQL year of a row
    money: bool  # the value is fen (shown in yuan)
    distinct_persons: bool  # the measure is the number of distinct persons itself
    dimensions: frozenset[str]

    def dimension_sql(self, name: str) -> str:
        return {"region": "p.pooling_region", "year": self.year, "sex": "p.sex", "age_band": _age_band(self.year),
                "insurance_type": "f.insurance_type"}[name]


_CONTRIBUTIONS = "contributions_contribution f JOIN registry_person p ON p.uid = f.person_id"
_CONTRIBUTION_YEAR = "CAST(SUBSTR(f.period, 1, 4) AS INTEGER)"
_CURRENT_ROW = current("f")  # each month once: its row that counts, or the one in arrears (contributions/counted.py)
# The current figure of an account year is the row of its latest crediting run (accounts/models.py AccountYear).
_ACCOUNTS = "accounts_account_year f JOIN registry_person p ON p.uid = f.person_id"
_CURRENT_ACCOUNT = ("f.run_seq = (SELECT MAX(g.run_seq) FROM accounts_account_year g "
                    "WHERE g.year = f.year AND g.person_id = f.person_id)")
_PAYMENTS = "benefits_payment f JOIN registry_person p ON p.uid = f.person_id"
_PAYMENT_YEAR = "CAST(SUBSTR(f.month, 1, 4) AS INTEGER)"
_PERSON_DIMENSIONS = frozenset({"region", "year", "sex", "age_band"})

MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("persons", "参保缴费人数 contributors", _CONTRIBUTIONS, _CURRENT_ROW, "1", _CONTRIBUTION_YEAR, money=False,
            distinct_persons=True, dimensions=_PERSON_DIMENSIONS | {"insurance_type"}),
    Measure("contribution_total", "缴费总额（元） contributions assessed (yuan)", _CONTRIBUTIONS, _CURRENT_ROW,
            "f.employer_fen + f.individual_fen", _CONTRIBUTION_YEAR, money=True, distinct_persons=False,
            dimensions=_PERSON_DIMENSIONS | {"insurance_type"}),
    Measure("account_balance_total", "个人账户年末储存额（元） account balances at year end (yuan)", _ACCOUNTS,
            _CURRENT_ACCOUNT, "f.closing_fen", "f.year", money=True, distinct_persons=False, dimensions=_PERSON_DIMENSIONS),
    Measure("pensions_paid_count", "养老金发放人次 pension payments (person-months)", _PAYMENTS, "", "1", _PAYMENT_YEAR,
            money=False, distinct_persons=False, dimensions=_PERSON_DIMENSIONS),
    Measure("pensions_paid_total", "养老金发放总额（元） pensions paid (yuan)", _PAYMENTS, "",
            "f.amount_fen + f.back_pay_fen", _PAYMENT_YEAR, money=True, distinct_persons=False,
            dimensions=_PERSON_DIMENSIONS),
)}
DIMENSIONS = ("region", "year", "insurance_type", "sex", "age_band")


def age_band_label(lower: int) -> str:
    return f"{lower}-{lower + AGE_BAND_YEARS - 1}"


def check_request(by: list[str], measure: str) -> Measure:
    """The measure named, once every dimension is known, allowed for it and given once; UnknownName otherwise."""
    found = MEASURES.get(measure)
    if found is None:
        raise UnknownName("measure", _("unknown measure {name}; known: {known}").format(
            name=repr(measure), known=", ".join(MEASURES)))
    if not by:
        raise UnknownName("by", _("name one or more dimensions: {known}").format(known=", ".join(DIMENSIONS)))
    for name in by:
        if name not in DIMENSIONS:
            raise UnknownName("by", _("unknown dimension {name}; known: {known}").format(
                name=repr(name), known=", ".join(DIMENSIONS)))
        if name not in found.dimensions:
            raise UnknownName("by", _("the measure {measure} cannot be broken down by {name}; it can by {known}").format(
                measure=measure, name=name, known=", ".join(d for d in DIMENSIONS if d in found.dimensions)))
    if len(set(by)) != len(by):
        raise UnknownName("by", _("a dimension is named twice"))
    return found
