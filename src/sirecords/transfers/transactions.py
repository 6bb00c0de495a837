"""transfer_request (第十条, docs/transfers.md): the first step of a transfer between pooling regions. The region a
person joined (this one) asks the region they left for their record; the contact letter (联系函) is written once the
request is approved (transfers/services.py). A clerk opens it with the person's application scan; two stages approve it
(stages.toml: review1, approval).

Checks, each refused with its reason (again when the last stage approves, so a request approved late is still right):
- the person is registered here (this region is their pooling region) with at least one paid pension month — unless
  `collect`: gathering to the place of benefit the record of a person with no months here (66号 第六条);
- the region left is a six-digit code of another province (within a province it is a change of registration, not a
  transfer) and a registered region (sirecords regions add: its keys are what the letter is sealed with);
- not the temporary-account case (66号 第五条, engine/transfers.py `temporary_account`: a man 50+ or a woman 40+ who
  joined here on or after 2010-01-01 from another household-register province, the move not an approved assignment
  `assigned`): then the person's contributions here are kept in a temporary account and nothing is transferred here;
- no other request for the person still open.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from sirecords.contributions.counted import counted_rows
from sirecords.contributions.models import Contribution, InsuranceType
from sirecords.engine import transfers as transfer_rules
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.regions.models import Region
from sirecords.registry.maintenance_log import log_kind
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, region, unknown_fields
from sirecords.transfers.kinds import TRANSFER_REQUESTED
from sirecords.transfers.models import Direction, Transfer, TransferState
from sirecords.transfers.progress import due_on

TYPE = "transfer_request"
CREATORS = ("clerk",)
DOCUMENTS = ("transfer_application",)
FIELDS = {"person", "from", "collect", "assigned"}

log_kind(TRANSFER_REQUESTED, "转移接续申请")


def paid_months_here(person: str) -> bool:
    """At least one pension month of the person that counts (paid, not reversed) in this region's record."""
    rows = Contribution.objects.filter(person_id=person, insurance_type=InsuranceType.PENSION)
    return counted_rows(rows).exists()


def _flag(payload: dict[str, Any], name: str, errors: Errors) -> bool:
    value = payload.get(name, False)
    if not isinstance(value, bool):
        errors[name] = "应为 true 或 false / must be true or false"
        return False
    return value


def checked(payload: dict[str, Any], here: str) -> dict[str, Any]:
    """The request's fields, checked against the rules above; InvalidTransaction naming each bad field."""
    if not isinstance(payload, dict):
        raise InvalidTransaction({"payload": "must be an object"})
    errors = Errors()
    unknown_fields(payload, FIELDS, errors)
    collect, assigned = _flag(payload, "collect", errors), _flag(payload, "assigned", errors)
    old = region(payload, "from", errors)
    if old and old == here:
        errors["from"] = f"{old} 是本地区 / is this region: a transfer comes from another region"
    elif old and transfer_rules.province(old) == transfer_rules.province(here):
        errors["from"] = (f"{old} 与本地区 {here} 同省：属参保关系变更，不是跨省转移 / {old} is in this region's province "
                          f"({transfer_rules.province(here)}): a change of registration within the province, not a "
                          f"transfer between provinces")
    elif old and not Region.objects.filter(code=old).exists():
        errors["from"] = (f"地区 {old} 未登记 / region {old} is not a registered region (sirecords regions add): "
                          f"its keys are needed to send it the contact letter")
    uid = payload.get("person")
    person = Person.objects.filter(uid=uid).first() if isinstance(uid, str) and uid else None
    if person is None:
        errors["person"] = f"没有此人 / no person {uid!r} in the registry"
    elif person.pooling_region != here:
        errors["person"] = (f"此人参保地为 {person.pooling_region}，不在本地区 / the person is registered in "
                            f"{person.pooling_region}, not here ({here})")
    elif not collect and not paid_months_here(person.uid):
        errors["person"] = ("此人在本地区没有已缴费月份 / the person has no paid month here: a transfer moves a record "
                            "to where the person contributes (to gather the record to the place of benefit: --collect)")
    elif Transfer.objects.filter(person=person.uid, state=TransferState.REQUESTED).exists():
        errors["person"] = "此人已有未办结的转移申请 / the person has a transfer request still open"
    if person is not None and "person" not in errors and old and "from" not in errors and not collect:
        decision = transfer_rules.temporary_account(person.sex, person.birth_date, person.registered_on, person.region,
                                                    here, assigned).value
        if decision.temporary:
            errors["person"] = ("应在本地区建立临时基本养老保险缴费账户，不转入 / the person's contributions here are kept "
                                f"in a temporary account (66号 第五条), not transferred here: {decision.reason}")
    errors.raise_if_any()
    return {"person": person.uid, "from": old, "collect": collect, "assigned": assigned}


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(payload, dict):
        return []
    return [added("person", "参保人 person", payload.get("person")), added("from", "转出地 region left", payload.get("from")),
            added("collect", "归集到待遇领取地 collect", "是 yes" if payload.get("collect") else "否 no"),
            added("assigned", "工作调动 assigned", "是 yes" if payload.get("assigned") else "否 no")]


def _summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload.get("from") or "")] if isinstance(payload, dict) else []


@transaction_type(TYPE, gettext_lazy("Request a person's record from another pooling region (第十条)"),
                  creators=CREATORS, documents=DOCUMENTS, describe=_describe, summary=_summary)
def transfer_request(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    here = ctx.region or settings.SIRECORDS_REGION
    value = checked(payload, here)
    if Transfer.objects.filter(uid=ctx.txn).exists():
        raise InvalidTransaction({"transfer": f"transfer {ctx.txn} exists already"})
    after = {"person": value["person"], "direction": Direction.IN.value, "other_region": value["from"],
             "state": TransferState.REQUESTED.value, "collect": value["collect"], "assigned": value["assigned"],
             "requested_on": date.today().isoformat(), "due_on": due_on(date.today())}
    method = "归集申请 collect requested" if value["collect"] else "转入申请 transfer requested"
    return [NewEntry(TRANSFER_REQUESTED, f"person:{value['person']}",
                     {"target": "transfer", "uid": ctx.txn, "transfer": ctx.txn, "before": {}, "after": after,
                      "method": method})]
