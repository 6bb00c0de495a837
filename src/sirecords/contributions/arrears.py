"""Months in arrears and their payment (补缴): which rows are in arrears, and the row that pays one, with its late fee
(滞纳金) computed by the engine (engine/late_fees.py) on the amount in arrears, under the parameter set that
governs the month (the one the row was computed with: its rule_version).

The payment row repeats the month's assessment as computed (wage, base, amounts, rule version) with the payment
date, no arrears, and the late fee; its batch's Merkle root commits to the fee (rows.py), and verify recomputes
it (integrity.py). Used by the desk transaction (pay_arrears) and by the collection file (collection.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sirecords.contributions import counted
from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.contributions.models import Contribution, RowKind
from sirecords.core.money import from_fen, to_fen
from sirecords.engine.late_fees import late_fee_for
from sirecords.engine.params import ParameterError
from sirecords.parameters.queries import loaded_param_set

COLUMNS = row_form.COLUMNS


@dataclass(frozen=True)
class Due:
    """A row in arrears: where it is (batch, row number) and its values in rows.COLUMNS order."""

    batch: str
    row: tuple

    @property
    def period(self) -> str:
        return self.row[3]

    @property
    def insurance_type(self) -> str:
        return self.row[4]

    @property
    def amount_fen(self) -> int:
        """The amount in arrears: the employer's and the individual's contributions of the month."""
        return self.row[8] + self.row[9]


def in_arrears(person: str, first: str = "", last: str = "", insurance_types=()) -> list[Due]:
    """The person's rows in arrears (counted.in_arrears), by month and insurance type; `first`/`last` bound the months."""
    rows = counted.arrears_rows(Contribution.objects.filter(person_id=person))
    if first:
        rows = rows.filter(period__gte=first)
    if last:
        rows = rows.filter(period__lte=last)
    if insurance_types:
        rows = rows.filter(insurance_type__in=list(insurance_types))
    return [Due(batch, tuple(values)) for batch, *values in
            rows.order_by("period", "insurance_type", "employer_id").values_list("batch_id", *COLUMNS)]


class NotPayable(ValueError):
    """The row cannot be paid as computed: its parameter set is not loaded, or its amounts are not the engine's."""


def late_fee_fen(amount_fen: int, period: str, paid_on: str, version: str) -> int:
    """The engine's late fee in fen on `amount_fen` of month `period` paid on `paid_on`, under the set `version`."""
    params = loaded_param_set(version)
    if params is None:
        raise NotPayable(f"rule parameters {version} are not loaded")
    return to_fen(late_fee_for(params, from_fen(amount_fen), period, date.fromisoformat(paid_on)).value.fee)


def late_fee_detail(amount_fen: int, period: str, paid_on: str, version: str):
    """The engine's LateFee (due date, days, rate, fee) for the reviewers' view, or None without the parameters."""
    params = loaded_param_set(version)
    return None if params is None else late_fee_for(params, from_fen(amount_fen), period, date.fromisoformat(paid_on)).value


def check_amounts(row: tuple) -> None:
    """The row's base and amounts are the engine's for its wage under its rule version (NotPayable if not)."""
    params = loaded_param_set(row[13])
    if params is None:
        raise NotPayable(f"rule parameters {row[13]} are not loaded")
    try:
        figures = Calculator(params, row[4], row[5]).figures(row[6])
    except ParameterError as error:
        raise NotPayable(f"no rates for {row[4]} ({row[5]}) in {row[13]}: {error}") from None
    if figures != tuple(row[7:11]):
        raise NotPayable(f"the stored amounts {tuple(row[7:11])} are not the engine's {figures} (fen)")


def payment_row(due: Due, number: int, paid_on: str) -> tuple[tuple, str, int]:
    """(row, kind, late fee) paying the month `due` on `paid_on`, as row `number` of the paying batch."""
    check_amounts(due.row)
    (_number, person, employer, period, insurance_type, category, wage, base, employer_fen, individual_fen, account,
     _paid, _arrears, version) = due.row
    fee = late_fee_fen(due.amount_fen, period, paid_on, version)
    row = (number, person, employer, period, insurance_type, category, wage, base, employer_fen, individual_fen, account,
           paid_on, 0, version)
    return row, RowKind.ARREARS_PAYMENT.value, fee
