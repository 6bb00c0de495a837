"""`migrate --database OTHER` writes only to OTHER: every data migration uses the connection it runs on
(schema_editor.connection.alias). A migration writing through the default connection would put a second genesis head
into the (already migrated) default database and none into OTHER — what `migrate-store` once had to work around.

Run in a process of its own: a Django set up on a fresh SIRECORDS_HOME, the default database migrated first."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.engine_independent  # a process of its own on SQLite files, whatever the pass

SCRIPT = textwrap.dedent("""
    import json, sqlite3, sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    other = sys.argv[1]
    connections.settings["elsewhere"] = connections.configure_settings(
        {"default": connections.settings["default"], "elsewhere": {"ENGINE": "django.db.backends.sqlite3", "NAME": other}})["elsewhere"]
    call_command("migrate", database="elsewhere", interactive=False, verbosity=0)
    default = connections["default"].settings_dict["NAME"]
    print(json.dumps({name: sqlite3.connect(path).execute("SELECT id, size FROM ledger_head").fetchall()
                      for name, path in (("default", default), ("elsewhere", other))}))
""")


def test_migrate_on_another_database_writes_its_genesis_rows_there_and_leaves_the_default_alone(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(SIRECORDS_HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="sirecords.settings.base")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "other.sqlite3")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    heads = json.loads(done.stdout.strip().splitlines()[-1])
    assert heads == {"default": [[1, 0]], "elsewhere": [[1, 0]]}
