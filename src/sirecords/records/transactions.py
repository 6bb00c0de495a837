"""withhold_read_disclosure: an administrative or judicial body that queried a person's record (第十八条) orders that
its reads be kept from the person until a date, so that "who read my record" does not warn the subject of an
investigation. Reviewed (stages.toml), with the written order attached; the reads it covers are those whose stated
purpose is the body's case (`case [<reference>]`), before or after the order is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.records.kinds import READ_DISCLOSURE_WITHHELD
from sirecords.records.purposes import canonical
from sirecords.registry.models import Person
from sirecords.transactions.posting import added, transaction_type
from sirecords.transactions.validation import Errors, a_date, text, unknown_fields

# The purpose code of a query by an administrative or judicial body (settings.SIRECORDS_READ_PURPOSES).
CASE_PURPOSE = "case"
MAX_YEARS = 5  # an order keeps reads from the person for at most this long; a longer one is renewed


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added("person", "人员 person", payload.get("person")),
            added("reference", "案件编号 case reference", payload.get("reference")),
            added("authority", "决定机关 ordering authority", payload.get("authority")),
            added("disclose_on", "告知日期 disclose on", payload.get("disclose_on"))]


def check(payload: dict[str, Any]) -> dict[str, Any]:
    """The canonical order, or InvalidTransaction naming each field at fault."""
    errors = Errors()
    unknown_fields(payload, {"person", "reference", "authority", "disclose_on"}, errors)
    person = payload.get("person") or ""
    if not person or not Person.objects.filter(uid=person).exists():
        errors["person"] = _("no registered person with this uid")
    reference = canonical(payload.get("reference"))
    if len(reference) < 3 or len(reference) > 60:
        errors["reference"] = _("is the case reference the body's query stated (3 to 60 characters)")
    authority = text(payload, "authority", errors, required=True, max_length=200)
    disclose_on = a_date(payload, "disclose_on", errors, future_ok=True)
    if disclose_on is not None:
        today = date.today()
        if disclose_on <= today:
            errors["disclose_on"] = _("{date} is not in the future: nothing would be withheld").format(date=disclose_on)
        elif disclose_on > today.replace(year=today.year + MAX_YEARS):
            errors["disclose_on"] = _("is more than {n} years ahead; an order is renewed, not made open-ended").format(
                n=MAX_YEARS)
    errors.raise_if_any()
    return {"person": person, "reference": reference, "authority": authority, "disclose_on": disclose_on.isoformat()}


@transaction_type("withhold_read_disclosure", gettext_lazy("Keep a body's reads from the person until a date (第十八条)"),
                  creators=("clerk",), documents=("withholding_order",), describe=_describe)
def withhold_read_disclosure(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    order = check(payload)
    return [NewEntry(READ_DISCLOSURE_WITHHELD, f"person:{order['person']}", {"order": ctx.txn, **order})]
