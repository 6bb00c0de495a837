"""A private PostgreSQL cluster with pgBackRest for the tests of this folder that need a server to stop, kill and
restore (never the machine's own server): `private_cluster(prefix)` makes one, with initdb as the `postgres` OS user in
a temporary folder that user owns, on a free loopback port, WAL archived into an encrypted pgBackRest repository of its
own (archive_command = pgbackrest archive-push). Skipped, with the reason, where pgbackrest, initdb or the `postgres`
user are missing or the tests do not run as root (needed to run the server as `postgres`)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

STANZA = "sirecords-test"


def bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing() -> str:
    """Why the private cluster cannot be made here ("" when it can)."""
    if shutil.which("pgbackrest") is None:
        return "pgbackrest is not installed (.ci/pgbackrest-deps installs it)"
    if bindir() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no `postgres` OS user to run the private cluster as"
    if os.getuid() != 0 or shutil.which("runuser") is None:
        return "the private cluster runs as `postgres` through runuser: the tests must run as root"
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    root: Path
    port: int
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def conf(self) -> Path:
        return self.root / "pgbackrest.conf"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/sirecords"

    @property
    def pg_ctl(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--", str(bindir() / "pg_ctl"), "-D", str(self.data), "-l",
                str(self.root / "run" / "postgres.log")]

    def as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} exited {result.returncode}: {result.stdout}\n{result.stderr}")
        return result

    def start(self) -> None:
        with open(self.root / "run" / "start.log", "ab") as out:  # the postmaster keeps it open: never a pipe
            started = subprocess.run([*self.pg_ctl, "-w", "-t", "120", "start"], stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, timeout=180)
        if started.returncode != 0:
            told = [(self.root / "run" / name).read_text(errors="replace")[-1500:] for name in ("start.log", "postgres.log")]
            raise AssertionError("the private cluster did not start:\n" + "\n".join(told))
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self.pg_ctl, "-m", mode, "stop"], capture_output=True, stdin=subprocess.DEVNULL, timeout=180)

    def running(self) -> bool:
        return subprocess.run([*self.pg_ctl, "status"], capture_output=True, stdin=subprocess.DEVNULL).returncode == 0

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def kill_all(self) -> list[int]:
        """SIGKILL the postmaster and every process of the cluster at once (a crash, not a shutdown)."""
        pid = self.postmaster()
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        victims = [pid, *map(int, children)]
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(v) for v in victims):
            time.sleep(0.05)
        # The dead postmaster left postmaster.pid behind, as a crash does. PostgreSQL ignores it when no process has
        # that pid; a container's init may be slow to reap the zombie, which PostgreSQL would take for a live server.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        if Path(f"/proc/{pid}").exists():
            (self.data / "postmaster.pid").unlink()
        return victims

    def sql(self, query: str) -> str:
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "sirecords",
                                 "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", query], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"psql: {query}: {result.stderr}")
        return result.stdout.strip()

    def wait_ready(self, timeout: float = 120) -> None:
        """Connectable and out of recovery (a restore replays WAL, then promotes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                                    "-qAtX", "-c", "SELECT pg_is_in_recovery()"], capture_output=True, text=True)
            if probe.returncode == 0 and probe.stdout.strip() == "f":
                return
            time.sleep(0.1)
        raise AssertionError(f"the private cluster did not come up: {(self.root / 'run' / 'postgres.log').read_text()[-2000:]}")

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None, timeout: int = 300):
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def make_cluster(prefix: str):
    """A generator for a module fixture: the cluster running, `sirecords init` done, the stanza created through
    `sirecords backup stanza-create` (twice: the first run makes the passphrase and asks for it in the configuration)."""
    why = missing()
    if why:
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = Cluster(root, free_port(), root / "home")
    try:
        for sub in ("data", "repo", "run"):
            (root / sub).mkdir()
        cluster.home.mkdir()
        os.chmod(root, 0o755)
        os.chmod(root / "data", 0o700)
        shutil.chown(root, "postgres", "postgres")
        for sub in ("data", "repo", "run"):
            shutil.chown(root / sub, "postgres", "postgres")
        cluster.as_postgres(str(bindir() / "initdb"), "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-N",
                            "-E", "UTF8", "--locale=C")
        archive = f"pgbackrest --config={cluster.conf} --stanza={STANZA} archive-push %p"
        with open(cluster.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root / 'run'}'\n"
                       f"archive_mode = on\narchive_command = '{archive}'\nwal_level = replica\nfsync = off\n"
                       "max_connections = 40\nshared_buffers = 32MB\n")
        cluster.conf.write_text(f"[global]\nrepo1-path={cluster.repo}\nrepo1-cipher-type=aes-256-cbc\n"
                                f"repo1-retention-full=4\nlock-path={root / 'run'}\nlog-path={root / 'run'}\n"
                                f"spool-path={root / 'run'}\nlog-level-file=off\nstart-fast=y\narchive-timeout=30\n"
                                "compress-type=zst\ncompress-level=1\n\n"
                                f"[{STANZA}]\npg1-path={cluster.data}\npg1-port={cluster.port}\npg1-socket-path={root / 'run'}\n")
        shutil.chown(cluster.conf, "postgres", "postgres")
        os.chmod(cluster.conf, 0o600)
        cluster.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-qc", "CREATE DATABASE sirecords"],
                       check=True, capture_output=True)
        keep = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SIRECORDS_WITNESS_DIR", "SIRECORDS_BACKUP_DIR",
                "SIRECORDS_BACKUP_KEY_FILE")
        cluster.env = {k: v for k, v in os.environ.items() if k not in keep and not k.startswith(("SIRECORDS_PG", "PGBACKREST"))}
        cluster.env.update(SIRECORDS_HOME=str(cluster.home), DATABASE_URL=cluster.url, SIRECORDS_PGBACKREST_STANZA=STANZA,
                           SIRECORDS_PGBACKREST_CONFIG=str(cluster.conf),
                           SIRECORDS_PGBACKREST_COMMAND="runuser -u postgres -- pgbackrest", SIRECORDS_PG_BINDIR=str(bindir()))
        cluster.run("init")
        first = cluster.run("backup", "stanza-create", check=False)
        passphrase = cluster.home / "keys" / "pgbackrest.key"
        assert first.returncode != 0 and f"created the pgBackRest repository passphrase {passphrase}" in first.stderr, first.stderr
        with open(cluster.conf, "r+") as conf:  # as an operator does: the passphrase into the [global] section
            text = conf.read().replace("[global]\n", f"[global]\nrepo1-cipher-pass={passphrase.read_text().strip()}\n", 1)
            conf.seek(0)
            conf.write(text)
        yield cluster
    finally:
        if (root / "data" / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# --- a site driven through the real `sirecords` command, on the engine of the run ---

def psql(url: str, sql: str) -> None:
    """Run `sql` on the server of `url`, connected to its `postgres` database."""
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True, text=True)


def cli(env: dict[str, str]):
    """run(*args, check=True, **extra_env): `sirecords ARGS` in a process of its own; AssertionError with its output
    when it fails and `check`."""

    def run(*args, check=True, **extra):
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env={**env, **extra}, capture_output=True,
                                text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    return run


def database_destroyer(home: Path, url: str):
    """destroy(): the site's database gone — its PostgreSQL database dropped and made again empty, or its SQLite file
    (and write-ahead log) removed."""

    def destroy() -> None:
        if url:
            name = urlsplit(url).path[1:]
            psql(url, f'DROP DATABASE "{name}" WITH (FORCE)')
            psql(url, f'CREATE DATABASE "{name}"')
        else:
            for path in home.glob("sirecords.sqlite3*"):
                path.unlink()

    return destroy
