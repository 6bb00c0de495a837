import argparse
import getpass
import json
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from sirecords.backups import archive, database, journal, pgbackrest, recording, retention, targets
from sirecords.backups.drill import drill
from sirecords.backups.keys import BackupKeyMissing
from sirecords.cli.command import add_if_primary, run_scheduled
from sirecords.operations.reading import remember_backup
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused


class Command(BaseCommand):
    help = ("Back up the database and SIRECORDS_HOME's files, encrypted and signed, to a folder, a second host (SFTP) or "
            "S3-compatible storage; list, verify and restore backups; drill a restore into a scratch database; prune "
            "old backups by the retention policy.")
    requires_system_checks = []  # a restore brings lost key files back: it must run without them
    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        # A TARGET: a folder path, sftp://user@host[:port]/path or s3://bucket/prefix (backups/targets.py).
        target = ("TARGET: a folder, sftp://user@host[:port]/path or s3://bucket/prefix (default: the first of "
                  "SIRECORDS_BACKUP_TARGETS, else SIRECORDS_BACKUP_DIR, else SIRECORDS_HOME/backups)")
        every = ("TARGET: a folder, sftp://user@host[:port]/path or s3://bucket/prefix; may be repeated (default: every "
                 "target of SIRECORDS_BACKUP_TARGETS, else SIRECORDS_BACKUP_DIR, else SIRECORDS_HOME/backups)")
        create = sub.add_parser("create", help="make a backup and copy it to each target")
        create.add_argument("--to", action="append", metavar="TARGET", help=every)
        create.add_argument("--prune", action="store_true",
                            help="after a successful backup, prune each target by SIRECORDS_BACKUP_RETENTION")
        create.add_argument("--full", action="store_true", help="pgBackRest mode: a full backup even when one exists "
                            "(default: incremental after the first full one); pg_dump and SQLite backups are always whole")
        listing = sub.add_parser("list", help="list the backups")
        listing.add_argument("--from", dest="source", action="append", metavar="TARGET", help=every)
        verify = sub.add_parser("verify", help="check every backup's manifest and a sample of its content")
        verify.add_argument("--from", dest="source", action="append", metavar="TARGET", help=every)
        verify.add_argument("--full", action="store_true", help="open every file, not a sample")
        restore = sub.add_parser("restore", help="restore the latest backup (or --backup) into the configured database")
        restore.add_argument("--from", dest="source", metavar="TARGET", help=target)
        restore.add_argument("--backup", help="the backup's name (backup-…); default: the latest")
        restore.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
        restore.add_argument("--at", type=utc_time, metavar="TIME", help="point-in-time restore (pgBackRest mode): the "
                             "newest backup ended by TIME (ISO 8601, UTC, e.g. 2026-12-06T08:30:00Z), WAL replayed to TIME")
        sub.add_parser("stanza-create", help="pgBackRest mode: make the repository passphrase (when absent), "
                                "create the stanza and check that WAL reaches the repository")
        run = sub.add_parser("drill", help="restore the latest backup into a scratch database and verify it")
        run.add_argument("--from", dest="source", metavar="TARGET", help=target)
        run.add_argument("--json", action="store_true", help='print {"ok", "root_equal", "entries", "rto_s", "rpo_s"}')
        prune = sub.add_parser("prune", help="delete the backups the retention policy (SIRECORDS_BACKUP_RETENTION) lets go")
        prune.add_argument("--from", dest="source", action="append", metavar="TARGET", help=every)
        prune.add_argument("--dry-run", action="store_true", help="print what would be deleted, delete nothing")
        for each in (verify, run):
            each.add_argument("--actor", default=None, help="the staff account (sysadmin or dba) that posts the result to "
                              "the ledger (default: SIRECORDS_OPERATIONS_ACCOUNT)")
            each.add_argument("--reason", default="scheduled backup check", help="why")
        for each in (create, verify, run):
            add_if_primary(each)
        for each in (create, prune):
            each.add_argument("--actor", default=getpass.getuser(), help="who prunes (default: the OS user)")
            each.add_argument("--reason", default="retention policy", help="why, recorded with each deletion")

    def handle(self, *args, **options):
        action = getattr(self, "_" + options["action"].replace("-", "_"))
        try:
            run_scheduled(self.stdout, f"backup {options['action']}", options.get("if_primary", False),
                          lambda: action(options), json_output=options.get("json", False))
        except (archive.BackupRefused, BackupKeyMissing, database.DatabaseError, RuntimeError, targets.TargetInvalid,
                retention.PolicyInvalid, InvalidTransaction, Refused) as error:
            raise CommandError(str(error)) from None

    def _create(self, options):
        chosen = targets.chosen(options["to"])
        policy = retention.configured() if options["prune"] else None  # a bad policy stops before the backup
        backup, written, problems = targets.create(chosen, full=options["full"])
        where = f"{chosen[0].label}/{backup.id}" if chosen[0] in written else backup.id
        self.stdout.write(f"backup {where}: {len(backup.body['files'])} files, ledger size "
                          f"{backup.ledger['size']}, root {backup.ledger['root']}")
        if "pgbackrest" in backup.body:
            made = backup.body["pgbackrest"]
            self.stdout.write(f"pgBackRest {made['type']} backup {made['label']} (stanza {made['stanza']})")
        for target in written:
            if target is not chosen[0]:
                self.stdout.write(f"copied to {target.label}/{backup.id}")
        if written:
            remember_backup(backup.id, backup.body["created_at"], [t.label for t in written], backup.ledger["size"])
        if problems:
            raise CommandError(f"{backup.id} was not copied to every target (nothing pruned): " + "; ".join(problems))
        if policy is not None:
            for target in written:
                self._prune_one(target, policy, dry_run=False, actor=options["actor"], reason=options["reason"])

    def _prune_one(self, target, policy, *, dry_run, actor, reason):
        doomed = targets.prune(target, policy, datetime.now(UTC), dry_run=dry_run, actor=actor, reason=reason)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{target.label}: retention {policy}: {verb} {len(doomed)} backup(s)" + (": " if doomed else ""))
        for name in doomed:
            self.stdout.write(f"  {name}")

    def _prune(self, options):
        policy = retention.configured()
        for target in targets.chosen(options["source"]):
            self._prune_one(target, policy, dry_run=options["dry_run"], actor=options["actor"], reason=options["reason"])

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
        chosen = targets.chosen(options["source"])
        for target in chosen:
            if len(chosen) > 1:
                self.stdout.write(f"{target.label}:")
            with target.journal() as folder:
                for name in target.names():
                    with target.opened(name, into=folder, blobs=False) as copy:
                        backup = archive.load(copy)
                    made = backup.body.get("pgbackrest")
                    kind = f"  pgBackRest {made['type']} {made['label']}" if made else ""
                    self.stdout.write(f"{backup.id}  {backup.body['engine']}{kind}  {len(backup.body['files'])} files  "
                                      f"ledger {backup.ledger['size']}  root {backup.ledger['root'][:16]}…")
                for problem in journal.check(folder):
                    self.stderr.write(target.shown(problem, folder))

    def _verify(self, options):
        actor = recording.operations_actor(options["actor"])  # before any work: the results are posted by an account
        failures, checks = [], []
        chosen = targets.chosen(options["source"])
        repository = self._verify_repository(chosen[0], options, actor.username)
        failures += repository
        for target in chosen:
            failures += self._verify_one(target, options, actor.username, checks, repository)
        if checks:
            seq = recording.record(actor, options["reason"], checks)
            self.stdout.write(f"{len(checks)} results posted to the ledger from entry #{seq}")
        if failures:
            raise CommandError("backup verify failed: " + "; ".join(failures))

    def _verify_repository(self, target, options, actor) -> list[str]:
        """pgBackRest mode: every file and WAL segment of its repository, by checksum (journalled in `target`); the
        problems found. Nothing to check otherwise."""
        settings = pgbackrest.configured()
        if settings is None:
            return []
        problems = pgbackrest.verify_repository(settings)
        with target.journal() as folder:
            journal.record(folder, "verify", actor, options["reason"], backup=f"pgbackrest:{settings.stanza}",
                           ok=not problems, **({"problem": problems[0][:300]} if problems else {}))
        if not problems:
            self.stdout.write(f"pgBackRest repository (stanza {settings.stanza}): pgbackrest verify ok")
        return problems

    def _verify_one(self, target, options, actor, checks, repository=()):
        """Read back every backup of `target`, journal each result there and add it to `checks` (for the ledger). A
        pgBackRest backup is readable only when its repository is (`repository`: the problems found there)."""
        names = target.names()
        if not names:
            return [f"no backup in {target.label}"]
        with target.journal() as folder:
            failures = [target.shown(problem, folder) for problem in journal.check(folder)]
            for name in names:
                check = {"check": "readability", "backup": name, "target": target.label, "checked_at": recording.now_stamp()}
                files = 0
                try:
                    with target.opened(name, into=folder) as copy:
                        files = _file_count(copy)
                        backup, opened = archive.check(copy, full=options["full"])
                    if repository and "pgbackrest" in backup.body:
                        raise archive.BackupRefused(f"{name}: its database is in the pgBackRest repository, which does "
                                                    f"not verify: {repository[0]}")
                except archive.BackupRefused as error:
                    failures.append(str(error))
                    journal.record(folder, "verify", actor, options["reason"], backup=name, ok=False,
                                   problem=str(error)[:300])
                    checks.append({**check, "ok": False, "files": files, "files_opened": 0, "problem": str(error)[:500]})
                    continue
                journal.record(folder, "verify", actor, options["reason"], backup=backup.id, ok=True,
                               files_opened=opened)
                checks.append({**check, "ok": True, "files": len(backup.body["files"]), "files_opened": opened})
                self.stdout.write(f"{backup.id}: manifest signed, {opened} of {len(backup.body['files'])} files opened and hashed")
        return failures

    def _restore(self, options):
        source = targets.chosen([options["source"]] if options["source"] else None)[0]
        name = options["backup"] or (_for_time(source, options["at"]) if options["at"] is not None else source.latest())
        with source.opened(name) as folder:
            backup, tables, count, done = archive.restore(folder, force=options["force"], at=options["at"])
        if tables:
            self.stdout.write(f"overwrote the configured database ({len(tables)} tables)")
        self.stdout.write(f"{backup.id}: {done}")
        self.stdout.write(f"restored {backup.id} from {source.label}: the database and {count} files (existing files of "
                          f"the same name overwritten); ledger size {backup.ledger['size']}, root {backup.ledger['root']}")
        if "pgbackrest" in backup.body:
            self.stdout.write("run `sirecords verify`: the WAL replayed after the backup may have made the ledger longer "
                              "than the size above")
        else:
            self.stdout.write("run `sirecords verify`: its root must equal the one above")

    def _drill(self, options):
        actor = recording.operations_actor(options["actor"])  # before any work: the result is posted by an account
        source = targets.chosen([options["source"]] if options["source"] else None)[0]
        # drill() reads the latest backup of a local folder and journals there: the target's own folder, or for a
        # remote target a temporary one holding the downloaded latest backup and the journal (written back after).
        with source.journal() as folder, source.opened(source.latest(), into=folder):
            result = drill(folder, actor, options["reason"], label=source.label)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
        else:
            self.stdout.write(f"drill of {result.backup}: {'ok' if result.ok else 'FAILED'}; root equal: "
                              f"{result.root_equal}; {result.entries} entries; RTO {result.rto_s} s; RPO {result.rpo_s} s")
            for finding in result.findings[:10]:
                self.stdout.write(f"  {finding.get('check')}: {finding.get('where')}: {finding.get('message')}")
        if not result.ok:
            raise SystemExit(1)


def _file_count(folder) -> int:
    """How many files a backup's manifest lists, when it can be read at all (0 otherwise)."""
    try:
        return len(archive.load(folder).body["files"])
    except (archive.BackupRefused, KeyError, TypeError):
        return 0


def utc_time(text: str) -> datetime:
    """An ISO 8601 time in UTC (`Z`, `+00:00`, or no offset: read as UTC); another offset is converted."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-12-06T08:30:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _for_time(source, at: datetime) -> str:
    """The newest backup of `source` that ended at or before `at` (what `restore --at` starts from)."""
    ended = []
    for name in source.names():
        with source.opened(name, blobs=False) as copy:
            ended.append((name, archive.load(copy)))
    found = [name for name, backup in ended if archive.moment(backup) <= at]
    if found:
        return found[-1]
    earliest = f"the earliest ended at {archive.moment(ended[0][1]):%Y-%m-%dT%H:%M:%SZ}" if ended else "there is none"
    no_wal = "" if ended and "pgbackrest" in ended[0][1].body else \
        "; a pg_dump or SQLite backup has no WAL to replay: it restores only to the moment it was taken"
    raise archive.BackupRefused(f"no backup in {source.label} ended at or before {at:%Y-%m-%dT%H:%M:%S.%fZ} ({earliest}): "
                                f"nothing older to restore or replay from{no_wal}")
