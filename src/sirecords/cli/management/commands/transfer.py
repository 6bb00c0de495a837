"""``sirecords transfer request ID_NUMBER --from REGION --document SCAN [--collect] [--assigned] --actor USER --reason
TEXT [--json]`` and ``sirecords transfer letter UID --out FILE`` (第十条, docs/transfers.md).

`request` opens and submits the reviewed transfer_request of the region the person joined (this one), with the
person's application scan; with --json it prints {"transaction": UID}. It is refused with the reason when the person
has no paid month here (unless --collect), when REGION is in this province or not a registered region, and in the
temporary-account case (unless --assigned). `letter` writes the approved request's contact letter (联系函), sealed to
the region left, to FILE and to $SIRECORDS_HOME/outbox/<region>/<letter>.letter.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow.services import Refused


class Command(BaseCommand):
    help = "基本养老保险关系转移接续 Transfers between pooling regions (第十条): the request and its contact letter"
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        called = getattr(parser, "called_from_command_line", None)
        ask = sub.add_parser("request", help="request a person's record from the region they left (reviewed)",
                             called_from_command_line=called)
        ask.add_argument("id_number", metavar="ID_NUMBER", help="the person's ID number")
        ask.add_argument("--from", dest="from_region", required=True, metavar="REGION",
                         help="the six-digit region the person left (a registered region of another province)")
        ask.add_argument("--document", required=True, metavar="SCAN", help="the person's application (PDF, JPEG, PNG)")
        ask.add_argument("--collect", action="store_true",
                         help="gather the record of a person with no months here to the place of benefit (66号 第六条)")
        ask.add_argument("--assigned", action="store_true",
                         help="an approved assignment (调动): no temporary account (66号 第五条)")
        ask.add_argument("--actor", required=True, help="the clerk (经办员) who opens it")
        ask.add_argument("--reason", required=True, help="why (第十二条)")
        ask.add_argument("--json", action="store_true", help='print {"transaction": UID}')
        write = sub.add_parser("letter", help="write the approved request's contact letter (联系函)",
                               called_from_command_line=called)
        write.add_argument("uid", metavar="UID", help="the transfer_request transaction")
        write.add_argument("--out", required=True, metavar="FILE", help="where to write the envelope")

    def handle(self, *args, **options) -> None:
        if options["action"] == "letter":
            return self._letter(options)
        return self._request(options)

    def _request(self, options) -> None:
        from sirecords.transfers.services import request

        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"没有工作人员账户 / no staff account {options['actor']!r}")
        path = Path(options["document"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取 / cannot read {path}: {error.strerror}") from None
        try:
            txn = request(actor, options["id_number"], from_region=options["from_region"], document=data,
                          document_name=path.name, collect=options["collect"], assigned=options["assigned"],
                          reason=options["reason"], channel="cli")
        except (Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"transaction": txn.uid}))
            return
        self.stdout.write(f"转移接续申请已提交审核 / transfer request submitted for review: transaction {txn.uid} "
                          f"({txn.state})")

    def _letter(self, options) -> None:
        from sirecords.transfers.services import LetterRefused, write_letter

        try:
            letter = write_letter(options["uid"], Path(options["out"]))
        except LetterRefused as refused:
            raise CommandError(str(refused)) from None
        except OSError as error:
            raise CommandError(f"无法写入 / cannot write {options['out']}: {error.strerror}") from None
        self.stdout.write(f"联系函 {letter.letter} 已写出，寄往 {letter.to_region} / contact letter {letter.letter} to "
                          f"{letter.to_region} written: {options['out']} (outbox {letter.outbox})")
