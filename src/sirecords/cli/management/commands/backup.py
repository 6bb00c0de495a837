import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sirecords.backups import archive, database, journal, recording
from sirecords.backups.drill import drill
from sirecords.backups.keys import BackupKeyMissing
from sirecords.operations.reading import remember_backup
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused


class Command(BaseCommand):
    help = ("Back up the database and SIRECORDS_HOME's files, encrypted and signed, to a folder; list, verify and "
            "restore backups; drill a restore into a scratch database.")
    requires_system_checks = []  # a restore brings lost key files back: it must run without them
    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        target = "backup folder (default: SIRECORDS_BACKUP_DIR, else SIRECORDS_HOME/backups)"
        create = sub.add_parser("create", help="make a backup")
        create.add_argument("--to", type=Path, help=target)
        listing = sub.add_parser("list", help="list the backups")
        listing.add_argument("--from", dest="source", type=Path, help=target)
        verify = sub.add_parser("verify", help="check every backup's manifest and a sample of its content")
        verify.add_argument("--from", dest="source", type=Path, help=target)
        verify.add_argument("--full", action="store_true", help="open every file, not a sample")
        restore = sub.add_parser("restore", help="restore the latest backup (or --backup) into the configured database")
        restore.add_argument("--from", dest="source", type=Path, help=target)
        restore.add_argument("--backup", help="the backup's name (backup-…); default: the latest")
        restore.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
        run = sub.add_parser("drill", help="restore the latest backup into a scratch database and verify it")
        run.add_argument("--from", dest="source", type=Path, help=target)
        run.add_argument("--json", action="store_true", help='print {"ok", "root_equal", "entries", "rto_s", "rpo_s"}')
        for each in (verify, run):
            each.add_argument("--actor", default=None, help="the staff account (sysadmin or dba) that posts the result to "
                              "the ledger (default: SIRECORDS_OPERATIONS_ACCOUNT)")
            each.add_argument("--reason", default="scheduled backup check", help="why")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except (archive.BackupRefused, BackupKeyMissing, database.DatabaseError, RuntimeError, InvalidTransaction,
                Refused) as error:
            raise CommandError(str(error)) from None

    def _create(self, options):
        backup = archive.create(options["to"])
        remember_backup(backup.id, backup.body["created_at"], [str(backup.folder.parent)], backup.ledger["size"])
        self.stdout.write(f"backup {backup.folder}: {len(backup.body['files'])} files, ledger size "
                          f"{backup.ledger['size']}, root {backup.ledger['root']}")

    def _list(self, options):
        source = options["source"] or archive.default_target()
        for folder in archive.backups(source):
            backup = archive.load(folder)
            self.stdout.write(f"{backup.id}  {backup.body['engine']}  {len(backup.body['files'])} files  "
                              f"ledger {backup.ledger['size']}  root {backup.ledger['root'][:16]}…")
        for problem in journal.check(source.resolve()):
            self.stderr.write(problem)

    def _verify(self, options):
        actor = recording.operations_actor(options["actor"])
        source = (options["source"] or archive.default_target()).resolve()
        folders = archive.backups(source)
        if not folders:
            raise archive.BackupRefused(f"no backup in {source}")
        failures = journal.check(source)
        checks = []
        for folder in folders:
            check = {"check": "readability", "backup": folder.name, "target": str(source), "checked_at": recording.now_stamp()}
            try:
                backup, opened = archive.check(folder, full=options["full"])
            except archive.BackupRefused as error:
                failures.append(str(error))
                journal.record(source, "verify", actor.username, options["reason"], backup=folder.name, ok=False,
                               problem=str(error)[:300])
                checks.append({**check, "ok": False, "files": _file_count(folder), "files_opened": 0,
                               "problem": str(error)[:500]})
                continue
            journal.record(source, "verify", actor.username, options["reason"], backup=backup.id, ok=True,
                           files_opened=opened)
            checks.append({**check, "ok": True, "files": len(backup.body["files"]), "files_opened": opened})
            self.stdout.write(f"{backup.id}: manifest signed, {opened} of {len(backup.body['files'])} files opened and hashed")
        seq = recording.record(actor, options["reason"], checks)
        self.stdout.write(f"{len(checks)} results posted to the ledger from entry #{seq}")
        if failures:
            raise CommandError("backup verify failed: " + "; ".join(failures))

    def _restore(self, options):
        source = options["source"] or archive.default_target()
        folder = source.resolve() / options["backup"] if options["backup"] else archive.latest(source)
        backup, tables, count = archive.restore(folder, force=options["force"])
        if tables:
            self.stdout.write(f"overwrote the configured database ({len(tables)} tables)")
        self.stdout.write(f"restored {backup.id}: the database and {count} files (existing files of the same name "
                          f"overwritten); ledger size {backup.ledger['size']}, root {backup.ledger['root']}")
        self.stdout.write("run `sirecords verify`: its root must equal the one above")

    def _drill(self, options):
        result = drill(options["source"], recording.operations_actor(options["actor"]), options["reason"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
        else:
            self.stdout.write(f"drill of {result.backup}: {'ok' if result.ok else 'FAILED'}; root equal: "
                              f"{result.root_equal}; {result.entries} entries; RTO {result.rto_s} s; RPO {result.rpo_s} s")
            for finding in result.findings[:10]:
                self.stdout.write(f"  {finding.get('check')}: {finding.get('where')}: {finding.get('message')}")
        if not result.ok:
            raise SystemExit(1)


def _file_count(folder: Path) -> int:
    """How many files a backup's manifest lists, when it can be read at all (0 otherwise)."""
    try:
        return len(archive.load(folder).body["files"])
    except (archive.BackupRefused, KeyError, TypeError):
        return 0
