"""``sirecords pensions pay --month YYYY-MM`` and ``sirecords pensions adjust --year Y``, each with
``--actor USERNAME --reason TEXT [--region R] [--json]``.

* ``pay``: the month's payment run (every award payable that month, at the amount in force), opened as a
  `pay_pensions` transaction and submitted; the reviewers approve it in the pages and the last approval
  posts it (the rows and the ledger entry committing to their Merkle root).
* ``adjust``: the region's yearly adjustment for Y (from the parameter files) of every award that started
  before Y-01, opened as an `adjust_pensions` transaction and submitted.

Exit status 0 on success (also when there is nothing to do), 1 when refused or invalid, with the reason on
stderr (and in ``error`` with ``--json``).
"""

from __future__ import annotations

from django.core.management.base import CommandParser

from sirecords.benefits import adjustments, payments, services
from sirecords.cli.command import RunCommand, as_json
from sirecords.core.money import InvalidInput, fen_to_yuan
from sirecords.core.periods import Month
from sirecords.core.text import whole_number
from sirecords.engine.params import ParameterError
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused


class Command(RunCommand):
    name = "pensions"
    help = "Monthly pension payment runs and yearly pension adjustments, each as a reviewed transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        pay = actions.add_parser("pay", help="open the month's payment run for review")
        pay.add_argument("--month", required=True, help="the month to pay, YYYY-MM")
        adjust = actions.add_parser("adjust", help="open the year's pension adjustment for review")
        adjust.add_argument("--year", type=whole_number, required=True, help="the adjustment year, e.g. 2026")
        for sub in (pay, adjust):
            self.add_run_arguments(sub)

    def handle(self, *args, action: str, actor: str, reason: str, region: str | None, json: bool, **options) -> None:
        who, region = self.run_context(actor, region, json)
        try:
            data = self._pay(who, options["month"], region, reason) if action == "pay" else \
                self._adjust(who, options["year"], region, reason)
        except (Refused, InvalidTransaction, ParameterError, InvalidInput) as error:
            self.fail(str(error), json)
        message = data.pop("message")
        self.stdout.write(as_json(data) if json else message)

    def _pay(self, who, month: str, region: str, reason: str) -> dict:
        month = str(Month.parse(month))
        if payments.already_paid(month):
            return {"month": month, "transaction": None, "message": f"the pensions of {month} are already paid; nothing opened"}
        txn = services.prepare_payments(who, month, region=region, reason=reason)
        if txn is None:
            return {"month": month, "transaction": None, "message": f"no pension award is payable for {month}; nothing opened"}
        figures = payments.summary(month, payments.plan(month))
        return {"month": month, "transaction": txn.uid, "awaiting": txn.due_stage, **figures,
                "message": f"{month} 养老金发放 payment run: {figures['row_count']} payments, total {fen_to_yuan(figures['total_fen'])}, "
                           f"root {figures['rows_root']}\ntransaction {txn.uid} submitted; awaiting {txn.due_stage} — "
                           "the reviewers approve it in the pages"}

    def _adjust(self, who, year: int, region: str, reason: str) -> dict:
        txn = services.prepare_adjustments(who, region, year, reason=reason)
        if txn is None:
            return {"year": year, "transaction": None, "message": f"no pension award of {region} to adjust for {year}; "
                                                                  "nothing opened"}
        figures = adjustments.summary(adjustments.plan_adjustments(region, year))
        return {"year": year, "transaction": txn.uid, "awaiting": txn.due_stage, **figures,
                "message": f"{year} 养老金调整 adjustment: {figures['award_count']} awards, monthly increase "
                           f"{fen_to_yuan(figures['increase_fen'])}\ntransaction {txn.uid} submitted; awaiting {txn.due_stage} — "
                           "the reviewers approve it in the pages"}
