"""What the commands that open a reviewed run (`sirecords credit`, `sirecords pensions`) share: how they
print JSON and how they refuse (the reason on stderr, in ``error`` with ``--json``, exit status 1)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class RunCommand(BaseCommand):
    name = ""  # the command's name in messages: "sirecords <name>: …"

    def fail(self, message: str, json_output: bool) -> None:
        if json_output:
            self.stdout.write(as_json({"error": message}))
        sys.stderr.write(f"sirecords {self.name}: {message}\n")
        sys.exit(1)
