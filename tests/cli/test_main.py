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
