"""``sirecords credit --year Y --actor USERNAME --reason TEXT [--region R] [--json]``: the annual crediting.

Computes every individual account of year Y (docs/crediting.md) by the region's crediting method and basis
(``[crediting] interest_from``: a credit counts from the month it arrived, or from its contribution month) and,
when any account is new or its figures changed, opens a `credit_accounts` transaction as USERNAME (a maintainer)
and submits it; the reviewers approve it in the pages, and the last approval posts it. With nothing changed it says so
and opens nothing. Exit status 0 on success (also when nothing changed), 1 when refused or invalid.
"""

from __future__ import annotations

from django.core.management.base import CommandParser

from sirecords.accounts.crediting import EngineMismatch
from sirecords.accounts.services import prepare
from sirecords.cli.command import RunCommand, as_json
from sirecords.core.money import InvalidInput, fen_to_yuan
from sirecords.core.text import whole_number
from sirecords.engine.params import ParameterError
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused


class Command(RunCommand):
    name = "credit"
    help = "Credit every individual account for a year (annual crediting), as one reviewed transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=whole_number, required=True, help="the year to credit, e.g. 2025")
        self.add_run_arguments(parser)

    def handle(self, *args, year: int, actor: str, reason: str, region: str | None, json: bool, **options) -> None:
        who, region = self.run_context(actor, region, json)
        try:
            prepared = prepare(who, year, region=region, reason=reason, channel="cli")
        except (Refused, InvalidTransaction, ParameterError, InvalidInput, EngineMismatch) as error:
            self.fail(str(error), json)
        plan, txn = prepared.plan, prepared.txn
        data = {**plan.summary(), "transaction": txn.uid if txn else None,
                "awaiting": txn.due_stage if txn else None, "later_years": plan.later_years}
        if json:
            self.stdout.write(as_json(data))
            return
        self.stdout.write(f"{year} 年个人账户记账 crediting of {year}, region {region}: rate {plan.rate} ({plan.rate_status}), "
                          f"method {plan.method}, interest from {plan.interest_from}, rounding {plan.rounding}")
        self.stdout.write(f"accounts computed: {plan.accounts}; new {plan.new}, changed {plan.replaced}, unchanged {plan.unchanged}")
        if txn is None:
            self.stdout.write("nothing to credit: every account is up to date; no transaction opened, nothing posted")
            return
        totals = plan.totals
        self.stdout.write(f"rows to post: {plan.row_count} (credits {fen_to_yuan(totals['credits_fen'])}, interest "
                          f"{fen_to_yuan(totals['interest_fen'])}, closing {fen_to_yuan(totals['closing_fen'])}), root {plan.root}")
        self.stdout.write(f"transaction {txn.uid} submitted; awaiting {txn.due_stage} — the reviewers approve it in the pages")
        if plan.later_years:
            self.stdout.write(f"note: {plan.later_years} of these accounts have later years credited on the old figures; "
                              f"after this run posts, run `sirecords credit --year {year + 1}` (and each later year) "
                              "to post their differences")
