"""`sirecords migrate-store --to DATABASE_URL` (Django names it migrate_store; cli/main.py maps the dash)."""

import json

from django.core.management.base import BaseCommand, CommandError

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.crypto.objects import witness_place
from sirecords.storage.migrate import MigrateError, migrate_store


class Command(BaseCommand):
    help = ("Copy the configured store (its database) to an empty PostgreSQL database with the same keys, sequences "
            "and append-only triggers, then run verify on both and compare the ledger roots. The source is read only; "
            "stored files under SIRECORDS_HOME are shared, not copied.")
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, metavar="DATABASE_URL",
                            help="the empty target, e.g. postgres://user@host:5432/sirecords")
        parser.add_argument("--json", action="store_true", help="print one JSON object: ok, source_root, target_root, "
                            "tables (rows and digests per table), rows, …")

    def handle(self, *args, **options):
        as_json = options["json"]
        try:
            result = migrate_store(options["to"], witness_place(),
                                   progress=(lambda message: None) if as_json else self.stdout.write)
        except MigrateError as error:
            raise CommandError(str(error)) from None
        data = result.as_dict()
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(f"source {data['source']}: {data['source_entries']} entries, root {data['source_root']}")
            self.stdout.write(f"target {data['target']}: {data['target_entries']} entries, root {data['target_root']}")
            self.stdout.write(f"{len(data['tables'])} tables, {data['rows']} rows copied; per-table digests "
                              + ("all equal" if all(t.same for t in result.tables) else "DIFFER"))
            for finding in data["target_findings"]:
                self.stdout.write(f"FAIL [{finding['check']}] {finding['where']}: {finding['message']}")
            self.stdout.write(self.style.SUCCESS("OK: the target verifies with the same root") if result.ok
                              else self.style.ERROR("the target does NOT match the source"))
        if not result.ok:
            raise SystemExit(1)
