"""`sirecords --help` lists every command of the cli app, read from Django's registry (none forgotten)."""

import pathlib

from sirecords.cli import main

COMMANDS = pathlib.Path(main.__file__).parent / "management" / "commands"


def test_help_lists_every_command_module(capsys):
    main.main(["sirecords", "--help"])
    out = capsys.readouterr().out
    modules = sorted(p.stem for p in COMMANDS.glob("*.py") if p.stem != "__init__" and p.stem not in main.HIDDEN)
    assert "pensions" in modules and "import" in modules
    for name in map(main.command_name, modules):  # migrate_store is listed as migrate-store
        assert f"\n  {name} " in out, f"{name} is not listed by sirecords --help"
    assert "runserver" not in out


def test_a_dashed_command_reaches_its_django_name():
    assert main.command_name("migrate_store") == "migrate-store"
    assert main.django_name("migrate-store") == "migrate_store" and main.django_name("--help") == "--help"


def test_only_the_web_server_commands_check_the_url_configuration():
    """A command's start-up runs the system checks; the URL check imports every view and the API (about half a second)
    and concerns the web server alone: `serve` and `runserver` run it, the other commands run COMMAND_CHECKS or none."""
    from django.core.checks import Tags
    from django.core.management import load_command_class

    from sirecords.cli.command import COMMAND_CHECKS

    assert Tags.urls not in COMMAND_CHECKS and {Tags.models, Tags.database, Tags.security} <= set(COMMAND_CHECKS)
    checking_urls = set()
    for path in COMMANDS.glob("*.py"):
        if path.stem == "__init__":
            continue
        checks = load_command_class("sirecords.cli", path.stem).requires_system_checks
        if checks == "__all__" or Tags.urls in checks:
            checking_urls.add(path.stem)
    assert checking_urls == {"serve", "runserver"}
