"""``sirecords regions self [--json]``, ``sirecords regions add CODE --name NAME --verifier-key=K --encryption-key=K
--actor USER --reason TEXT [--json]`` and ``sirecords regions list [--json]`` (第十条, docs/transfers.md).

`self` prints what another region needs to register this one: the region's code and name, its signed-note verifier
key and its X25519 encryption key (base64 of 32 bytes). `add` opens and submits the reviewed register_region (a new
region, or new keys for a registered one); with --json it prints {"transaction": UID}. A clerk or a maintainer may
run it; an administrator (sysadmin, dba) is refused.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow.services import Refused


class Command(BaseCommand):
    help = "其他统筹地区及其密钥 Other pooling regions and their keys (第十条): this region's keys, register one, list them"
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        called = getattr(parser, "called_from_command_line", None)
        own = sub.add_parser("self", help="this region's code, name and public keys, for the other region's `regions add`",
                             called_from_command_line=called)
        own.add_argument("--json", action="store_true", help="print them as JSON")
        add = sub.add_parser("add", help="register a region or change its keys (reviewed)", called_from_command_line=called)
        add.add_argument("code", help="its six-digit region code")
        add.add_argument("--name", required=True, help="its name")
        add.add_argument("--verifier-key", required=True, help="its signed-note verifier key (its `regions self`)")
        add.add_argument("--encryption-key", required=True, help="its X25519 public key, base64 (its `regions self`)")
        add.add_argument("--actor", required=True, help="the clerk (经办员) or maintainer who opens it")
        add.add_argument("--reason", required=True, help="why (第十二条)")
        add.add_argument("--json", action="store_true", help='print {"transaction": UID}')
        listed = sub.add_parser("list", help="the registered regions", called_from_command_line=called)
        listed.add_argument("--json", action="store_true", help="print them as JSON")

    def handle(self, *args, **options) -> None:
        if options["action"] == "self":
            return self._self(options)
        if options["action"] == "list":
            return self._list(options)
        return self._add(options)

    def _self(self, options) -> None:
        from sirecords.regions.keys import own_region

        own = own_region()
        if options["json"]:
            self.stdout.write(json.dumps(own, ensure_ascii=False))
            return
        self.stdout.write(f"地区 region: {own['region']} {own['name']}")
        self.stdout.write(f"签名验证密钥 verifier key: {own['verifier_key']}")
        self.stdout.write(f"加密公钥 encryption key: {own['encryption_key']}")

    def _add(self, options) -> None:
        from sirecords.regions.services import register

        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"没有工作人员账户 / no staff account {options['actor']!r}")
        try:
            txn = register(actor, options["code"], name=options["name"], verifier_key=options["verifier_key"],
                           encryption_key=options["encryption_key"], reason=options["reason"], channel="cli")
        except (Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"transaction": txn.uid}))
            return
        self.stdout.write(f"登记地区 {options['code']} 已提交审核 / registering region {options['code']} submitted for "
                          f"review: transaction {txn.uid} ({txn.state})")

    def _list(self, options) -> None:
        from sirecords.regions.services import listing

        rows = listing()
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("尚未登记其他地区 / no region registered (sirecords regions add)")
        for row in rows:
            self.stdout.write(f"{row['code']}  {row['name']}  {row['verifier_key']}  {row['encryption_key']}")
