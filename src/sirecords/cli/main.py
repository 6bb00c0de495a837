"""The `sirecords` console command: the project's management commands, with Django's settings.

`sirecords --help` lists the project's own commands; `sirecords help --all` lists Django's too.
"""

from __future__ import annotations

import os
import sys

PROJECT_COMMANDS = {
    "init": "create or migrate the database, create keys if absent (rule parameters load as reviewed transactions)",
    "demo": "load the deterministic demo data (--load-only: no server)",
    "serve": "development server on 127.0.0.1:8000 (production: gunicorn, see docs/operations.md)",
    "checkpoint": "sign the current ledger head and copy it to the witness folder",
    "verify": "check the hash chain, checkpoints, witness copies and projections",
    "users": "manage staff accounts and roles: add, grant, revoke, list",
    "import": "import contributions FILE: the collection agency's monthly file, checked row by row (docs/collection-file.md)",
    "credit": "credit every individual account for a year, as one reviewed transaction (docs/crediting.md)",
    "rules": "the rules calculator: check-id, check-uscc, retirement, base, interest, pension (docs/cli.md)",
}


def _usage() -> str:
    width = max(map(len, PROJECT_COMMANDS))
    lines = ["usage: sirecords COMMAND [options]", "", "Commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in PROJECT_COMMANDS.items()]
    lines += ["", "`sirecords COMMAND --help` explains one command; `sirecords help --all` lists every command,",
              "Django's own included. Environment: SIRECORDS_HOME (default ./var), DATABASE_URL (PostgreSQL),",
              "DJANGO_SETTINGS_MODULE (default sirecords.settings)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        print(_usage())
        return
    if argv[1:] == ["help", "--all"]:
        argv = argv[:1] + ["help"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sirecords", *argv[1:]])


if __name__ == "__main__":
    main()
