"""The person's two charts (issue 10: "a chart of the individual account's growth year by year … and of
contributions per year"), each an SVG made on the server (core/charts.py: no script, no style, the CSP stays
strict) with the same numbers as a table for the page to render beside it.

Both take the rows records/personal.py already returns for the record page (`statement(person)` and
`contributions(person)`): they read nothing themselves, so the read is logged where those rows were read. Text is in
the active language (Chinese first, English by Django i18n).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sirecords.core.charts import Chart, Series, Table, stacked_bar_svg
from sirecords.core.money import as_decimal, format_yuan

__all__ = ["account_growth_svg", "contributions_per_year_svg"]


def _yuan(row: Mapping[str, Any], key: str) -> Decimal:
    value = row.get(key)
    return Decimal("0.00") if value in (None, "") else as_decimal(value, key)


def account_growth_svg(statement_rows: Iterable[Mapping[str, Any]], *, chart_id: str = "account-growth") -> Chart:
    """The individual account year by year: each bar is the year-end balance, stacked from the prior balance, the
    year's credits and the year's interest (on the prior balance and on the credits); the year-end balance is also
    drawn as a line. `statement_rows`: records.personal.statement(person) — year, opening, credits,
    interest_on_prior, interest_on_credits, closing as yuan strings, one row per year."""
    rows = sorted(statement_rows, key=lambda row: int(row["year"]))
    years = [str(row["year"]) for row in rows]
    opening = tuple(_yuan(row, "opening") for row in rows)
    credits = tuple(_yuan(row, "credits") for row in rows)
    interest = tuple(_yuan(row, "interest_on_prior") + _yuan(row, "interest_on_credits") for row in rows)
    closing = tuple(_yuan(row, "closing") for row in rows)
    names = (_("Prior balance"), _("Credits"), _("Interest"), _("Year-end balance"))
    title = _("Individual account, year by year")
    if rows:
        description = _("Year-end balance of the individual account from {first} to {last}: the prior balance, the "
                        "year's credits and the year's interest; {last} closed at {closing} yuan.").format(
            first=years[0], last=years[-1], closing=format_yuan(closing[-1]))
    else:
        description = _("No account year has been credited yet.")
    svg = stacked_bar_svg(chart_id=chart_id, title=title, description=description, labels=years,
                          bars=[Series(names[0], opening, "#56B4E9"), Series(names[1], credits, "#0072B2"),
                                Series(names[2], interest, "#E69F00")],
                          line=Series(names[3], closing, "#009E73"), unit=_("yuan"), empty_text=_("No data yet"))
    table = Table(title, (_("Year"), *names),
                  tuple((year, format_yuan(o), format_yuan(c), format_yuan(i), format_yuan(e))
                        for year, o, c, i, e in zip(years, opening, credits, interest, closing)))
    return Chart(svg, table, title, description)


def contributions_per_year_svg(rows: Iterable[Mapping[str, Any]], *, chart_id: str = "contributions-per-year") -> Chart:
    """Contributions paid per year, employer and individual stacked, summed over insurance types and employers.
    `rows`: records.personal.contributions(person) — period, employer_amount, individual_amount as yuan strings and
    counts; a row that does not count (in arrears, reversed: contributions/counted.py) is left out: the chart shows what
    was paid."""
    employer: dict[int, Decimal] = {}
    individual: dict[int, Decimal] = {}
    for row in rows:
        if not row.get("counts"):
            continue
        year = int(str(row["period"])[:4])
        employer[year] = employer.get(year, Decimal(0)) + _yuan(row, "employer_amount")
        individual[year] = individual.get(year, Decimal(0)) + _yuan(row, "individual_amount")
    years = sorted(employer)
    labels = [str(year) for year in years]
    by_employer = tuple(employer[year] for year in years)
    by_person = tuple(individual[year] for year in years)
    names = (_("Paid by the employer"), _("Paid by the individual"))
    title = _("Contributions paid per year")
    if years:
        description = _("Contributions paid per year from {first} to {last}, by the employer and by the individual, all "
                        "insurance types together; in {last}: {total} yuan.").format(
            first=years[0], last=years[-1], total=format_yuan(by_employer[-1] + by_person[-1]))
    else:
        description = _("No contribution has been paid yet.")
    svg = stacked_bar_svg(chart_id=chart_id, title=title, description=description, labels=labels,
                          bars=[Series(names[0], by_employer, "#0072B2"), Series(names[1], by_person, "#E69F00")],
                          unit=_("yuan"), empty_text=_("No data yet"))
    table = Table(title, (_("Year"), *names, _("Total")),
                  tuple((label, format_yuan(e), format_yuan(i), format_yuan(e + i))
                        for label, e, i in zip(labels, by_employer, by_person)))
    return Chart(svg, table, title, description)
