#!/usr/bin/env python3
"""A three-node PostgreSQL cluster under Patroni, with etcd and HAProxy, on loopback ports: for the failover tests and
demos (docs/operations.md, "High availability"). It runs the Debian packages (patroni 3.0, etcd 3.4, haproxy 2.6,
PostgreSQL's server binaries) with the configuration in this folder — patroni.yml and haproxy.cfg, their dollar-sign
placeholders filled for loopback — so what is tested is what is deployed. Nothing is reimplemented.

    deploy/ha/lab.py start [--dir DIR]     # etcd, three Patroni nodes, HAProxy; waits for a leader and a sync standby
    deploy/ha/lab.py status [--dir DIR]    # the cluster as Patroni sees it (JSON)
    deploy/ha/lab.py urls [--dir DIR]      # the DATABASE_URL forms to reach it (JSON)
    deploy/ha/lab.py kill-leader [--dir DIR]   # kill -9 the leader's Patroni and PostgreSQL (a failover test)
    deploy/ha/lab.py restart-node NAME [--dir DIR]  # start a node's Patroni again (the old leader rejoins)
    deploy/ha/lab.py stop [--dir DIR] [--keep]      # stop everything; remove DIR unless --keep

`make ha-lab` runs `start`; `make ha-lab-stop` runs `stop`. PostgreSQL refuses to run as root: as root, the nodes run
as the `postgres` OS user (runuser). Ports (override with SIRECORDS_HA_LAB_PORT_BASE, default 25400: below Linux's
ephemeral range, 32768–60999, where any outgoing connection may hold a port for a while): PostgreSQL
base+31..33, Patroni's REST API base+41..43, etcd base+51 (clients) and base+52 (peers), HAProxy base+30 (primary),
base+40 (replicas) and base+50 (stats page). The last line `start` prints is one JSON object.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODES = ("node1", "node2", "node3")
SCOPE = "sirecords-lab"
DEFAULT_DIR = Path(os.environ.get("SIRECORDS_HA_LAB_DIR", "/tmp/sirecords-ha-lab"))
BASE = int(os.environ.get("SIRECORDS_HA_LAB_PORT_BASE", "25400"))
HOST = "127.0.0.1"


def ports(base: int = BASE) -> dict:
    return {"pg": [base + 31 + i for i in range(3)], "rest": [base + 41 + i for i in range(3)],
            "etcd_client": base + 51, "etcd_peer": base + 52, "primary": base + 30, "replicas": base + 40,
            "stats": base + 50}


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise SystemExit("PostgreSQL's server binaries are not installed (apt-get install postgresql)")
    return Path(found[-1]).parent


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the `postgres` OS user when this runs as root (PostgreSQL refuses root)."""
    return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


def _need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        raise SystemExit(f"not installed: {', '.join(missing)} (apt-get install patroni etcd-server haproxy)")


def _fill(template: str, values: dict) -> str:
    return string.Template((HERE / template).read_text()).substitute(values)


def _spawn(lab: Path, name: str, command: list[str], *, as_postgres: bool) -> int:
    log = open(lab / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen([*(_as_postgres() if as_postgres else []), *command], stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL, start_new_session=True, cwd=lab)
    (lab / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = answer.read()
            return answer.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body) if body else None
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return 0, None


def cluster(base: int = BASE) -> dict | None:
    """Patroni's view of the cluster (GET /cluster on the first node that answers), or None."""
    for port in ports(base)["rest"]:
        status, body = _get(f"http://{HOST}:{port}/cluster")
        if status == 200 and body:
            return body
    return None


def leader_and_sync(base: int = BASE) -> tuple[str | None, str | None]:
    state = cluster(base) or {}
    members = state.get("members", [])
    leader = next((m["name"] for m in members if m.get("role") == "leader" and m.get("state") == "running"), None)
    sync = next((m["name"] for m in members if m.get("role") == "sync_standby"
                 and m.get("state") in ("running", "streaming")), None)
    return leader, sync


def urls(base: int = BASE) -> dict:
    p = ports(base)
    hosts = ",".join(f"{HOST}:{port}" for port in p["pg"])
    return {"multi_host": f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write",
            "replica": f"postgresql://postgres@{hosts}/postgres?target_session_attrs=prefer-standby",
            "haproxy_primary": f"postgresql://postgres@{HOST}:{p['primary']}/postgres",
            "haproxy_replicas": f"postgresql://postgres@{HOST}:{p['replicas']}/postgres",
            "stats": f"http://{HOST}:{p['stats']}/"}


def start(lab: Path, base: int = BASE, timeout: float = 90.0) -> dict:
    _need("patroni", "etcd", "haproxy")
    if cluster(base) is not None:
        raise SystemExit(f"a cluster already answers on ports {ports(base)['rest']}: `deploy/ha/lab.py stop` first")
    p = ports(base)
    busy = [port for port in (*p["pg"], *p["rest"], p["etcd_client"], p["etcd_peer"], p["primary"], p["replicas"],
                              p["stats"]) if not _free(port)]
    if busy:
        raise SystemExit(f"ports in use: {', '.join(map(str, busy))} (SIRECORDS_HA_LAB_PORT_BASE picks others)")
    try:
        began = time.monotonic()
        lab.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(lab, "postgres", "postgres")
        lab.chmod(0o700)
        etcd_dir = lab / "etcd"
        _spawn(lab, "etcd", ["etcd", "--name", "lab", "--data-dir", str(etcd_dir),
                             "--listen-client-urls", f"http://{HOST}:{p['etcd_client']}",
                             "--advertise-client-urls", f"http://{HOST}:{p['etcd_client']}",
                             "--listen-peer-urls", f"http://{HOST}:{p['etcd_peer']}",
                             "--initial-advertise-peer-urls", f"http://{HOST}:{p['etcd_peer']}",
                             "--initial-cluster", f"lab=http://{HOST}:{p['etcd_peer']}"], as_postgres=True)
        _wait(lambda: _get(f"http://{HOST}:{p['etcd_client']}/health")[0] == 200, 20, "etcd to answer")
        for index, name in enumerate(NODES):
            node = lab / name
            node.mkdir(exist_ok=True)
            node.chmod(0o700)
            if os.getuid() == 0:
                shutil.chown(node, "postgres", "postgres")
            config = _fill("patroni.yml", {
                "SCOPE": SCOPE, "NAME": name, "REST_HOST": HOST, "REST_PORT": p["rest"][index],
                "ETCD_HOSTS": f"{HOST}:{p['etcd_client']}", "TTL": 10, "LOOP_WAIT": 2, "RETRY_TIMEOUT": 5,
                "REPLICATION_USER": "replicator", "REPLICATION_PASSWORD": "lab-replication", "REWIND_USER": "rewinder",
                "REWIND_PASSWORD": "lab-rewind", "SUPERUSER_PASSWORD": "lab-superuser", "CLIENT_NETWORK": f"{HOST}/32",
                "AUTH_METHOD": "trust", "PG_HOST": HOST, "PG_PORT": p["pg"][index], "DATA_DIR": node / "data",
                "BIN_DIR": bin_dir(), "PGPASS": node / "pgpass", "SOCKET_DIR": node})
            (node / "patroni.yml").write_text(config)
            if os.getuid() == 0:
                shutil.chown(node / "patroni.yml", "postgres", "postgres")
            _spawn(lab, name, ["patroni", str(node / "patroni.yml")], as_postgres=True)
            if index == 0:  # the first node bootstraps; the others clone from it once it leads
                _wait(lambda: leader_and_sync(base)[0] is not None, timeout, "a leader")
        servers = [f"    server {name} {HOST}:{p['pg'][i]} check port {p['rest'][i]}" for i, name in enumerate(NODES)]
        (lab / "haproxy.cfg").write_text(_fill("haproxy.cfg", {
            "STATS_BIND": f"{HOST}:{p['stats']}", "PRIMARY_BIND": f"{HOST}:{p['primary']}",
            "REPLICAS_BIND": f"{HOST}:{p['replicas']}", "PRIMARY_SERVERS": "\n".join(servers),
            "REPLICA_SERVERS": "\n".join(s + (" backup" if i == 0 else "") for i, s in enumerate(servers))}))
        _spawn(lab, "haproxy", ["haproxy", "-db", "-f", str(lab / "haproxy.cfg")], as_postgres=False)
        _wait(lambda: all(leader_and_sync(base)), timeout, "a leader and a synchronous standby")
    except BaseException:
        stop(lab, keep=True)  # what this start began, stopped; its logs kept to read why
        raise
    leader, sync = leader_and_sync(base)
    return {"lab": str(lab), "leader": leader, "sync_standby": sync, "seconds": round(time.monotonic() - began, 1),
            **urls(base)}


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait(ready, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.25)
    raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}")


def _pid(lab: Path, name: str) -> int | None:
    try:
        return int((lab / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None


def _postmaster_pid(lab: Path, name: str) -> int | None:
    try:
        return int((lab / name / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_leader(lab: Path, base: int = BASE) -> dict:
    """kill -9 the leader's Patroni and its PostgreSQL postmaster (the node dies; nothing is shut down cleanly)."""
    leader, _sync = leader_and_sync(base)
    if leader is None:
        raise SystemExit("no leader to kill")
    killed = []
    patroni, postmaster = _pid(lab, leader), _postmaster_pid(lab, leader)
    if patroni is not None:  # its process group (started as a session): runuser and Patroni
        try:
            os.killpg(patroni, signal.SIGKILL)
            killed.append(patroni)
        except ProcessLookupError:
            pass
    if _alive(postmaster):
        os.kill(postmaster, signal.SIGKILL)
        killed.append(postmaster)
    return {"killed": leader, "pids": killed, "at": time.time()}


def restart_node(lab: Path, name: str, base: int = BASE) -> dict:
    if name not in NODES:
        raise SystemExit(f"no node {name!r}: {', '.join(NODES)}")
    if _alive(_pid(lab, name)):
        raise SystemExit(f"{name}'s Patroni is running")
    _spawn(lab, name, ["patroni", str(lab / name / "patroni.yml")], as_postgres=True)
    return {"restarted": name}


def stop(lab: Path, keep: bool = False) -> dict:
    stopped = []
    for name in ("haproxy", *NODES, "etcd"):
        pid = _pid(lab, name)
        if pid is None or not _group_alive(pid):
            continue
        os.killpg(pid, signal.SIGTERM)  # Patroni stops its PostgreSQL (fast shutdown) before it exits
        deadline = time.monotonic() + 30
        while _group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
        stopped.append(name)
    for name in NODES:  # a postmaster left by a killed Patroni
        pid = _postmaster_pid(lab, name)
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            stopped.append(f"{name}-postgres")
    if not keep and lab.exists():
        shutil.rmtree(lab, ignore_errors=True)
    return {"stopped": stopped, "removed": not keep}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "status", "urls", "kill-leader", "restart-node", "stop"])
    parser.add_argument("node", nargs="?", help="restart-node: the node's name (node1, node2, node3)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the lab's folder (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="stop: keep the folder (data and logs)")
    args = parser.parse_args(argv)
    if args.action == "start":
        result = start(args.dir)
    elif args.action == "status":
        result = cluster() or {"members": []}
    elif args.action == "urls":
        result = urls()
    elif args.action == "kill-leader":
        result = kill_leader(args.dir)
    elif args.action == "restart-node":
        result = restart_node(args.dir, args.node or "")
    else:
        result = stop(args.dir, keep=args.keep)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
