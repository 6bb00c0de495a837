"""The `sirecords` console command: the project's management commands, with Django's settings.

`sirecords --help` lists the commands of the `sirecords.cli` app, read from Django's own command registry
with each command's help text, so a new command is listed without editing this file; `sirecords help
--all` lists Django's too.
"""

from __future__ import annotations

import os
import sys

# Django's runserver is replaced by one that needs the keys; `serve` is the documented way to start it.
HIDDEN = frozenset({"runserver"})


def project_commands() -> dict[str, str]:
    """name → first sentence of its help, for every command the sirecords.cli app provides."""
    from django.core.management import get_commands, load_command_class

    names = sorted(name for name, app in get_commands().items() if app == "sirecords.cli" and name not in HIDDEN)
    return {command_name(name): str(load_command_class("sirecords.cli", name).help).split(". ")[0].rstrip(".")
            for name in names}


def command_name(django_name: str) -> str:
    """Django's command names cannot hold a dash (they are module names): `migrate_store` is `sirecords migrate-store`."""
    return django_name.replace("_", "-")


def django_name(name: str) -> str:
    return name if name.startswith("-") else name.replace("-", "_")


def _usage() -> str:
    commands = project_commands()
    width = max(map(len, commands))
    lines = ["usage: sirecords COMMAND [options]", "", "Commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in commands.items()]
    lines += ["", "`sirecords COMMAND --help` explains one command; `sirecords help --all` lists every command,",
              "Django's own included. Environment: SIRECORDS_HOME (default ./var), DATABASE_URL (PostgreSQL),",
              "DJANGO_SETTINGS_MODULE (default sirecords.settings)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        import django

        django.setup()
        print(_usage())
        return
    if argv[1:] == ["help", "--all"]:
        argv = argv[:1] + ["help"]
    argv[1] = django_name(argv[1])
    if argv[1] == "help" and len(argv) > 2:
        argv[2] = django_name(argv[2])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sirecords", *argv[1:]])


if __name__ == "__main__":
    main()
