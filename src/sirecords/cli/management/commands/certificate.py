"""`sirecords certificate root | checkpoint-key | verify FILE.pdf [--trust ROOT.pem] [--json] [--offline]`.

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

    def handle(self, *args, **options):
        try:
            if options["action"] == "root":
                self.stdout.write(root_pem().decode("ascii"), ending="")
            elif options["action"] == "checkpoint-key":
                self.stdout.write(checkpoint_cert_pem().decode("ascii"), ending="")
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
