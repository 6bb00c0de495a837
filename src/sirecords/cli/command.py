"""What the commands that open a reviewed run (`sirecords credit`, `sirecords pensions`) share: how they
print JSON and how they refuse (the reason on stderr, in ``error`` with ``--json``, exit status 1)."""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from sirecords.users.actors import actor_for


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class RunCommand(BaseCommand):
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
