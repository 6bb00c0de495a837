"""The demo's month paid late (补缴): the flexible worker's March of the last demo year comes in the collection file
unpaid (in arrears), and she pays it at the counter on PAID_DAY with its late fee (滞纳金), computed by the engine
(pay_arrears, on the payment receipt). Her record then shows the month in arrears, paid late, and the fee.

`post_sample_arrears` does the same for the tests' sample person (demo/sample_contributions.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

MONTH = "03"  # the month of the last demo year left unpaid by the collection file
PAID_DAY = "07-20"  # month-day of that year the month is paid at the counter (111 days after its due date 03-31)


def left_in_arrears(rows: Iterable[tuple], id_number: str, year: int) -> list[tuple]:
    """The collection rows with `id_number`'s month YEAR-MONTH unpaid (paid_on empty)."""
    period = f"{year:04d}-{MONTH}"
    return [(*row[:5], "") if row[0] == id_number and row[2] == period else row for row in rows]


def pay(person: str, year: int, open_and_approve: Callable[[str, str, dict], object]):
    """The clerk records the payment of YEAR-MONTH on the receipt; the reviewers approve it."""
    period = f"{year:04d}-{MONTH}"
    return open_and_approve("clerk.chen", "pay_arrears", {"person": person, "from": period, "to": period,
                                                          "paid_on": f"{year:04d}-{PAID_DAY}"})


def post_sample_arrears(make_staff, region: str = "440300", year: int = 2024):
    """Tests: after post_sample_batch, the sample person's YEAR-MONTH posted in arrears by a second file, then paid at
    the counter. Returns the posted pay_arrears transaction."""
    from datetime import date

    from sirecords.contributions.services import import_file
    from sirecords.core.identifiers import make_id_number, make_uscc
    from sirecords.demo.crew import crew
    from sirecords.demo.sample_contributions import collection_csv
    from sirecords.registry.queries import find_person_by_id_number

    team = crew(make_staff, "arrears", region)
    number = make_id_number("440305", date(1984, 4, 4), 404)
    uscc = make_uscc("9", "1", region, "MA5T0404")
    rows = [(number, uscc, f"{year}-{MONTH}", "pension", 800000, "")]
    outcome = import_file(team.clerk, collection_csv(rows, region), reason="sample", file_name="arrears.csv", region=region)
    if not outcome.ok:
        raise ValueError("; ".join(outcome.prepared.report_lines()) or outcome.refused)
    team.approve(outcome.txn)
    person = find_person_by_id_number(number).uid
    period = f"{year}-{MONTH}"
    return team.open_approved("pay_arrears", {"person": person, "from": period, "to": period,
                                              "paid_on": f"{year}-{PAID_DAY}"}, "payment_receipt")
