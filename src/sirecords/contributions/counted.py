"""The ONE definition of the contribution rows that count, and of the months in arrears (docs/contributions.md).

A row counts (toward contribution years, the individual account, benefits, subsidies, certificates and the pages)
when it is paid (`paid_on` set: an assessment paid on time, an arrears payment 补缴, a paid correction) and not
reversed (no contributions_reversal row names it: not refunded 退费, not replaced by a correction 更正). Rows are
never updated (their batch's Merkle root commits to them), so "counts" is a question of the rows AND the reversals.

A month is in arrears when a row of it is unpaid and not reversed and no row of the same person, employer, month
and insurance type counts. Every reader uses these fragments (SQL) or `counted_rows` (ORM, the same SQL):

    SELECT … FROM contributions_contribution c WHERE c.person_id = %s AND {counted('c')}
"""

from __future__ import annotations

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

TABLE = "contributions_contribution"


def _not_reversed(alias: str) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM contributions_reversal rv WHERE rv.batch_id = {alias}.batch_id "
            f"AND rv.row_number = {alias}.row_number)")  # nosec B608 # alias is a literal of the callers; no input


def reversed_sql(alias: str = TABLE) -> str:
    """SQL condition: the row `alias` is reversed (refunded, or replaced by a correction)."""
    return f"(NOT {_not_reversed(alias)})"


def counted(alias: str = TABLE) -> str:
    """SQL condition: the row `alias` (a table alias of contributions_contribution) counts."""
    return f"({alias}.paid_on <> '' AND {_not_reversed(alias)})"


def _month_counts_elsewhere(alias: str) -> str:
    return (f"EXISTS (SELECT 1 FROM {TABLE} pd WHERE pd.person_id = {alias}.person_id AND pd.period = {alias}.period "  # nosec B608 # alias is a literal of the callers; no input
            f"AND pd.insurance_type = {alias}.insurance_type AND pd.employer_id = {alias}.employer_id AND {counted('pd')})")


def in_arrears(alias: str = TABLE) -> str:
    """SQL condition: the row `alias` is a month in arrears (unpaid, not reversed, and nothing of its month counts)."""
    return f"({alias}.paid_on = '' AND {_not_reversed(alias)} AND NOT {_month_counts_elsewhere(alias)})"


def reversal_join(alias: str = TABLE, rv: str = "rv") -> str:
    """SQL: the reversal naming the row `alias`, LEFT JOINed as `rv` (at most one: contribution_reversed_once). With
    it, `joined_flags` looks the reversal up once per row instead of once per condition (a 30-year record: 1,800 rows)."""
    return (f"LEFT JOIN contributions_reversal {rv} ON {rv}.batch_id = {alias}.batch_id "
            f"AND {rv}.row_number = {alias}.row_number")


def joined_flags(alias: str = TABLE, rv: str = "rv") -> tuple[str, str, str]:
    """SQL (counts, in arrears, reversed) of the row `alias` read with `reversal_join(alias, rv)`: the conditions
    counted(), in_arrears() and reversed_sql(), the same definitions, with the row's own reversal already joined."""
    not_reversed = f"{rv}.row_number IS NULL"
    return (f"({alias}.paid_on <> '' AND {not_reversed})",
            f"({alias}.paid_on = '' AND {not_reversed} AND NOT {_month_counts_elsewhere(alias)})",
            f"({rv}.row_number IS NOT NULL)")


def current(alias: str = TABLE) -> str:
    """SQL condition: the row `alias` is its month's row as the month stands: it counts, or it is the month in arrears.
    Left out: reversed rows, and an assessment in arrears whose month was paid later (its payment row counts). Sums
    of what was assessed (an employer's months, the statistics) read these, so a month paid late is summed once."""
    return f"({counted(alias)} OR {in_arrears(alias)})"


def counted_rows(queryset: QuerySet) -> QuerySet:
    """The rows of a Contribution queryset that count (the same SQL as `counted`)."""
    return queryset.filter(RawSQL(counted(), [], output_field=BooleanField()))  # nosec B611 # counted.py's own constant SQL, no parameters


def current_rows(queryset: QuerySet) -> QuerySet:
    """The rows of a Contribution queryset that are their month's row as it stands (the same SQL as `current`)."""
    return queryset.filter(RawSQL(current(), [], output_field=BooleanField()))  # nosec B611 # counted.py's own constant SQL, no parameters


def arrears_rows(queryset: QuerySet) -> QuerySet:
    """The rows of a Contribution queryset that are months in arrears (the same SQL as `in_arrears`)."""
    return queryset.filter(RawSQL(in_arrears(), [], output_field=BooleanField()))  # nosec B611 # counted.py's own constant SQL, no parameters
