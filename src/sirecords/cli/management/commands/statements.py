"""``sirecords statements --year Y --out DIR --actor USER [--region R] [--json]``: every insured person's annual
statement, each issued (a certificate.issued entry by USER, a query officer of the persons' region, and a line in
the access log) and signed (certificates/issuing.py statement_issuer, bulk.finish).

One PDF per person with a contribution or an account year in Y (docs/certificates.md), with a progress bar on
stderr; resumable: a second run writes only the files still missing. Exit status 0 when every statement was
written (or was already there), 1 when some failed (each named on stderr) or the input is bad.
"""

from __future__ import annotations

import sys

from django.core.management.base import CommandParser

from sirecords.certificates.bulk import write_statements
from sirecords.cli.command import RunCommand, as_json
from sirecords.core.text import whole_number


class Command(RunCommand):
    name = "statements"
    help = "Write every insured person's annual statement (对账单) of a year as a PDF file each, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=whole_number, required=True, help="the year of the statements, e.g. 2024")
        parser.add_argument("--out", required=True, help="the folder the PDF files go to (created if missing)")
        parser.add_argument("--actor", required=True,
                            help="the query officer who issues them (recorded in the ledger with every statement)")
        parser.add_argument("--region", default=None, help="only the persons of this pooling region (default: all)")
        parser.add_argument("--workers", type=whole_number, default=1,
                            help="processes rendering in parallel (default 1; at most the machine's CPUs is useful)")
        parser.add_argument("--json", action="store_true", help="print one JSON object with the counts")

    def handle(self, *args, year: int, out: str, actor: str, region: str | None, workers: int, json: bool,
               **options) -> None:
        from sirecords.certificates.issuing import statement_issuer
        from sirecords.users.actors import actor_for

        if not 1900 <= year <= 9999:
            self.fail(f"--year: must be a year written YYYY, not {year}", json)
        if not 1 <= workers <= 64:
            self.fail(f"--workers: must be from 1 to 64, not {workers}", json)
        issuer = actor_for(actor)
        if issuer is None or not issuer.has("query_officer", region):
            self.fail(f"--actor: {actor!r} is not a query officer{f' of region {region}' if region else ''}: only a query "
                      "officer issues statements", json)
        result = write_statements(year, out, region=region, progress=not json, workers=workers,
                                  issue=statement_issuer(issuer))
        for uid, why in result.failed:
            sys.stderr.write(f"sirecords statements: person {uid}: {why}\n")
        if json:
            self.stdout.write(as_json(result.as_dict()))
        else:
            self.stdout.write(f"{year} 年对账单 statements of {year} in {out}: {result.written} written, "
                              f"{result.skipped} already there, {result.empty} with nothing for the year, "
                              f"{len(result.failed)} failed; {result.per_second:.1f} per second")
        if result.failed:
            sys.exit(1)
