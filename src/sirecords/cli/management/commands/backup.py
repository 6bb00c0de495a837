import argparse
import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sirecords.backups import archive, database, journal, pgbackrest
from sirecords.backups.drill import drill
from sirecords.backups.keys import BackupKeyMissing


class Command(BaseCommand):
    help = ("Back up the database and SIRECORDS_HOME's files, encrypted and signed, to a folder; list, verify and "
            "restore backups; drill a restore into a scratch database.")
    requires_system_checks = []  # a restore brings lost key files back: it must run without them
    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        target = "backup folder (default: SIRECORDS_BACKUP_DIR, else SIRECORDS_HOME/backups)"
        create = sub.add_parser("create", help="make a backup")
        create.add_argument("--to", type=Path, help=target)
        create.add_argument("--full", action="store_true", help="pgBackRest mode: a full backup even when one exists "
                            "(default: incremental after the first full one); pg_dump and SQLite backups are always whole")
        listing = sub.add_parser("list", help="list the backups")
        listing.add_argument("--from", dest="source", type=Path, help=target)
        verify = sub.add_parser("verify", help="check every backup's manifest and a sample of its content")
        verify.add_argument("--from", dest="source", type=Path, help=target)
        verify.add_argument("--full", action="store_true", help="open every file, not a sample")
        restore = sub.add_parser("restore", help="restore the latest backup (or --backup) into the configured database")
        restore.add_argument("--from", dest="source", type=Path, help=target)
        restore.add_argument("--backup", help="the backup's name (backup-…); default: the latest")
        restore.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
        restore.add_argument("--at", type=utc_time, metavar="TIME", help="point-in-time restore (pgBackRest mode): the "
                             "newest backup ended by TIME (ISO 8601, UTC, e.g. 2026-12-06T08:30:00Z), WAL replayed to TIME")
        sub.add_parser("stanza-create", help="pgBackRest mode: make the repository passphrase (when absent), "
                                "create the stanza and check that WAL reaches the repository")
        run = sub.add_parser("drill", help="restore the latest backup into a scratch database and verify it")
        run.add_argument("--from", dest="source", type=Path, help=target)
        run.add_argument("--json", action="store_true", help='print {"ok", "root_equal", "entries", "rto_s", "rpo_s"}')
        for each in (verify, run):
            each.add_argument("--actor", default=getpass.getuser(), help="who runs it (default: the OS user)")
            each.add_argument("--reason", default="scheduled backup check", help="why")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except (archive.BackupRefused, BackupKeyMissing, database.DatabaseError, RuntimeError) as error:
            raise CommandError(str(error)) from None

    def _create(self, options):
        backup = archive.create(options["to"], full=options["full"])
        self.stdout.write(f"backup {backup.folder}: {len(backup.body['files'])} files, ledger size "
                          f"{backup.ledger['size']}, root {backup.ledger['root']}")
        if "pgbackrest" in backup.body:
            made = backup.body["pgbackrest"]
            self.stdout.write(f"pgBackRest {made['type']} backup {made['label']} (stanza {made['stanza']})")

    def _stanza_create(self, options):
        settings = pgbackrest.required()
        created = pgbackrest.create_passphrase()
        if created is not None:
            raise CommandError(f"created the pgBackRest repository passphrase {created}: put its content in the pgBackRest "
                               "configuration as repo1-cipher-pass (with repo1-cipher-type=aes-256-cbc, readable by the "
                               "database's OS user only; docs/operations.md), then run `sirecords backup stanza-create` again")
        cipher = pgbackrest.stanza_create(settings)
        if cipher != pgbackrest.CIPHER:
            raise CommandError(f"stanza {settings.stanza} is not encrypted (cipher {cipher or 'none'}): set "
                               "repo1-cipher-type=aes-256-cbc before its first stanza-create")
        self.stdout.write(f"stanza {settings.stanza}: created and checked (WAL archived, repository {cipher})")

    def _list(self, options):
        source = options["source"] or archive.default_target()
        for folder in archive.backups(source):
            backup = archive.load(folder)
            made = backup.body.get("pgbackrest")
            kind = f"  pgBackRest {made['type']} {made['label']}" if made else ""
            self.stdout.write(f"{backup.id}  {backup.body['engine']}{kind}  {len(backup.body['files'])} files  "
                              f"ledger {backup.ledger['size']}  root {backup.ledger['root'][:16]}…")
        for problem in journal.check(source.resolve()):
            self.stderr.write(problem)

    def _verify(self, options):
        source = (options["source"] or archive.default_target()).resolve()
        folders = archive.backups(source)
        if not folders:
            raise archive.BackupRefused(f"no backup in {source}")
        failures = journal.check(source)
        settings = pgbackrest.configured()
        if settings is not None:  # pgBackRest mode: every file and WAL segment of its repository, by checksum
            problems = pgbackrest.verify_repository(settings)
            failures += problems
            journal.record(source, "verify", options["actor"], options["reason"], backup=f"pgbackrest:{settings.stanza}",
                           ok=not problems, **({"problem": problems[0][:300]} if problems else {}))
            if not problems:
                self.stdout.write(f"pgBackRest repository (stanza {settings.stanza}): pgbackrest verify ok")
        for folder in folders:
            try:
                backup, opened = archive.check(folder, full=options["full"])
            except archive.BackupRefused as error:
                failures.append(str(error))
                journal.record(source, "verify", options["actor"], options["reason"], backup=folder.name, ok=False,
                               problem=str(error)[:300])
                continue
            journal.record(source, "verify", options["actor"], options["reason"], backup=backup.id, ok=True,
                           files_opened=opened)
            self.stdout.write(f"{backup.id}: manifest signed, {opened} of {len(backup.body['files'])} files opened and hashed")
        if failures:
            raise CommandError("backup verify failed: " + "; ".join(failures))

    def _restore(self, options):
        source = options["source"] or archive.default_target()
        if options["backup"]:
            folder = source.resolve() / options["backup"]
        elif options["at"] is not None:
            folder = archive.for_time(source, options["at"])
        else:
            folder = archive.latest(source)
        backup, tables, count, done = archive.restore(folder, force=options["force"], at=options["at"])
        if tables:
            self.stdout.write(f"overwrote the configured database ({len(tables)} tables)")
        self.stdout.write(f"{backup.id}: {done}")
        self.stdout.write(f"restored {backup.id}: the database and {count} files (existing files of the same name "
                          f"overwritten); ledger size {backup.ledger['size']}, root {backup.ledger['root']}")
        if "pgbackrest" in backup.body:
            self.stdout.write("run `sirecords verify`: the WAL replayed after the backup may have made the ledger longer "
                              "than the size above")
        else:
            self.stdout.write("run `sirecords verify`: its root must equal the one above")

    def _drill(self, options):
        result = drill(options["source"], options["actor"], options["reason"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
        else:
            self.stdout.write(f"drill of {result.backup}: {'ok' if result.ok else 'FAILED'}; root equal: "
                              f"{result.root_equal}; {result.entries} entries; RTO {result.rto_s} s; RPO {result.rpo_s} s")
            for finding in result.findings[:10]:
                self.stdout.write(f"  {finding.get('check')}: {finding.get('where')}: {finding.get('message')}")
        if not result.ok:
            raise SystemExit(1)


def utc_time(text: str) -> datetime:
    """An ISO 8601 time in UTC (`Z`, `+00:00`, or no offset: read as UTC); another offset is converted."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-12-06T08:30:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
