"""Supplementary packages (补转, 第十条; docs/transfers.md "A correction after the transfer"): the region left keeps the
record for reference, and a correction of a month before the transfer (correct_contributions, refund_contributions, a
corrected account year) changes what was sent. Both steps are reviewed transactions:

- transfer_supplement_out (the region left, this one): the record's table and funds computed again for the transfer
  year (transfers/figures.py) and compared with what was last sent; refused when nothing changed. Posted, the
  transfer's figures are the corrected ones (`supplements` + 1) and `sirecords transfer package UID` writes the
  supplementary package: the whole record again, up to a newer checkpoint, with `"supplement": n`.
- transfer_supplement_in (the joining region, this one): a package for a transfer received here whose `supplement`
  is later than any taken, checked as a first package is (signature, checkpoint, proofs, count and digest, figures
  recomputed from the proven pieces). The funds received are the difference of ⑥, new − received (negative: the
  amount goes back to the region left). Posted, its months, deemed months and account replace what the transfer brought
  here: months it no longer holds are withdrawn, the account's difference is credited in the transfer year (a year
  credited already is credited again, as for any late correction: sirecords credit --year Y).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from sirecords.accounts.models import DeemedService
from sirecords.contributions.models import TransferredMonth
from sirecords.core.canonical import canonical_bytes
from sirecords.core.money import fen_to_yuan
from sirecords.crypto.envelope import LETTER
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.registry.maintenance_log import log_kind
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transfers.exchange import ExchangeRefused
from sirecords.transfers.figures import Figures, figures
from sirecords.transfers.kinds import TRANSFER_SENT, TRANSFER_SUPPLEMENT_RECEIVED, TRANSFER_SUPPLEMENT_SENT
from sirecords.transfers.models import Direction, Transfer, TransferState
from sirecords.transfers.package import Checked, PackageRefused
from sirecords.transfers.record import held
from sirecords.transfers.steps import amount_received, funds_reference, overlap, package_of, stored, supplement_number

OUT, IN = "transfer_supplement_out", "transfer_supplement_in"
CREATORS = ("clerk",)

log_kind(TRANSFER_SUPPLEMENT_SENT, "补转")
log_kind(TRANSFER_SUPPLEMENT_RECEIVED, "补转转入")

FIGURES = ("months", "deemed_months", "account_fen", "pooled_fen", "supplements")


def _latest(transfer: Transfer, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The payload of the latest entry of `kinds` about the transfer (what was last sent or received)."""
    entries = Entry.objects.filter(kind__in=kinds, subject=f"person:{transfer.person}").order_by("-seq")
    for entry in entries.only("payload").iterator():
        payload = json.loads(entry.payload)
        if payload.get("transfer") == transfer.uid:
            return payload
    raise LookupError(f"no {'/'.join(kinds)} entry for transfer {transfer.uid} (run sirecords verify)")


def last_sent(transfer: Transfer) -> dict[str, Any]:
    return _latest(transfer, (TRANSFER_SENT, TRANSFER_SUPPLEMENT_SENT))


def _figures_of(transfer: Transfer) -> dict[str, Any]:
    return {name: getattr(transfer, name) for name in FIGURES}


# --- the region left: transfer_supplement_out ------------------------------------------------------------------------


def _sent(payload: dict[str, Any]) -> Transfer:
    uid = payload.get("transfer") if isinstance(payload, dict) else None
    if not isinstance(uid, str) or not LETTER.match(uid):  # checked before it reaches a query (a NUL, a megabyte)
        raise InvalidTransaction({"transfer": "应为联系函编号 / must be a letter id (AAE270)"})
    transfer = Transfer.objects.filter(uid=uid, direction=Direction.OUT).first()
    if transfer is None:
        raise InvalidTransaction({"transfer": f"没有已转出的转移 {uid} / no transfer {uid!r} sent from this region"})
    return transfer


def figured_again(transfer: Transfer) -> Figures:
    """The table and funds of the record held here for the transfer year, as they are now."""
    return figures(held(transfer.person, settings.SIRECORDS_REGION, int(transfer.ended_on[:4])).record)


def _changed(payload: dict[str, Any]) -> tuple[Transfer, dict[str, Any], Figures]:
    transfer = _sent(payload)
    before = last_sent(transfer)
    figured = figured_again(transfer)
    if (canonical_bytes(figured.rows) == canonical_bytes(before["rows"])
            and canonical_bytes(figured.funds) == canonical_bytes(before["funds"])):
        raise InvalidTransaction({"transfer": "转出后记录未更正，无需补转 / the record has not changed since it was sent: "
                                              "nothing to send again"})
    return transfer, before, figured


def _difference(before: dict[str, Any], figured: Figures) -> int:
    return figured.fen.total - (before["after"]["account_fen"] + before["after"]["pooled_fen"])


def _describe_out(payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        transfer, before, figured = _changed(payload)
    except InvalidTransaction as invalid:
        return [added("transfer", "转移 transfer", "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))]
    out = [added("transfer", "转移 transfer (AAE270)", transfer.uid),
           added("to", "转入地 region joined", transfer.other_region),
           added("supplement", "补转次数 supplement", transfer.supplements + 1)]
    for name, label in (("account", "④ 个人账户 AIC083"), ("pooled", "⑤ 统筹基金 AIC084"), ("total", "⑥ 转移合计 AIC102")):
        out.append({"field": name, "label": label, "before": before["funds"][name], "after": figured.funds[name]})
    out.append({"field": "months", "label": "缴费月数 months", "before": str(before["after"]["months"]),
                "after": str(len(figured.months))})
    out.append(added("difference", "应补转（负数为应退回）difference to send (negative: to be returned)",
                     fen_to_yuan(_difference(before, figured))))
    return out


@transaction_type(OUT, gettext_lazy("Send a transferred record again after a correction (第十条)"), creators=CREATORS,
                  describe=_describe_out)
def transfer_supplement_out(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    transfer, before, figured = _changed(payload)
    after = {"months": len(figured.months), "deemed_months": figured.deemed_months, "account_fen": figured.fen.account,
             "pooled_fen": figured.fen.pooled, "supplements": transfer.supplements + 1,
             "supplemented_on": date.today().isoformat()}
    return [NewEntry(TRANSFER_SUPPLEMENT_SENT, f"person:{transfer.person}",
                     {"target": "transfer", "uid": transfer.uid, "transfer": transfer.uid,
                      "before": _figures_of(transfer), "after": after, "method": "更正后补转 sent again after a correction",
                      "rows": figured.rows, "funds": figured.funds,
                      "difference": fen_to_yuan(_difference(before, figured))})]


# --- the joining region: transfer_supplement_in ----------------------------------------------------------------------


def read_supplement(data: bytes) -> tuple[Transfer, Checked, int]:
    """(transfer, checked package, supplement number) of a supplementary package for a transfer received here, later
    than any taken; ExchangeRefused or PackageRefused saying why not."""
    transfer, checked = package_of(data, state=None)
    return transfer, checked, later_supplement(transfer, checked)


def later_supplement(transfer: Transfer, checked: Checked) -> int:
    """The supplement number of a checked package for `transfer`, if the transfer was received here and the package is
    later than any taken; ExchangeRefused otherwise."""
    if transfer.state != TransferState.RECEIVED:
        raise ExchangeRefused(f"转移 {transfer.uid} 未转入（{transfer.state}）/ transfer {transfer.uid} was not received "
                              f"here ({transfer.state}): a supplementary package follows a package received")
    number = supplement_number(checked)
    if number <= transfer.supplements:
        raise ExchangeRefused(f"此信息包已收到或早于已收到的（补转 {number}，已收到 {transfer.supplements}）/ this package "
                              f"was received before or is older than one received (supplement {number}, received up "
                              f"to {transfer.supplements})")
    return number


def supplement_checked(payload: dict[str, Any]) -> tuple[Transfer, Checked, int, str]:
    try:
        transfer, checked, number = read_supplement(stored(payload, "package_sha256"))
    except (ExchangeRefused, PackageRefused) as refused:
        raise InvalidTransaction({"package": str(refused)}) from None
    difference = checked.figures.fen.total - (transfer.account_fen + transfer.pooled_fen)
    amount = amount_received(payload, allow_negative=True)
    if amount != difference:
        raise InvalidTransaction({"funds_amount": f"收到 {fen_to_yuan(amount)}，应为 ⑥ 之差 {fen_to_yuan(difference)}"
                                                  f" / received {fen_to_yuan(amount)}, the difference of ⑥ (new − "
                                                  f"received) is {fen_to_yuan(difference)} (negative: returned)"})
    return transfer, checked, number, funds_reference(payload)


def _received_deemed(transfer: Transfer) -> int:
    return DeemedService.objects.filter(uid__startswith=f"{transfer.uid[:24]}:deemed").count()


def _describe_in(payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        transfer, checked, number, reference = supplement_checked(payload)
    except InvalidTransaction as invalid:
        return [added("package", "补转信息包 package", "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))]
    fen = checked.figures.fen
    rows = [added("transfer", "转移 transfer", transfer.uid), added("from", "转出地 region left", transfer.other_region),
            added("supplement", "补转次数 supplement", number), added("funds_ref", "到账凭证 funds reference", reference),
            {"field": "months", "label": "转入缴费月数 months", "before": str(transfer.months),
             "after": str(len(checked.figures.months))},
            {"field": "deemed_months", "label": "视同缴费月数 deemed months", "before": str(transfer.deemed_months),
             "after": str(checked.figures.deemed_months)},
            {"field": "account", "label": "④ 个人账户", "before": fen_to_yuan(transfer.account_fen),
             "after": fen_to_yuan(fen.account)},
            {"field": "pooled", "label": "⑤ 统筹基金", "before": fen_to_yuan(transfer.pooled_fen),
             "after": fen_to_yuan(fen.pooled)}]
    both = overlap(transfer.person, checked.figures.months)
    if both:
        rows.append(added("overlap", "重复缴费月份（先转后清）months paid in both regions", ", ".join(both)))
    return rows


@transaction_type(IN, gettext_lazy("Receive a supplementary package after a correction in the region left (第十条)"),
                  creators=CREATORS, describe=_describe_in)
def transfer_supplement_in(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    transfer, checked, number, reference = supplement_checked(payload)
    figured = checked.figures
    periods = {m["period"] for m in figured.months}
    before_periods = sorted(TransferredMonth.objects.filter(transfer=transfer.uid).values_list("period", flat=True))
    after = {"state": TransferState.RECEIVED.value, "months": len(figured.months),
             "deemed_months": figured.deemed_months, "account_fen": figured.fen.account, "pooled_fen": figured.fen.pooled,
             "funds_ref": reference, "supplements": number, "supplemented_on": date.today().isoformat()}
    return [NewEntry(TRANSFER_SUPPLEMENT_RECEIVED, f"person:{transfer.person}",
                     {"target": "transfer", "uid": transfer.uid, "transfer": transfer.uid,
                      "before": {**_figures_of(transfer), "deemed_rows": _received_deemed(transfer)}, "after": after,
                      "method": "补转转入 supplement received", "package_sha256": payload["package_sha256"],
                      "months": figured.months, "deemed": figured.deemed,
                      "withdrawn": [p for p in before_periods if p not in periods],
                      "overlap": overlap(transfer.person, figured.months), "funds": figured.funds})]
