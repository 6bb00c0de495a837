"""What the commands share: the system checks they run first (COMMAND_CHECKS); `--if-primary` for the scheduled
jobs (run_scheduled); and for those that open a reviewed run (`sirecords credit`, `sirecords pensions`), how they print
JSON and how they refuse (the reason on stderr, in ``error`` with ``--json``, exit status 1)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand

from sirecords.databases.jobs import JobSkipped, scheduled_job
from sirecords.users.actors import actor_for

# Every tagged system check but the URL configuration's: that one imports every view and builds the JSON API (about
# half a second of each command's start-up) and concerns the web server alone: `serve` (runserver) runs every check
# when it starts, and deploy/systemd/sirecords.service runs `sirecords check` before gunicorn. tests/cli/test_main.py
# holds the commands to it.
COMMAND_CHECKS = sorted(value for name, value in vars(Tags).items() if not name.startswith("_") and value != Tags.urls)


IF_PRIMARY_HELP = ("a scheduled run (the systemd timers): run only against the primary and only if no other run of "
                   "this job is going (PostgreSQL: an advisory lock; SQLite: a file lock in SIRECORDS_HOME/locks); "
                   "otherwise print why and exit 0")


def add_if_primary(parser) -> None:
    parser.add_argument("--if-primary", action="store_true", help=IF_PRIMARY_HELP)


def run_scheduled(stdout, job: str, if_primary: bool, run: Callable[[], None], *, json_output: bool = False) -> None:
    """`run()`; with `if_primary`, as the one run of `job` on the primary (databases/jobs.py), or not at all: then
    `sirecords <job>: not run: <why>` on stdout (with `json_output`, {"not_run": why}) and a normal return (exit
    status 0)."""
    if not if_primary:
        run()
        return
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(scheduled_job(job))
        except JobSkipped as skipped:
            stdout.write(as_json({"not_run": str(skipped)}) if json_output else f"sirecords {job}: not run: {skipped}")
            return
        run()


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class RunCommand(BaseCommand):
    requires_system_checks = COMMAND_CHECKS
    name = ""  # the command's name in messages: "sirecords <name>: …"

    def fail(self, message: str, json_output: bool) -> None:
        if json_output:
            self.stdout.write(as_json({"error": message}))
        sys.stderr.write(f"sirecords {self.name}: {message}\n")
        sys.exit(1)

    @staticmethod
    def add_run_arguments(parser) -> None:
        """--actor, --reason, --region and --json, the same for every run command."""
        parser.add_argument("--actor", required=True, help="the maintainer who opens and submits it")
        parser.add_argument("--reason", required=True, help="why (recorded in the ledger)")
        parser.add_argument("--region", default=None, help="pooling region (default: SIRECORDS_REGION)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def run_context(self, actor: str, region: str | None, json_output: bool):
        """(the actor, the pooling region), or a refusal naming the unknown account."""
        who = actor_for(actor)
        if who is None:
            self.fail(f"no staff account {actor!r}", json_output)
        return who, region or settings.SIRECORDS_REGION
