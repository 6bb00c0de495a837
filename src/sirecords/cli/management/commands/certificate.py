"""`sirecords certificate root | checkpoint-key | verify FILE.pdf [--trust ROOT.pem] [--json] [--offline]`, and
`sirecords certificate issue --id-number ID --kind contributions|pension|statement [--from YYYY-MM --to YYYY-MM |
--year Y] --actor USER --purpose TEXT --out FILE.pdf` (certificates/issuing.py: the read logged, the issue in the
ledger, the PDF signed).

`verify` needs nothing but the file and a root: given `--trust` it runs on a machine with no keys and no database
(no system checks, and the database is consulted only when it is there); it exits 0 only when the file is valid.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sirecords.certificates.verify import verify_pdf
from sirecords.core.identifiers import mask_id_number
from sirecords.crypto.keys import KeysMissing
from sirecords.crypto.pki import checkpoint_cert_pem, root_pem


def database_reachable() -> bool:
    """Whether this instance's database is there to ask about revocations (never creating an empty SQLite file)."""
    config = settings.DATABASES["default"]
    if config["ENGINE"].endswith("sqlite3") and not str(config["NAME"]).startswith(("file:", ":memory:")):
        if not Path(config["NAME"]).exists():
            return False
    try:
        from sirecords.certificates.models import Certificate

        Certificate.objects.exists()
    except DatabaseError:
        return False
    return True


def masked(person: str) -> str:
    """The evidence names the person masked already; a value that looks like a full ID number is masked again."""
    compact = "".join(person.split())
    return mask_id_number(compact) if len(compact) >= 15 and compact[:6].isdigit() and "*" not in compact else person


class Command(BaseCommand):
    help = ("Certificates and statements: `root` prints the agency root (PEM), the one trust anchor to publish; "
            "`checkpoint-key` prints the checkpoint key (PEM) for the agency's CA to certify; `verify FILE.pdf` checks a "
            "signed certificate offline (signature, chain to the root, ledger proofs, checkpoint signature) and, when the "
            "database is reachable, that it is not revoked: exit 0 only when valid.")
    requires_system_checks = []  # verify runs where there are no keys and no database

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("root", help="print the agency root certificate in PEM")
        commands.add_parser("checkpoint-key", help="print the checkpoint key's certificate in PEM")
        verify = commands.add_parser("verify", help="verify a signed certificate or statement PDF")
        verify.add_argument("file", help="the PDF")
        verify.add_argument("--trust", help="the agency root in PEM (default: this instance's root)")
        verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
        verify.add_argument("--offline", action="store_true", help="do not consult the database (revocations)")
        issue = commands.add_parser("issue", help="issue a signed certificate for an insured person (logged, in the ledger)")
        issue.add_argument("--id-number", required=True, help="the person's citizen ID number")
        issue.add_argument("--kind", required=True, choices=("contributions", "pension", "statement"))
        issue.add_argument("--from", dest="start", help="contributions: the first month, YYYY-MM")
        issue.add_argument("--to", dest="end", help="contributions: the last month, YYYY-MM")
        issue.add_argument("--year", help="statement: the year, YYYY")
        issue.add_argument("--actor", required=True, help="the staff member issuing it (a reading role in the person's region)")
        issue.add_argument("--purpose", required=True, help="why it is issued (recorded in the access log and the ledger)")
        issue.add_argument("--out", required=True, help="the PDF file to write")

    def handle(self, *args, **options):
        try:
            if options["action"] == "root":
                self.stdout.write(root_pem().decode("ascii"), ending="")
            elif options["action"] == "checkpoint-key":
                self.stdout.write(checkpoint_cert_pem().decode("ascii"), ending="")
            elif options["action"] == "issue":
                self._issue(options)
            else:
                self._verify(options)
        except KeysMissing as missing:
            hint = " — to verify without this instance's keys, give --trust ROOT.pem (the agency's published root)"
            raise CommandError(f"{missing}{hint if options['action'] == 'verify' else ''}") from None

    def _verify(self, options) -> None:
        try:
            data = Path(options["file"]).read_bytes()
            trust = Path(options["trust"]).read_bytes() if options["trust"] else None
        except OSError as error:
            raise CommandError(str(error)) from None
        consult = not options["offline"] and database_reachable()
        verdict = verify_pdf(data, trust_root_pem=trust, database=consult)
        verdict.person = masked(verdict.person)
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{'VALID' if verdict.valid else 'NOT VALID'}: {verdict.kind} {verdict.code}, "
                              f"person {verdict.person}, issued {verdict.issued_at}, checkpoint size {verdict.checkpoint_size}")
            for problem in verdict.problems:
                self.stdout.write(f"  - {problem}")
            if not consult:
                self.stdout.write("  (revocation not checked: no database consulted)")
        if not verdict.valid:
            sys.exit(1)

    def _issue(self, options) -> None:
        """Every refusal is a CommandError naming the flag and why (exit 1); nothing is written then."""
        from sirecords.certificates.issuing import issue_document
        from sirecords.queries.scopes import OutOfScope, Requester
        from sirecords.records.purposes import check_purpose
        from sirecords.records.reads import ReadRefused, may_read_in
        from sirecords.registry.queries import find_person_by_id_number
        from sirecords.transactions.posting import InvalidTransaction
        from sirecords.users.actors import actor_for
        from sirecords.workflow.services import Refused

        flags = {"from": "--from", "to": "--to", "year": "--year", "kind": "--kind", "person": "--id-number",
                 "purpose_detail": "--purpose", "purpose": "--purpose"}
        kind, start, end, year = options["kind"], options["start"], options["end"], options["year"]
        if kind == "contributions" and (year or not (start and end)):
            raise CommandError("--from and --to: a contributions certificate needs both months (and no --year)")
        if kind == "statement" and (start or end or not year):
            raise CommandError("--year: a statement needs the year (and no --from/--to)")
        if kind == "pension" and (start or end or year):
            raise CommandError("--kind pension takes no --from, --to or --year")
        try:
            purpose = check_purpose("counter", options["purpose"])
        except InvalidTransaction as invalid:
            raise CommandError(f"--purpose: {invalid.errors.get('purpose_detail') or invalid}") from None
        actor = actor_for(options["actor"])
        if actor is None or actor.blocked():
            raise CommandError(f"--actor: {options['actor']!r} is not an active staff member")
        person = find_person_by_id_number(options["id_number"])
        if person is None:
            raise CommandError("--id-number: no insured person is registered with this ID number")
        if not may_read_in(actor, person.pooling_region):
            raise CommandError(f"--actor: {actor.username} holds no reading role in the person's pooling region "
                               f"{person.pooling_region}")
        try:
            issued = issue_document(actor, person, kind, requester=Requester("self", person_uid=person.uid),
                                    purpose=purpose, channel="cli", start=start, end=end, year=year)
        except InvalidTransaction as invalid:
            raise CommandError("; ".join(f"{flags.get(name, name)}: {why}" for name, why in invalid.errors.items())) from None
        except (OutOfScope, ReadRefused, Refused) as refused:
            raise CommandError(str(getattr(refused, "message", "") or refused)) from None
        try:
            Path(options["out"]).write_bytes(issued.pdf)
        except OSError as error:
            raise CommandError(f"--out: {error}") from None
        self.stdout.write(f"{issued.document.title} {kind} {issued.code}: {options['out']} ({len(issued.pdf)} bytes)")
