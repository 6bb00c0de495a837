"""The environment a bench script runs in as a test's subprocess: a scratch SIRECORDS_HOME and, when the tests run
on PostgreSQL, a scratch database of its own (created, then dropped with the home), so the bench never touches the
test database."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(sql)


@contextlib.contextmanager
def scratch_bench_env(prefix: str):
    """os.environ without the test's Django settings and home, with a scratch home (and database) named by `prefix`."""
    home = tempfile.mkdtemp(prefix=f"sirecords-{prefix}-")
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "SIRECORDS_HOME")}
    env["SIRECORDS_HOME"] = home
    url = os.environ.get("DATABASE_URL")
    name = None
    if url:
        name = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        _admin(url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        if name:
            _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)
