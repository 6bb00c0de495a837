"""The restore drill: the latest backup restored into a scratch database and a scratch SIRECORDS_HOME, the full
`sirecords verify` run on them (a process of its own, so it sees nothing of the live system; in pgBackRest mode on a
scratch cluster restored from the pgBackRest repository, pgbackrest.scratch), the ledger root found there compared
with the manifest's, and the result recorded in the target's journal and posted to the ledger (recording.py)."""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 # runs this interpreter's own `verify`, argv list, no shell
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sirecords.backups import archive, database, journal, pgbackrest, recording
from sirecords.backups.keys import load_backup_key
from sirecords.transactions.actors import Actor


@dataclass(frozen=True)
class DrillResult:
    backup: str
    ok: bool
    root_equal: bool
    entries: int
    rto_s: float
    rpo_s: float
    findings: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "root_equal": self.root_equal, "entries": self.entries, "rto_s": self.rto_s,
                "rpo_s": self.rpo_s}


def _verify_in(scratch_home: Path, database_url: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SIRECORDS_WITNESS_DIR")}
    env["SIRECORDS_HOME"] = str(scratch_home)
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-m", "sirecords.cli", "verify", "--json"], env=env, capture_output=True,  # nosec B603 # this interpreter's own `sirecords verify`, argv list, no shell
                            text=True, timeout=3600)
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise archive.BackupRefused(f"verify on the scratch copy did not report (exit {result.returncode}): "
                                    f"{result.stderr.strip()[-500:]}") from None


def drill(target: Path | None, actor: Actor, reason: str, *, label: str = "") -> DrillResult:
    """Run the drill on the latest backup in the folder `target` and record it (journal and ledger), failed or not: a
    drill that could not restore is recorded as failed with the reason, then refused (BackupRefused). `label` names
    the target in the ledger when the folder is a downloaded copy of a remote one (targets.py)."""
    target = (target or archive.default_target()).resolve()
    label = label or str(target)
    started = time.monotonic()
    folder = archive.latest(target)
    try:
        backup, report = _restore_and_verify(folder)
    except (archive.BackupRefused, database.DatabaseError) as error:
        rto_ms = round((time.monotonic() - started) * 1000)
        journal.record(target, "drill", actor.username, reason, backup=folder.name, ok=False, problem=str(error)[:300])
        recording.record(actor, reason, [{"check": "drill", "backup": folder.name, "target": label, "ok": False,
                                          "checked_at": recording.now_stamp(), "root_equal": False, "entries": 0,
                                          "manifest_root": _manifest_root(folder), "manifest_entries": 0,
                                          "rto_ms": rto_ms, "rpo_ms": 0, "findings": 0, "problem": str(error)[:500]}])
        raise
    rto_s = round(time.monotonic() - started, 3)
    newest = backup.ledger["newest_recorded_at"] or backup.body["created_at"]
    moment = datetime.strptime(newest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    rpo_s = round((datetime.now(UTC) - moment).total_seconds(), 3)
    root_equal = report.get("root") == backup.ledger["root"] and report.get("entries") == backup.ledger["size"]
    result = DrillResult(backup.id, bool(report.get("ok")) and root_equal, root_equal, int(report.get("entries", 0)),
                         rto_s, rpo_s, report.get("findings", []))
    journal.record(target, "drill", actor.username, reason, backup=backup.id, ok=result.ok, root_equal=root_equal,
                   entries=result.entries, root=report.get("root", ""), rto_ms=round(rto_s * 1000),
                   rpo_ms=round(rpo_s * 1000), findings=len(result.findings))
    check = {"check": "drill", "backup": backup.id, "target": label, "ok": result.ok,
             "checked_at": recording.now_stamp(), "root_equal": root_equal, "entries": result.entries,
             "manifest_root": backup.ledger["root"], "manifest_entries": backup.ledger["size"],
             "rto_ms": round(rto_s * 1000), "rpo_ms": round(rpo_s * 1000), "findings": len(result.findings)}
    if report.get("root"):
        check["root"] = report["root"]
    recording.record(actor, reason, [check])
    return result


def _manifest_root(folder: Path) -> str:
    """The root a backup's manifest states, when it can be read (a failed drill names it if it can)."""
    try:
        return str(archive.load(folder).ledger["root"])
    except (archive.BackupRefused, KeyError, TypeError):
        return "0" * 64


def _restore_and_verify(folder: Path) -> tuple[archive.Backup, dict[str, Any]]:
    """The backup checked, restored into a scratch database and SIRECORDS_HOME, and `verify --json`'s report there."""
    backup, _ = archive.check(folder)
    if backup.body["engine"] != database.vendor():
        raise archive.BackupRefused(f"{backup.id} is a {backup.body['engine']} backup; the drill restores into a "
                                    f"scratch {database.vendor()} database")
    key = load_backup_key()
    with tempfile.TemporaryDirectory(prefix="sirecords-drill-") as scratch:
        scratch_home = Path(scratch) / "home"
        scratch_home.mkdir()
        archive.restore_files(backup, scratch_home, scratch_home / "witness")
        if "pgbackrest" in backup.body:  # pgBackRest mode: a scratch cluster of its own, on a free loopback port
            with pgbackrest.scratch(pgbackrest.required(), backup.body["pgbackrest"]["label"]) as url:
                return backup, _verify_in(scratch_home, url)
        dump = Path(scratch) / "database"
        archive.write_file(backup, archive.database_entry(backup), key, dump)
        with database.scratch(dump, scratch_home) as url:
            return backup, _verify_in(scratch_home, url)
