"""``sirecords import contributions FILE --actor USERNAME --reason TEXT [--region R] [--report FILE]``

Checks every row of the collection agency's monthly file (docs/collection-file.md). With any problem,
nothing is opened or posted: the report (line, field, reason) is printed and, with --report, written as
CSV (a value starting like a spreadsheet formula neutralised); exit status 1. The file is read in pieces, so
memory stays bounded whatever its size; a line too long, a field too long for CSV or a NUL is a problem of its
line, never a traceback. A clean file becomes one `import_contributions` transaction opened and submitted by
the clerk; the reviewers act on it in the web pages, and only then are the rows posted.

``--hold-invalid``: the rows with a problem of their own are held and the others opened for review as above. The held
rows are written in the file's own format to ``<FILE's name>.held.csv`` and their problems (line in FILE, field,
kind, reason) to --report, or to ``<FILE's name>.held-problems.csv``; both next to --report when it is given,
else next to FILE. A file whose every row is held opens nothing (exit status 1); problems of the file itself
(encoding, header, a line too long) still refuse it whole.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.contributions.filestore import FileMissing
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow.services import Refused
from sirecords.workflow.stages import STAGE_TITLES


class Command(BaseCommand):
    help = ("Import a collection file, checked row by row, as one reviewed batch: "
            "sirecords import contributions FILE --actor CLERK --reason TEXT")
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        contributions = sub.add_parser("contributions", help="the collection agency's monthly contribution file (CSV)",
                                       called_from_command_line=getattr(parser, "called_from_command_line", None))
        contributions.add_argument("file", help="the CSV file (UTF-8, with or without BOM)")
        contributions.add_argument("--actor", required=True, help="the clerk (经办员) who opens the transaction")
        contributions.add_argument("--reason", required=True, help="why the file is imported (第十二条)")
        contributions.add_argument("--region", default=settings.SIRECORDS_REGION,
                                   help="the pooling region whose parameters apply (default %(default)s)")
        contributions.add_argument("--report", metavar="FILE", help="write the problems as CSV to FILE")
        contributions.add_argument("--hold-invalid", action="store_true",
                                   help="post the valid rows for review and hold the rows with problems: written as "
                                        "FILE.held.csv (to correct and import as a new file) with their problems")
        contributions.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        contributions.add_argument("--json", action="store_true", help='print {"transaction": UID, "file_sha256", "rows", '
                                                                      '"held"} once it is opened and submitted')

    def handle(self, *args, **options) -> None:
        from sirecords.contributions.services import import_file

        path = Path(options["file"])
        try:
            with open(path, "rb"):  # readable; the import reads it in pieces (memory bounded whatever its size)
                pass
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"no staff account {options['actor']!r}")
        hold = options["hold_invalid"]
        held_path = problems_path = None
        if hold:
            held_path, problems_path = held_paths(path, options["report"])
            if not os.access(held_path.parent, os.W_OK):
                raise CommandError(f"cannot write the held rows to {held_path.parent}: give --report in a writable folder")
        try:
            outcome = import_file(actor, path, reason=options["reason"], file_name=path.name, region=options["region"],
                                  progress=not options["no_progress"], hold_invalid=hold)
        except (Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None
        except FileMissing as changed:
            raise CommandError(f"{path.name} changed while it was imported: {changed}") from None
        prepared = outcome.prepared
        if options["report"] and prepared.problems:
            with open(options["report"], "w", encoding="utf-8", newline="") as stream:
                prepared.write_report(stream)
        if prepared.ok and prepared.held_lines and (outcome.ok or outcome.all_held):
            self._held(path, prepared, held_path, problems_path)
        if outcome.refused:
            self.stderr.write(f"refused: {outcome.refused}")
            sys.exit(1)
        if not prepared.ok:
            if prepared.whole:
                self.stdout.write(f"{path.name}: refused whole even with --hold-invalid: {prepared.whole}")
            self.stdout.write(f"{path.name}: {len(prepared.problems) + prepared.more_problems} problem(s); nothing was "
                              f"imported (SHA-256 {prepared.sha256})")
            for line in prepared.report_lines():
                self.stdout.write(line)
            if options["report"]:
                self.stdout.write(f"report written to {options['report']}")
            sys.exit(1)
        txn = outcome.txn
        if options.get("json"):  # the convention of the commands that open a transaction (issue 17)
            self.stdout.write(json.dumps({"transaction": txn.uid, "file_sha256": prepared.sha256,
                                          "rows": prepared.row_count, "held": prepared.held_count}))
            return
        stages = ", ".join(f"{STAGE_TITLES[s][0]} {s}" for s in txn.stage_list)
        if prepared.held_lines:
            self.stdout.write(f"{path.name}: {prepared.row_count} rows to post, {prepared.held_count} held "
                              f"(SHA-256 {prepared.sha256})")
        else:
            self.stdout.write(f"{path.name}: {prepared.row_count} rows checked, no problems (SHA-256 {prepared.sha256})")
        self.stdout.write(f"rows root {prepared.rows_root}; rule versions {' '.join(prepared.rule_versions)}")
        self.stdout.write(f"transaction {txn.uid} submitted; it awaits review ({stages}): the reviewers act on it "
                          f"in the web pages, and the rows are posted when the last stage approves")

    def _held(self, path: Path, prepared, held_path: Path, problems_path: Path) -> None:
        """Write the held rows and their problems, and say where (before anything else is said of the import)."""
        held_path.write_bytes(prepared.held_csv)
        with open(problems_path, "w", encoding="utf-8", newline="") as stream:
            prepared.write_report(stream)
        self.stdout.write(f"{path.name}: {prepared.held_count} row(s) held, each for the problem(s) below:")
        for line in prepared.report_lines():
            self.stdout.write(line)
        self.stdout.write(f"held rows written to {held_path} (SHA-256 {prepared.held_sha256}): the collection agency "
                          f"corrects them there and that file is imported as a new file")
        self.stdout.write(f"their problems written to {problems_path} (line numbers are those of {path.name})")


def held_paths(source: Path, report: str | None) -> tuple[Path, Path]:
    """(held rows, their problems): next to --report when given (the problems then go to --report), else next to
    the file."""
    stem = source.name[:-4] if source.name.lower().endswith(".csv") else source.name
    if report:
        folder = Path(report).parent
        held, problems = folder / f"{stem}.held.csv", Path(report)
    else:
        held, problems = source.parent / f"{stem}.held.csv", source.parent / f"{stem}.held-problems.csv"
    if held.resolve() in (source.resolve(), problems.resolve()):
        raise CommandError(f"the held rows would overwrite {held}: give --report another name or folder")
    return held, problems
