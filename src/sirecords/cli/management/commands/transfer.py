"""``sirecords transfer request|letter|out|refuse|close|supplement|package|show|receive`` (第十条, docs/transfers.md).

The region joined: ``request ID_NUMBER --from REGION --document SCAN [--collect] [--assigned] --actor USER --reason
TEXT [--json]`` opens and submits transfer_request ({"transaction": UID}); ``letter UID --out FILE`` writes the
approved request's contact letter; ``show FILE --json`` decrypts and checks a package ({"from", "to", "transfer",
"person" (masked), "rows", "funds"}); ``receive FILE --funds-ref REF --funds-amount AMOUNT --actor USER --reason TEXT
[--json]`` opens transfer_in ({"transaction", "months", "deemed_months", "account", "pooled", "total"}), or, for a
supplementary package of a transfer received, transfer_supplement_in (the same, with "supplement" and "difference":
AMOUNT is then the difference of ⑥, negative when it goes back); ``close FILE
--actor USER [--json]`` records the region left's written refusal (transfer_close).

The region left: ``out LETTER --actor USER --reason TEXT [--json]`` opens transfer_out; ``refuse LETTER --reason TEXT
--actor USER --out FILE`` writes the signed written answer; ``supplement UID --actor USER --reason TEXT [--json]``
opens transfer_supplement_out once a month before the transfer was corrected; ``package UID --out FILE`` writes the
package of a transfer sent (after a supplement, the supplementary package: the whole record, corrected).
Every refusal exits non-zero with its reason and opens nothing.
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
    help = ("基本养老保险关系转移接续 Transfers between pooling regions (第十条): request, letter, out, refuse, close, "
            "package, show, receive")
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
        out = sub.add_parser("out", help="(region left) answer a contact letter: open transfer_out (reviewed)",
                             called_from_command_line=called)
        out.add_argument("letter", metavar="LETTER", help="the contact letter's file")
        out.add_argument("--actor", required=True, help="the clerk (经办员) who opens it")
        out.add_argument("--reason", required=True, help="why (第十二条)")
        out.add_argument("--json", action="store_true", help='print {"transaction": UID}')
        no = sub.add_parser("refuse", help="(region left) write the signed written answer (书面说明) to a letter",
                            called_from_command_line=called)
        no.add_argument("letter", metavar="LETTER", help="the contact letter's file")
        no.add_argument("--reason", required=True, help="why the record does not move (sent to the region joined)")
        no.add_argument("--actor", required=True, help="the clerk who answers")
        no.add_argument("--out", required=True, metavar="FILE", help="where to write the refusal")
        close = sub.add_parser("close", help="(region joined) close a request with the region left's signed refusal",
                               called_from_command_line=called)
        close.add_argument("file", metavar="FILE", help="the refusal's file")
        close.add_argument("--actor", required=True, help="the clerk who records it")
        close.add_argument("--json", action="store_true", help='print {"transaction": UID}')
        again = sub.add_parser("supplement", help="(region left) send a transferred record again after a correction of "
                                                  "a month before the transfer: open transfer_supplement_out (reviewed)",
                               called_from_command_line=called)
        again.add_argument("uid", metavar="UID", help="the transfer (the letter's id, AAE270)")
        again.add_argument("--actor", required=True, help="the clerk (经办员) who opens it")
        again.add_argument("--reason", required=True, help="why (第十二条): the correction")
        again.add_argument("--json", action="store_true", help='print {"transaction": UID}')
        package = sub.add_parser("package", help="(region left) write the package of a transfer sent",
                                 called_from_command_line=called)
        package.add_argument("uid", metavar="UID", help="the transfer (the letter's id, AAE270)")
        package.add_argument("--out", required=True, metavar="FILE", help="where to write the envelope")
        show = sub.add_parser("show", help="(region joined) decrypt and check a package, print what it holds",
                              called_from_command_line=called)
        show.add_argument("file", metavar="FILE", help="the package's file")
        show.add_argument("--json", action="store_true", help="print JSON")
        take = sub.add_parser("receive", help="(region joined) receive a package and its funds: open transfer_in",
                              called_from_command_line=called)
        take.add_argument("file", metavar="FILE", help="the package's file")
        take.add_argument("--funds-ref", required=True, metavar="REF", help="the bank reference of the funds received")
        take.add_argument("--funds-amount", required=True, metavar="AMOUNT",
                          help="the amount received, yuan (= ⑥; a supplementary package: the difference of ⑥)")
        take.add_argument("--actor", required=True, help="the clerk who opens it")
        take.add_argument("--reason", required=True, help="why (第十二条)")
        take.add_argument("--json", action="store_true",
                          help='print {"transaction", "months", "deemed_months", "account", "pooled", "total"}')

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "request":
            return self._request(options)
        if action in ("letter", "package"):
            return self._write(options)
        from sirecords.transfers.exchange import ExchangeRefused
        from sirecords.transfers.package import PackageRefused

        try:
            return getattr(self, f"_{action}")(options)
        except (ExchangeRefused, PackageRefused, Refused, InvalidTransaction) as refused:
            raise CommandError(str(refused)) from None

    def _actor(self, options):
        actor = actor_for(options["actor"])
        if actor is None:
            raise CommandError(f"没有工作人员账户 / no staff account {options['actor']!r}")
        return actor

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取 / cannot read {name}: {error.strerror}") from None

    def _opened(self, options, txn) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps({"transaction": txn.uid}))
        else:
            self.stdout.write(f"事务 {txn.uid}（{txn.type}）：{txn.state} / transaction {txn.uid} ({txn.type}): {txn.state}")

    def _out(self, options) -> None:
        from sirecords.transfers.services import send_out

        actor = self._actor(options)
        txn = send_out(actor, self._read(options["letter"]), reason=options["reason"], channel="cli")
        self._opened(options, txn)

    def _supplement(self, options) -> None:
        from sirecords.transfers.services import LetterRefused, supplement

        try:
            txn = supplement(self._actor(options), options["uid"], reason=options["reason"], channel="cli")
        except LetterRefused as refused:
            raise CommandError(str(refused)) from None
        self._opened(options, txn)

    def _refuse(self, options) -> None:
        from sirecords.transfers.services import refuse

        self._actor(options)
        outbox = refuse(self._read(options["letter"]), reason=options["reason"], out=Path(options["out"]))
        self.stdout.write(f"书面说明已写出 / written refusal written: {options['out']} (outbox {outbox})")

    def _close(self, options) -> None:
        from sirecords.transfers.services import close

        txn = close(self._actor(options), self._read(options["file"]), channel="cli")
        self._opened(options, txn)

    def _show(self, options) -> None:
        from sirecords.transfers.services import show

        shown = show(self._read(options["file"]))
        if options["json"]:
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
            return
        self.stdout.write(f"{shown['from']} → {shown['to']}  {shown['person']['name']} {shown['person']['id_number']}")
        for row in shown["rows"]:
            self.stdout.write(f"  {row['region']} {row['first']}–{row['last']} {row['months']} × {row['base']}"
                              f"{'  deemed ' + str(row['deemed']) if row['deemed'] else ''}")
        self.stdout.write("  " + "  ".join(f"{k} {v}" for k, v in shown["funds"].items() if k != "excluded"))

    def _receive(self, options) -> None:
        from sirecords.transfers.services import receive

        actor = self._actor(options)
        txn, figures = receive(actor, self._read(options["file"]), funds_ref=options["funds_ref"],
                               funds_amount=options["funds_amount"], reason=options["reason"], channel="cli")
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self._opened(options, txn)

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

    def _write(self, options) -> None:
        from sirecords.transfers.exchange import ExchangeRefused
        from sirecords.transfers.services import LetterRefused, write_letter, write_package

        try:
            if options["action"] == "letter":
                letter = write_letter(options["uid"], Path(options["out"]))
                self.stdout.write(f"联系函 {letter.letter} 已写出，寄往 {letter.to_region} / contact letter "
                                  f"{letter.letter} to {letter.to_region} written: {options['out']} (outbox {letter.outbox})")
                return
            outbox = write_package(options["uid"], Path(options["out"]))
            self.stdout.write(f"转移信息包已写出 / package written: {options['out']} (outbox {outbox})")
        except (LetterRefused, ExchangeRefused) as refused:
            raise CommandError(str(refused)) from None
        except OSError as error:
            raise CommandError(f"无法写入 / cannot write {options['out']}: {error.strerror}") from None
