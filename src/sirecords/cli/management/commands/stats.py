"""``sirecords stats --by DIMS --measure M [--min-cell K] [--year Y] [--actor USER] [--json|--csv]``: de-identified
statistics (第十七条).

Aggregates over the whitelisted dimensions (region, year, insurance_type, sex, age_band) of one measure (persons,
contribution_total, account_balance_total, pensions_paid_count, pensions_paid_total), margins and grand total
included; cells resting on fewer than K persons, and those that would reveal one by subtraction, are withheld
(docs/statistics.md). The request is recorded in the access log (subject ``stats``) as USER, or as the operating-system
user at the shell (os:<login>) without --actor. Exit status 0 on success, 1 when refused.
"""

from __future__ import annotations

import getpass
import unicodedata

from django.core.management.base import CommandParser

from sirecords.cli.command import RunCommand, as_json
from sirecords.core import csvsafe
from sirecords.core.text import whole_number
from sirecords.stats.services import StatsRefused, compute
from sirecords.users.actors import OPERATOR_PREFIX, actor_for

TOTAL_LABEL = "合计 total"
SUPPRESSED_LABEL = "× (withheld 已抑制)"


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(RunCommand):
    name = "stats"
    help = "De-identified statistics (第十七条): a measure by whitelisted dimensions, small cells suppressed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="dimensions, comma-separated: region, year, insurance_type, "
                                                         "sex, age_band")
        parser.add_argument("--measure", required=True, help="persons, contribution_total, account_balance_total, "
                                                              "pensions_paid_count or pensions_paid_total")
        parser.add_argument("--min-cell", type=whole_number, default=None,
                            help="the fewest persons a published cell may rest on (default SIRECORDS_STATS_MIN_CELL)")
        parser.add_argument("--year", type=whole_number, default=None, help="only this year")
        parser.add_argument("--actor", default=None, help="the staff account the request is logged as "
                                                          "(default: the operating-system user)")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="print one JSON object")
        output.add_argument("--csv", action="store_true", help="print CSV (header, one line per cell)")

    def handle(self, *args, by: str, measure: str, min_cell: int | None, year: int | None, actor: str | None,
               json: bool, csv: bool, **options) -> None:
        if actor is not None and actor_for(actor) is None:
            self.fail(f"no staff account {actor!r}", json)
        who = actor if actor is not None else f"{OPERATOR_PREFIX}{getpass.getuser()}"
        dimensions = [name.strip() for name in by.split(",") if name.strip()]
        try:
            table = compute(who, dimensions, measure.strip(), channel="cli", min_cell=min_cell, year=year)
        except StatsRefused as error:
            self.fail(str(error), json)
        if json:
            self.stdout.write(as_json(table.as_dict()))
        elif csv:
            out = csvsafe.writer(self.stdout, lineterminator="\n")
            out.writerow([*table.by, table.measure.name, "suppressed"])
            for row in table.rows:
                out.writerow([TOTAL_LABEL if row[name] is None else row[name] for name in table.by]
                             + ["" if row["suppressed"] else row["value"], int(row["suppressed"])])
        else:
            self._text(table)

    def _text(self, table) -> None:
        self.stdout.write(f"{table.measure.label} by {', '.join(table.by)}" + (f", {table.year}" if table.year else "")
                          + f"; minimum {table.min_cell} persons per cell, {table.suppressed} cell(s) withheld")
        lines = [[TOTAL_LABEL if row[name] is None else str(row[name]) for name in table.by]
                 + [SUPPRESSED_LABEL if row["suppressed"] else str(row["value"])] for row in table.rows]
        header = [*table.by, table.measure.name]
        widths = [max(_width(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
        for cells in [header, *lines]:
            self.stdout.write("  ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip())
