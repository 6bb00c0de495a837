"""``sirecords crosscheck import KIND FILE --actor USER --reason TEXT [--period YYYY-MM[:YYYY-MM]] [--hold-invalid]
[--encoding gb18030] [--json]``, ``sirecords crosscheck list [--kind K] [--state S] [--json]``,
``sirecords crosscheck resolve ID [--as correction|arrears] [--document FILE [--document-kind KIND]] --actor USER
--reason TEXT [--json]`` and ``sirecords crosscheck dismiss ID --actor USER --reason TEXT [--json]`` (docs/crosscheck.md).

`resolve` and `dismiss` open and submit the reviewed transaction that settles the discrepancy, the department's report
attached as its document (a PDF made from the feed row); with --json they print {"transaction": UID}.

`import` reads a department's feed whole: any problem refuses it with `line N: field: reason` and records nothing
(with --hold-invalid those rows are held and the others compared); a file received before is refused. Otherwise it is
stored sealed and compared with the record in one transaction posted at once (the clerk opens and submits it): the
discrepancies are queued and the payment of a pension a death or imprisonment may stop is held at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sirecords.benefits.overpayments import RELATIONS
from sirecords.cli.command import COMMAND_CHECKS
from sirecords.crosschecks import feeds
from sirecords.crosschecks.queue import KINDS, STATES, listing
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow.services import Refused

# The document a fix takes, when --document is given without --document-kind.
DOCUMENT_FOR = {"pensioner_died": "death_medical_certificate", "insured_died": "death_medical_certificate",
                "pensioner_imprisoned": "suspension_basis", "released": "resumption_basis"}


class Command(BaseCommand):
    help = "Cross-checks with other departments (第五条): import a feed file, list the discrepancies"
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        called = getattr(parser, "called_from_command_line", None)
        imported = sub.add_parser("import", help="a department's feed file (CSV)", called_from_command_line=called)
        imported.add_argument("kind", choices=sorted(feeds.FORMATS), help="the feed: " + ", ".join(feeds.FORMATS))
        imported.add_argument("file", help="the CSV file")
        imported.add_argument("--actor", required=True, help="the clerk (经办员) who records it")
        imported.add_argument("--reason", required=True, help="why (第十二条)")
        imported.add_argument("--period", default="", help="tax_paid: the months it covers, YYYY-MM[:YYYY-MM]")
        imported.add_argument("--hold-invalid", action="store_true", help="hold the rows with problems, compare the others")
        imported.add_argument("--encoding", default="utf-8", choices=feeds.ENCODINGS, help="the file's encoding")
        imported.add_argument("--region", default=settings.SIRECORDS_REGION, help="the agency's pooling region")
        imported.add_argument("--json", action="store_true", help="print the outcome as JSON")
        for action, words in (("resolve", "fix the record through a reviewed transaction"),
                              ("dismiss", "the record is right: close it through a reviewed transaction")):
            settle = sub.add_parser(action, help=words, called_from_command_line=called)
            settle.add_argument("id", help="the discrepancy's id (crosscheck list)")
            settle.add_argument("--actor", required=True, help="the clerk (经办员) who opens it")
            settle.add_argument("--reason", required=True, help="why (第十二条)")
            settle.add_argument("--region", default=settings.SIRECORDS_REGION, help="the agency's pooling region")
            settle.add_argument("--json", action="store_true", help='print {"transaction": UID}')
            if action == "resolve":
                settle.add_argument("--as", dest="as_", choices=("correction", "arrears"),
                                    help="for the collector's reports: a correction of the rows, or arrears")
                settle.add_argument("--refer", metavar="FACTS", help="record a fraud referral to the HR administrative "
                                                                     "department with these facts (社会保险法 第八十八条)")
                settle.add_argument("--received-by", metavar="NAME", help="a death: who received the pension paid after "
                                                                          "it (the overpayment case names them)")
                settle.add_argument("--relation", choices=RELATIONS, default="unknown",
                                    help="the receiver's relation to the deceased")
                settle.add_argument("--document", help="a scan (PDF, JPEG, PNG) proving the fix, e.g. the death certificate")
                settle.add_argument("--document-kind", help="its kind (default: the one the fix takes, e.g. "
                                                            "death_medical_certificate, suspension_basis)")
        listed = sub.add_parser("list", help="the discrepancies", called_from_command_line=called)
        listed.add_argument("--kind", choices=KINDS)
        listed.add_argument("--state", choices=STATES)
        listed.add_argument("--json", action="store_true", help="print them as JSON")

    def handle(self, *args, **options) -> None:
        if options["action"] == "list":
            return self._list(options)
        if options["action"] in ("resolve", "dismiss"):
            return self._settle(options)
        return self._import(options)

    def _settle(self, options) -> None:
        from sirecords.certificates.crosscheck_report import report_pdf
        from sirecords.crosschecks.evidence import report_of
        from sirecords.crosschecks.models import Discrepancy
        from sirecords.crosschecks.services import settle

        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"no staff account {options['actor']!r}")
        discrepancy = Discrepancy.objects.filter(id=options["id"]).first()
        if discrepancy is None:
            raise CommandError(f"no discrepancy {options['id']!r} (sirecords crosscheck list)")
        if options.get("as_") and discrepancy.kind not in ("paid_not_recorded", "recorded_not_paid", "amount_differs"):
            raise CommandError(f"--as is for the collector's reports, not a {discrepancy.kind} discrepancy")
        documents = ()
        if options.get("document"):
            path = Path(options["document"])
            try:
                data = path.read_bytes()
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error.strerror}") from None
            kind = options.get("document_kind") or DOCUMENT_FOR.get(discrepancy.kind, "evidence")
            documents = ((kind, data, path.name),)
        report = report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind) if options["action"] == "resolve" else b""
        try:
            txn = settle(actor, discrepancy.id, options["action"], reason=options["reason"], channel="cli", report=report,
                         documents=documents, region=options["region"], as_=options.get("as_"),
                         referral=options.get("refer"),
                         received_by={"name": options["received_by"], "relation": options["relation"]}
                         if options.get("received_by") else None)
        except (Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"transaction": txn.uid}))
            return
        self.stdout.write(f"transaction {txn.uid} ({txn.type}) submitted; it awaits review ({', '.join(txn.stage_list)})")

    def _list(self, options) -> None:
        rows = listing(options["kind"], options["state"])
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['id']}  {row['kind']:<22} {row['subject']:<20} {row['state']:<10} due {row['due_on']}")
        self.stdout.write(f"{len(rows)} discrepanc{'y' if len(rows) == 1 else 'ies'}")

    def _import(self, options) -> None:
        from sirecords.crosschecks.services import SeenBefore, receive

        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"no staff account {options['actor']!r}")
        try:
            received = receive(actor, options["kind"], data, file_name=path.name, reason=options["reason"], channel="cli",
                               period=options["period"], encoding=options["encoding"], hold_invalid=options["hold_invalid"],
                               region=options["region"])
        except feeds.FeedRefused as refused:
            self.stderr.write(f"{path.name}: refused, nothing was recorded:")
            for problem in refused.problems:
                self.stderr.write(f"  {problem}")
            if refused.more:
                self.stderr.write(f"  … and {refused.more} more")
            sys.exit(1)
        except SeenBefore as seen:
            self.stderr.write(f"{path.name}: {seen}")
            sys.exit(1)
        except (Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None
        outcome = received.as_json()
        for problem in received.held:
            self.stderr.write(f"held: {problem}")
        if options["json"]:
            self.stdout.write(json.dumps(outcome, ensure_ascii=False))
            return
        found = ", ".join(f"{kind} {count}" for kind, count in outcome["discrepancies"].items()) or "none"
        self.stdout.write(f"{path.name}: {outcome['rows']} rows (SHA-256 {outcome['file_sha256']}); new discrepancies: "
                          f"{found}; repeated {outcome['repeated']}; unmatched {outcome['unmatched']}; held {outcome['held']}; "
                          f"transaction {outcome['transaction']}")
