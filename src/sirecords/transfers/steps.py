"""The steps of a transfer after the request (第十条, docs/transfers.md), each a reviewed transaction:

- transfer_out (the region left, this one): the contact letter verified, the person eligible, the relationship here
  ended and the record sent — the table and the funds computed by transfers/figures.py and shown to the reviewers;
  posted, the account moves out (0.00 here, the months kept for reference) and the package may be written;
- transfer_close (the joining region, this one): the region left's signed written refusal (书面说明) closes the
  request with its reason (no review stage: it records another agency's signed answer, checked by its signature);
- transfer_in (the joining region, this one): the package verified and its figures recomputed from its proofs, the
  funds received equal to ⑥; posted, the months and deemed months count here with their region kept and the account
  continues here (credited this year with the whole year's interest, contributions/summary.py).

Each handler opens its stored file again at posting (transfers/filestore.py), with the keys registered then.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext_lazy

from sirecords.core.identifiers import InvalidIdentifier
from sirecords.core.money import InvalidInput, fen_to_yuan, parse_amount, to_fen
from sirecords.engine import transfers as transfer_rules
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.regions.models import Region
from sirecords.registry.maintenance_log import log_kind
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, formatted
from sirecords.transfers import filestore
from sirecords.transfers.exchange import ExchangeRefused, content_json, open_file
from sirecords.transfers.figures import Figures, figures
from sirecords.transfers.kinds import TRANSFER_CLOSED, TRANSFER_RECEIVED, TRANSFER_SENT
from sirecords.transfers.models import Direction, Transfer, TransferState
from sirecords.transfers.package import Checked, PackageRefused, check_package
from sirecords.transfers.record import held

OUT, CLOSE, IN = "transfer_out", "transfer_close", "transfer_in"
CREATORS = ("clerk",)

log_kind(TRANSFER_SENT, "转出")
log_kind(TRANSFER_CLOSED, "转移终止")
log_kind(TRANSFER_RECEIVED, "转入")


def stored(payload: dict[str, Any], field: str) -> bytes:
    sha = payload.get(field) if isinstance(payload, dict) else None
    if not isinstance(sha, str) or len(sha) != 64 or not filestore.exists(sha):
        raise InvalidTransaction({field: "没有此文件 / the file is not in the transfer store"})
    return filestore.load(sha)


def _refused(field: str, error: Exception) -> InvalidTransaction:
    return InvalidTransaction({field: str(error)})


# --- the region left: transfer_out --------------------------------------------------------------------------------


def read_letter(data: bytes) -> tuple[dict[str, str], dict[str, Any]]:
    """The contact letter's header and content, verified; ExchangeRefused naming what is wrong."""
    header, content = open_file(data, "letter")
    letter = content_json(content)
    here = settings.SIRECORDS_REGION
    if letter.get("AAE270") != header["letter"] or letter.get("AAB301_to") != header["from"]:
        raise ExchangeRefused("联系函内容与信封不符 / the letter's content does not match its envelope")
    if letter.get("AAB301_from") != here:
        raise ExchangeRefused(f"联系函所指转出地为 {letter.get('AAB301_from')}，不是本地区 {here} / the letter asks "
                              f"region {letter.get('AAB301_from')}, not this region {here}")
    if transfer_rules.province(header["from"]) == transfer_rules.province(here):
        raise ExchangeRefused(f"{header['from']} 与本地区同省：属参保关系变更，不是跨省转移 / {header['from']} is in this "
                              "region's province: a change of registration within the province, not a transfer")
    return header, letter


def ineligible(person: Person) -> str | None:
    """Why the person's relationship cannot move from here (a pensioner, an open dispute or transfer), or None."""
    if Transfer.objects.filter(person=person.uid, direction=Direction.OUT).exists():
        return "此人的关系已转出 / the person's relationship was transferred out already"
    if Transfer.objects.filter(person=person.uid, state=TransferState.REQUESTED).exists():
        return "此人有未办结的转移 / the person has a transfer still open"
    if apps.is_installed("sirecords.benefits") and apps.get_model("benefits", "Award").objects.filter(
            person_id=person.uid).exclude(status="ended").exists():
        return "此人已领取基本养老金，不转移 / the person draws a basic pension: no transfer (66号 第三条)"
    if apps.is_installed("sirecords.disputes") and apps.get_model("disputes", "Case").objects.filter(
            person=person.uid, state__in=("received", "examining")).exists():
        return "此人有未办结的权益记录异议 / the person has a dispute of the record still open (第十六条)"
    return None


def letter_person(letter: dict[str, Any]) -> Person:
    """The person the letter names, registered here under the same name; ExchangeRefused otherwise."""
    try:
        person = find_person_by_id_number(str(letter.get("AAC002", "")))
    except InvalidIdentifier as invalid:
        raise ExchangeRefused(f"AAC002: {invalid.message}") from None
    if person is None or person.pooling_region != settings.SIRECORDS_REGION:
        raise ExchangeRefused("本地区没有此人的参保关系 / no insured person of this region has this ID number")
    if person.name != letter.get("AAC003"):
        raise ExchangeRefused("姓名与本地区登记不符 / the name does not match the name registered here")
    return person


def figured_out(person: Person) -> Figures:
    return figures(held(person.uid, settings.SIRECORDS_REGION, date.today().year).record)


def _letter_checked(payload: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], Person]:
    data = stored(payload, "letter_sha256")
    try:
        header, letter = read_letter(data)
        person = letter_person(letter)
    except ExchangeRefused as refused:
        raise _refused("letter", refused) from None
    if Transfer.objects.filter(uid=header["letter"]).exists():
        raise InvalidTransaction({"letter": f"联系函 {header['letter']} 已办理 / letter {header['letter']} was answered already"})
    why = ineligible(person)
    if why:
        raise InvalidTransaction({"person": why})
    return header, letter, person


def _describe_out(payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        header, letter, person = _letter_checked(payload)
    except InvalidTransaction as invalid:
        return [added("letter", "联系函 letter", "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))]
    figured = figured_out(person)
    out = [added("letter", "联系函 letter (AAE270)", header["letter"]), added("to", "转入地 region joined", header["from"]),
           added("person", "参保人 person", person.uid)]
    for name, label in (("account_pre1998", "① 1998年前个人缴费 AIC093"), ("account_to_last_year_end", "② 上年末账户 AIC089"),
                        ("account_this_year", "③ 当年本金 AIC082"), ("account", "④ 个人账户 AIC083"),
                        ("pooled", "⑤ 统筹基金 AIC084"), ("total", "⑥ 转移合计 AIC102")):
        out.append(added(name, label, figured.funds[name]))
    for row in figured.rows:
        label = f"{row['region']} {row['first']}–{row['last']}"
        text = (f"{row['months']} 月 months × {row['base']}" if row["months"] else f"视同 deemed {row['deemed']} 月 months")
        if row.get("stays"):
            text += f" — 不转移 stays ({row['stays']})"
        out.append(added("row", label, text))
    return out


@transaction_type(OUT, gettext_lazy("Transfer a person's record to another pooling region (第十条)"), creators=CREATORS,
                  describe=_describe_out)
def transfer_out(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    header, letter, person = _letter_checked(payload)
    figured = figured_out(person)
    today = date.today().isoformat()
    after = {"person": person.uid, "direction": Direction.OUT.value, "other_region": header["from"],
             "state": TransferState.SENT.value, "collect": bool(letter.get("collect")),
             "requested_on": str(letter.get("requested_on", ""))[:10], "ended_on": today,
             "months": len(figured.months), "deemed_months": figured.deemed_months,
             "account_fen": figured.fen.account, "pooled_fen": figured.fen.pooled}
    return [NewEntry(TRANSFER_SENT, f"person:{person.uid}",
                     {"target": "transfer", "uid": header["letter"], "transfer": header["letter"], "before": {},
                      "after": after, "method": "转出 transferred out", "letter_sha256": payload["letter_sha256"],
                      "rows": figured.rows, "funds": figured.funds})]


# --- the joining region: transfer_close and transfer_in -------------------------------------------------------------


def asked_of(letter: str, sender: str) -> Transfer:
    """This region's transfer whose letter `letter` went to `sender` (in whatever state); ExchangeRefused otherwise."""
    transfer = Transfer.objects.filter(uid=letter, direction=Direction.IN).first()
    if transfer is None:
        raise ExchangeRefused(f"本地区没有发出联系函 {letter} / this region sent no letter {letter}")
    if transfer.other_region != sender:
        raise ExchangeRefused(f"联系函 {letter} 寄往 {transfer.other_region}，不是 {sender} / letter {letter} was sent to "
                              f"{transfer.other_region}, not to {sender}")
    return transfer


def _open_request(letter: str, sender: str) -> Transfer:
    return awaiting(asked_of(letter, sender))


def awaiting(transfer: Transfer) -> Transfer:
    """The transfer, if its request still awaits the region left's answer; ExchangeRefused saying why not."""
    letter = transfer.uid
    if transfer.state == TransferState.RECEIVED:
        raise ExchangeRefused(f"转移 {letter} 已转入：同一信息包或更早的信息包不再接收（补转信息包须更新）/ transfer {letter} "
                              "was received already: this package or an earlier one is not taken again (only a later "
                              "supplementary package is)")
    if transfer.state != TransferState.REQUESTED:
        raise ExchangeRefused(f"转移 {letter} 已办结（{transfer.state}）：不再接收 / transfer {letter} has ended "
                              f"({transfer.state}): nothing more is received for it")
    return transfer


def read_refusal(data: bytes) -> tuple[Transfer, str]:
    header, content = open_file(data, "refusal")
    refusal = content_json(content)
    reason = str(refusal.get("reason", "")).strip()
    if refusal.get("AAE270") != header["letter"] or not reason:
        raise ExchangeRefused("书面说明不完整 / the written refusal names no letter or no reason")
    return _open_request(header["letter"], header["from"]), reason


def _describe_close(payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        transfer, reason = read_refusal(stored(payload, "refusal_sha256"))
    except (ExchangeRefused, InvalidTransaction) as refused:
        return [added("refusal", "书面说明 refusal", str(refused))]
    return [added("transfer", "转移 transfer", transfer.uid), added("reason", "不予转移理由 reason", reason)]


@transaction_type(CLOSE, gettext_lazy("Close a transfer request refused by the region left (第十条)"), creators=CREATORS,
                  describe=_describe_close)
def transfer_close(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    try:
        transfer, reason = read_refusal(stored(payload, "refusal_sha256"))
    except ExchangeRefused as refused:
        raise _refused("refusal", refused) from None
    after = {"state": TransferState.CLOSED.value, "ended_on": date.today().isoformat(), "refusal": reason}
    return [NewEntry(TRANSFER_CLOSED, f"person:{transfer.person}",
                     {"target": "transfer", "uid": transfer.uid, "transfer": transfer.uid,
                      "before": {"state": transfer.state}, "after": after, "method": "转出地书面说明 refused in writing",
                      "refusal_sha256": payload["refusal_sha256"]})]


def package_of(data: bytes, *, state: str | None) -> tuple[Transfer, Checked]:
    """(transfer, checked package) of a package file for one of this region's transfers: an open request (`state`
    requested: a first package) or any (None: a supplementary package, or a package shown); ExchangeRefused or
    PackageRefused saying why not."""
    header, content = open_file(data, "package")
    region = Region.objects.get(code=header["from"])
    checked = check_package(content, verifier_key=region.verifier_key, region=header["from"])
    if checked.content.get("AAE270") != header["letter"] or checked.content.get("to") != settings.SIRECORDS_REGION:
        raise PackageRefused("包内容与信封不符 / the package's content does not match its envelope")
    if state == TransferState.REQUESTED:
        transfer = _open_request(header["letter"], header["from"])
    else:
        transfer = asked_of(header["letter"], header["from"])
    person = Person.objects.get(uid=transfer.person)
    if (checked.content.get("person") or {}).get("AAC002") != person.id_number:
        raise PackageRefused("包所载人员与联系函不符 / the package is about another person than the letter")
    return transfer, checked


def supplement_number(checked: Checked) -> int:
    """The package's supplement (0: the first package); PackageRefused unless a whole number ≥ 0."""
    number = checked.content.get("supplement", 0)
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise PackageRefused("补转次数应为非负整数 / the package's supplement must be a whole number ≥ 0")
    return number


def read_package(data: bytes) -> tuple[Transfer, Checked]:
    """(transfer, checked package) of a package file for one of this region's open requests (a supplementary package
    that arrives first is taken as the first: it is the whole record, corrected)."""
    return package_of(data, state=TransferState.REQUESTED)


def overlap(person: str, months: list[dict[str, Any]]) -> list[str]:
    """Months paid here that the package brings too (先转后清: listed for clean-up after the transfer)."""
    from sirecords.accounts.years import actual_months

    here = set(actual_months(person))
    return sorted({m["period"] for m in months} & here)


def amount_received(payload: dict[str, Any], *, allow_negative: bool = False) -> int:
    try:
        return to_fen(parse_amount(payload.get("funds_amount"), allow_negative=allow_negative))
    except (InvalidInput, TypeError, ValueError):
        raise InvalidTransaction({"funds_amount": "应为金额（元，两位小数）/ must be an amount in yuan"}) from None


def received_checked(payload: dict[str, Any]):
    try:
        transfer, checked = read_package(stored(payload, "package_sha256"))
    except (ExchangeRefused, PackageRefused) as refused:
        raise _refused("package", refused) from None
    amount = amount_received(payload)
    if amount != checked.figures.fen.total:
        raise InvalidTransaction({"funds_amount": f"收到 {fen_to_yuan(amount)}，应为 ⑥ {fen_to_yuan(checked.figures.fen.total)}"
                                                  f" / received {fen_to_yuan(amount)}, the package's total ⑥ is "
                                                  f"{fen_to_yuan(checked.figures.fen.total)}"})
    return transfer, checked, funds_reference(payload)


def funds_reference(payload: dict[str, Any]) -> str:
    errors = Errors()
    reference = formatted(payload, "funds_ref", errors, required=True, max_length=64)  # NFKC, no control characters
    errors.raise_if_any()
    return reference


def _describe_in(payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        transfer, checked, reference = received_checked(payload)
    except InvalidTransaction as invalid:
        return [added("package", "转移信息表 package", "; ".join(f"{k}: {v}" for k, v in invalid.errors.items()))]
    funds = checked.figures.funds
    rows = [added("transfer", "转移 transfer", transfer.uid), added("from", "转出地 region left", transfer.other_region),
            added("funds_ref", "到账凭证 funds reference", reference),
            added("months", "转入缴费月数 months", len(checked.figures.months)),
            added("deemed_months", "视同缴费月数 deemed months", checked.figures.deemed_months)]
    rows += [added(name, name, funds[name]) for name in ("account", "pooled", "total")]
    both = overlap(transfer.person, checked.figures.months)
    if both:
        rows.append(added("overlap", "重复缴费月份（先转后清）months paid in both regions", ", ".join(both)))
    return rows


@transaction_type(IN, gettext_lazy("Receive a person's record from another pooling region (第十条)"), creators=CREATORS,
                  describe=_describe_in)
def transfer_in(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    transfer, checked, reference = received_checked(payload)
    figured = checked.figures
    after = {"state": TransferState.RECEIVED.value, "ended_on": date.today().isoformat(), "months": len(figured.months),
             "deemed_months": figured.deemed_months, "account_fen": figured.fen.account, "pooled_fen": figured.fen.pooled,
             "funds_ref": reference, "supplements": supplement_number(checked)}
    after["supplemented_on"] = after["ended_on"] if after["supplements"] else ""
    return [NewEntry(TRANSFER_RECEIVED, f"person:{transfer.person}",
                     {"target": "transfer", "uid": transfer.uid, "transfer": transfer.uid,
                      "before": {"state": transfer.state}, "after": after, "method": "转入 received",
                      "package_sha256": payload["package_sha256"], "months": figured.months, "deemed": figured.deemed,
                      "overlap": overlap(transfer.person, figured.months), "funds": figured.funds})]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
