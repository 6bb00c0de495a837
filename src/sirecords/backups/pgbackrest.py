"""PostgreSQL through pgBackRest: full and incremental backups, continuous WAL archiving, point-in-time restore.

Chosen by configuration (environment, as the rest of the backup settings), for a province's PostgreSQL; without it
a PostgreSQL backup is a pg_dump (database.py), fine for a small site:

- SIRECORDS_PGBACKREST_STANZA: the stanza (turns the mode on);
- SIRECORDS_PGBACKREST_CONFIG: the pgBackRest configuration file (default: pgBackRest's own, /etc/pgbackrest/…);
- SIRECORDS_PGBACKREST_COMMAND: how to run pgBackRest as the database's OS user (default `pgbackrest`), e.g.
  `runuser -u postgres -- pgbackrest`; the words before the last one are also how the drill runs `pg_ctl` on its
  scratch cluster;
- SIRECORDS_PG_CTL: how to stop and start the live cluster for a restore, a command that takes `status`, `stop -m
  fast` and `start` after it, e.g. `runuser -u postgres -- pg_ctl -D /path -l /path/log` or `pg_ctlcluster 15 main`;
  without it a restore refuses while the cluster runs;
- SIRECORDS_PG_BINDIR: where pg_ctl is for the drill's scratch cluster (default `pg_config --bindir`, else the
  newest /usr/lib/postgresql/*/bin);
- SIRECORDS_PGBACKREST_KEY_FILE: the repository's passphrase (default SIRECORDS_HOME/keys/pgbackrest.key, 0600).

Everything encrypted: the repository is aes-256-cbc (repo1-cipher-type) under that passphrase, which every
pgBackRest command run from here gets in its environment (PGBACKREST_REPO1_CIPHER_PASS); PostgreSQL's own
archive-push and archive-get read it from the pgBackRest configuration (repo1-cipher-pass), which must hold the same
text. The passphrase file lies under SIRECORDS_HOME/keys, so the signed, sealed backup folder (archive.py) carries a
copy of it: with the backup key from escrow the repository opens again after the machine is lost.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess  # nosec B404 # the operator's configured pgBackRest/pg_ctl, resolved by _tool, argv list, no shell
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sirecords.backups import database
from sirecords.core.home import keys_dir

PASSPHRASE = "pgbackrest.key"  # nosec B105 # the key file's name; the passphrase is read from it
CIPHER = "aes-256-cbc"
TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class PgBackRestError(RuntimeError):
    """A pgBackRest step that did not work, or a restore that cannot run as configured; says which and why."""


@dataclass(frozen=True)
class Settings:
    stanza: str
    config: str
    command: list[str]
    pg_ctl: list[str]

    @property
    def run_as(self) -> list[str]:
        """The words before `pgbackrest` in the command: how to run a program as the database's OS user."""
        return self.command[:-1]


def configured() -> Settings | None:
    """The pgBackRest settings when SIRECORDS_PGBACKREST_STANZA is set (and the database is PostgreSQL), else None."""
    stanza = os.environ.get("SIRECORDS_PGBACKREST_STANZA", "").strip()
    if not stanza or database.vendor() != "postgresql":
        return None
    command = shlex.split(os.environ.get("SIRECORDS_PGBACKREST_COMMAND", "") or "pgbackrest")
    return Settings(stanza, os.environ.get("SIRECORDS_PGBACKREST_CONFIG", "").strip(), command,
                    shlex.split(os.environ.get("SIRECORDS_PG_CTL", "")))


def required() -> Settings:
    settings = configured()
    if settings is None:
        raise PgBackRestError("this is a pgBackRest backup: set SIRECORDS_PGBACKREST_STANZA (and the other "
                              "SIRECORDS_PGBACKREST_* settings, docs/operations.md) with a PostgreSQL DATABASE_URL")
    return settings


# --- the repository passphrase ---

def passphrase_path() -> Path:
    configured_path = os.environ.get("SIRECORDS_PGBACKREST_KEY_FILE")
    return Path(configured_path).resolve() if configured_path else keys_dir() / PASSPHRASE


def create_passphrase() -> Path | None:
    """Create the passphrase file when absent (never overwrite one: it opens the repository); the path if created."""
    path = passphrase_path()
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path


def load_passphrase() -> str:
    path = passphrase_path()
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        raise PgBackRestError(f"the pgBackRest passphrase {path} is missing: run `sirecords backup stanza-create` "
                              "(or copy it back from a backup or escrow)") from None
    if len(text) < 20:
        raise PgBackRestError(f"the pgBackRest passphrase {path} is shorter than 20 characters")
    return text


# --- running pgBackRest ---

def _tool(words: list[str], what: str) -> list[str]:
    found = shutil.which(words[0]) if words else None
    if found is None:
        raise PgBackRestError(f"{what}: {words[0] if words else '(empty command)'} is not installed or not on PATH")
    return [found, *words[1:]]


def run(settings: Settings, *args: str, step: str, check: bool = True, timeout: int = 24 * 3600) -> subprocess.CompletedProcess:
    """`pgbackrest --stanza … [--config …] ARGS` with the passphrase and cipher in its environment."""
    command = _tool(settings.command, step)
    options = [f"--stanza={settings.stanza}"] + ([f"--config={settings.config}"] if settings.config else [])
    env = dict(os.environ, PGBACKREST_REPO1_CIPHER_PASS=load_passphrase(), PGBACKREST_REPO1_CIPHER_TYPE=CIPHER)
    result = subprocess.run([*command, *options, *args], env=env, capture_output=True, text=True, timeout=timeout,  # nosec B603 # the operator's configured pgBackRest/pg_ctl, resolved by _tool, argv list, no shell
                            stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        message = (result.stderr.strip() or result.stdout.strip())[-800:]
        raise PgBackRestError(f"{step} failed (pgbackrest exited {result.returncode}): {message}")
    return result


def info(settings: Settings) -> dict[str, Any]:
    output = run(settings, "info", "--output=json", step="pgbackrest info").stdout
    try:
        stanzas = json.loads(output)
        return next(s for s in stanzas if s.get("name") == settings.stanza)
    except (ValueError, StopIteration, AttributeError):
        raise PgBackRestError(f"pgbackrest info: no stanza {settings.stanza!r} in its answer: {output[:300]}") from None


def stanza_create(settings: Settings) -> str:
    """`stanza-create` (nothing changes when the stanza exists) then `check`: WAL reaches the repository."""
    run(settings, "stanza-create", step="pgbackrest stanza-create")
    run(settings, "check", step="pgbackrest check (archive_command and repo1-cipher-pass must be set as in "
        "docs/operations.md)")
    return info(settings).get("cipher", "")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP)


def backup(settings: Settings, *, full: bool = False) -> tuple[database.LedgerState, dict[str, Any]]:
    """A pgBackRest backup (full when asked or when the repository has none, else incremental); the ledger state it
    holds and what the manifest records of it. The ledger is read before and after: a backup during which it grew
    is followed by an incremental one (cheap), up to three times, so the manifest's root is the one a restore of
    that backup to its end (--type=immediate, the drill) finds."""
    existing = info(settings).get("backup", [])
    kind = "full" if full or not any(b.get("type") == "full" for b in existing) else "incr"
    for _attempt in range(3):
        before = database.ledger_state()
        run(settings, "backup", f"--type={kind}", step=f"pgbackrest backup --type={kind}")
        ended = datetime.now(UTC)
        after = database.ledger_state()
        newest = info(settings).get("backup", [])[-1]
        if after == before:
            stop = newest.get("timestamp", {}).get("stop", 0)
            return before, {"stanza": settings.stanza, "label": newest["label"], "type": newest["type"],
                            "prior": newest.get("prior"), "lsn": newest.get("lsn", {}),
                            "stopped_at": _stamp(datetime.fromtimestamp(stop, UTC)), "ended_at": _stamp(ended)}
        kind = "incr"
    raise PgBackRestError("the ledger grew during each of three pgBackRest backups: try again at a quieter time")


def verify_repository(settings: Settings) -> list[str]:
    """`pgbackrest verify`: every backup file's and WAL segment's checksum in the repository. The problems found
    (empty when its status is ok). pgBackRest 2.45 exits 0 either way and says nothing without --verbose: its
    verbose text report is read."""
    result = run(settings, "verify", "--output=text", "--verbose", step="pgbackrest verify")
    report = result.stdout
    if any(line.strip() == "status: ok" for line in report.splitlines()):  # its first status line is the stanza's
        return []
    lines = [line.strip() for line in (report + "\n" + result.stderr).splitlines()
             if line.strip() and not line.startswith("stanza:") and not line.strip().startswith("missing: 0, checksum invalid: 0")]
    return [f"pgBackRest repository (stanza {settings.stanza}): " + "; ".join(lines[:12])]


# --- the live cluster: stop, restore, start ---

def _pg_ctl(settings: Settings, *args: str, step: str, log: Path | None = None) -> int:
    command = _tool(settings.pg_ctl, step)
    if log is None:
        return subprocess.run([*command, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=600).returncode  # nosec B603 # the operator's configured pgBackRest/pg_ctl, resolved by _tool, argv list, no shell
    with open(log, "ab") as out:  # `start` leaves the postmaster holding its output: never a pipe
        return subprocess.run([*command, *args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,  # nosec B603 # the operator's configured pgBackRest/pg_ctl, resolved by _tool, argv list, no shell
                              timeout=600).returncode


def connect_params(config: dict[str, Any], *, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    params = {"dbname": config["NAME"], "host": host or config.get("HOST") or None,
              "port": port or config.get("PORT") or None, "user": config.get("USER") or None,
              "password": config.get("PASSWORD") or None, "connect_timeout": 3}
    return {k: v for k, v in params.items() if v is not None}


def answers(params: dict[str, Any]) -> bool:
    import psycopg

    try:
        with psycopg.connect(**params):
            return True
    except psycopg.OperationalError:
        return False


def wait_promoted(params: dict[str, Any], timeout: float = 600) -> None:
    """Wait until the server accepts connections and has left recovery (the WAL replayed, promoted)."""
    import psycopg

    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(**params) as db:
                if not db.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
                last = "still replaying WAL"
        except psycopg.OperationalError as error:
            last = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        time.sleep(0.2)
    raise PgBackRestError(f"the restored cluster did not finish its recovery within {timeout:.0f} s ({last}): "
                          "read its log")


def restore(settings: Settings, label: str, at: datetime | None) -> str:
    """Restore the live cluster: pgBackRest backup `label`, then the archived WAL up to `at` (then promote), or to
    the end of the archive without `at`. With SIRECORDS_PG_CTL the cluster is stopped first (after `pgbackrest
    check` archives its newest WAL) and started after, and this returns once it has left recovery; without it a
    running cluster is refused. What was done, in a sentence."""
    from django.db import connection

    connection.close()
    params = connect_params(database.settings_of())
    running = answers(params)
    if running and not settings.pg_ctl:
        raise PgBackRestError("the PostgreSQL cluster is running: a pgBackRest restore replaces it whole. Stop it first "
                              "(after `pgbackrest check`, which archives the newest WAL), or set SIRECORDS_PG_CTL so that "
                              "`backup restore` stops and starts it; nothing was changed")
    if settings.pg_ctl and _pg_ctl(settings, "status", step="SIRECORDS_PG_CTL status") == 0:
        if running:
            run(settings, "check", step="pgbackrest check (archiving the newest WAL before the restore)")
        if _pg_ctl(settings, "stop", "-m", "fast", step="SIRECORDS_PG_CTL stop") != 0:
            raise PgBackRestError("SIRECORDS_PG_CTL stop -m fast failed: the cluster was not stopped; nothing was restored")
    args = ["restore", "--delta", f"--set={label}"]
    if at is not None:
        args += ["--type=time", f"--target={at.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S.%f')}+00",
                 "--target-action=promote"]
    result = run(settings, *args, step="pgbackrest restore", check=False)
    if result.returncode != 0:
        message = (result.stderr.strip() or result.stdout.strip())[-800:]
        if "running" in message and "PostgreSQL" in message:
            raise PgBackRestError("pgbackrest restore refused: PostgreSQL is running (stop the cluster first, or set "
                                  f"SIRECORDS_PG_CTL): {message}")
        raise PgBackRestError(f"pgbackrest restore failed (exit {result.returncode}): {message}")
    target = f"to {_stamp(at)}" if at else "to the end of the archived WAL"
    if not settings.pg_ctl:
        return (f"pgBackRest backup {label} restored; start the cluster: it replays the archived WAL {target} and "
                "promotes, then run `sirecords verify`")
    with tempfile.NamedTemporaryFile(prefix="sirecords-pg-start-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    try:
        if _pg_ctl(settings, "start", step="SIRECORDS_PG_CTL start", log=log_path) != 0:
            raise PgBackRestError(f"SIRECORDS_PG_CTL start failed after the restore: {log_path.read_text()[-500:]}")
    finally:
        log_path.unlink(missing_ok=True)
    wait_promoted(params)
    return f"pgBackRest backup {label} restored and the archived WAL replayed {target}; the cluster is started"


# --- the drill's scratch cluster ---

def _bindir() -> Path:
    configured_dir = os.environ.get("SIRECORDS_PG_BINDIR")
    if configured_dir:
        return Path(configured_dir)
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)  # nosec B603 # the path which() found, argv list, no shell
        if found.returncode == 0 and (Path(found.stdout.strip()) / "pg_ctl").exists():
            return Path(found.stdout.strip())
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise PgBackRestError("no pg_ctl for the drill's scratch cluster: set SIRECORDS_PG_BINDIR")
    return Path(versions[-1]).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_database_user(settings: Settings, *command: str, step: str) -> subprocess.CompletedProcess:
    """A command run as the database's OS user (the words before `pgbackrest` in SIRECORDS_PGBACKREST_COMMAND: e.g.
    `runuser -u postgres --` when sirecords runs as root, `sudo -n -u postgres` with a sudoers rule otherwise)."""
    words = [*settings.run_as, *command]
    return subprocess.run(_tool(words, step), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900)  # nosec B603 # the operator's configured pgBackRest/pg_ctl, resolved by _tool, argv list, no shell


@contextmanager
def scratch(settings: Settings, label: str) -> Iterator[str]:
    """Backup `label` restored (to its end: --type=immediate) into a scratch data directory, started on a free
    loopback port with WAL archiving off (it never writes to the repository); yields its DATABASE_URL. The
    cluster is stopped and its folder removed afterwards. Clusters with tablespaces are not supported here.

    The data directory is made (mktemp), filled, started and removed by the database's OS user; this process writes
    only the authentication file, in a folder of its own that the server may traverse."""
    config = database.settings_of()
    folder = Path(tempfile.mkdtemp(prefix="sirecords-drill-pg-"))
    os.chmod(folder, 0o711)  # nosec B103 # traverse only, no listing: the server reaches its own subfolder
    port, data, started = free_port(), None, False
    try:
        made = _as_database_user(settings, "mktemp", "-d", "-p", tempfile.gettempdir(), "sirecords-drill-pgdata-XXXXXXXX",
                                 step="the drill's scratch directory")
        if made.returncode != 0:
            raise PgBackRestError(f"the drill's scratch data directory was not made: {made.stderr.strip()[:300]}")
        data = Path(made.stdout.strip())  # mode 0700, the database user's
        pg_ctl = [str(_bindir() / "pg_ctl"), "-D", str(data)]
        run(settings, "restore", f"--set={label}", "--type=immediate", "--target-action=promote",
            f"--pg1-path={data}", "--archive-mode=off", step="pgbackrest restore into the drill's scratch directory")
        password = bool(config.get("PASSWORD"))
        hba = folder / "drill-hba.conf"
        hba.write_text("# the drill's scratch cluster: loopback only, on a random port, for the drill's duration\n"
                       f"host all all 127.0.0.1/32 {'md5' if password else 'trust'}\n")
        os.chmod(hba, 0o644)
        # A Debian cluster keeps postgresql.conf in /etc: an empty one in its place, the defaults do for a drill.
        _as_database_user(settings, "touch", str(data / "postgresql.conf"), step="the drill's postgresql.conf")
        options = (f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data} "
                   f"-c hba_file={hba} -c archive_mode=off -c cluster_name=sirecords-drill")
        log = data / "drill-postgres.log"
        result = _as_database_user(settings, *pg_ctl, "-l", str(log), "-o", options, "-w", "-t", "600", "start",
                                   step="the drill's scratch cluster")
        started = True
        if result.returncode != 0:
            told = _as_database_user(settings, "tail", "-c", "800", str(log), step="the drill's server log").stdout
            raise PgBackRestError(f"the drill's scratch cluster did not start: {(result.stdout + result.stderr).strip()[-300:]} "
                                  f"{told}")
        wait_promoted(connect_params(config, host="127.0.0.1", port=port))
        user = quote(str(config.get("USER") or ""), safe="")
        secret = f":{quote(str(config['PASSWORD']), safe='')}" if password else ""
        at = f"{user}{secret}@" if user else ""
        yield f"postgres://{at}127.0.0.1:{port}/{quote(str(config['NAME']), safe='')}"
    finally:
        if started:
            _as_database_user(settings, *pg_ctl, "-m", "immediate", "stop", step="stopping the drill's scratch cluster")
        if data is not None:
            _as_database_user(settings, "rm", "-rf", "--", str(data), step="removing the drill's scratch directory")
        shutil.rmtree(folder, ignore_errors=True)
