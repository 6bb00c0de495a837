"""The restore drill: the latest backup restored into a scratch database and a scratch SIRECORDS_HOME, the full
`sirecords verify` run on them (in pgBackRest mode a scratch cluster restored from
the pgBackRest repository, pgbackrest.scratch) (a process of its own, so it sees nothing of the live system), the ledger root found
there compared with the manifest's, and the result recorded in the backup journal (journal.py says why there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sirecords.backups import archive, database, journal, pgbackrest
from sirecords.backups.keys import load_backup_key


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
    result = subprocess.run([sys.executable, "-m", "sirecords.cli", "verify", "--json"], env=env, capture_output=True,
                            text=True, timeout=3600)
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise archive.BackupRefused(f"verify on the scratch copy did not report (exit {result.returncode}): "
                                    f"{result.stderr.strip()[-500:]}") from None


def drill(target: Path | None, actor: str, reason: str) -> DrillResult:
    target = (target or archive.default_target()).resolve()
    started = time.monotonic()
    backup, _ = archive.check(archive.latest(target))
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
                report = _verify_in(scratch_home, url)
        else:
            dump = Path(scratch) / "database"
            archive.write_file(backup, archive.database_entry(backup), key, dump)
            with database.scratch(dump, scratch_home) as url:
                report = _verify_in(scratch_home, url)
    rto_s = round(time.monotonic() - started, 3)
    newest = backup.ledger["newest_recorded_at"] or backup.body["created_at"]
    moment = datetime.strptime(newest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    rpo_s = round((datetime.now(UTC) - moment).total_seconds(), 3)
    root_equal = report.get("root") == backup.ledger["root"] and report.get("entries") == backup.ledger["size"]
    result = DrillResult(backup.id, bool(report.get("ok")) and root_equal, root_equal, int(report.get("entries", 0)),
                         rto_s, rpo_s, report.get("findings", []))
    journal.record(target, "drill", actor, reason, backup=backup.id, ok=result.ok, root_equal=root_equal,
                   entries=result.entries, root=report.get("root", ""), rto_ms=round(rto_s * 1000),
                   rpo_ms=round(rpo_s * 1000), findings=len(result.findings))
    return result
