"""recognise_deemed_service: service before the region's individual-contribution system began, recognised from
the person's archive as deemed contribution months (视同缴费年限, RULES-REFERENCE "Contribution years").

The region's parameters say when its system began (``[deemed] service_before``) and the youngest age at
which service counts (``minimum_age``). A period must end before the system began, start no earlier than
that age, and not overlap a period already recognised; once a pension is awarded nothing more is
recognised (the award would have to be recomputed).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.accounts.closures import recognition_refused
from sirecords.accounts.kinds import DEEMED_SERVICE_RECOGNISED
from sirecords.accounts.models import DeemedService
from sirecords.core.periods import Month
from sirecords.engine.params import ParameterError
from sirecords.ledger.append import NewEntry, PostedEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import Store, projects
from sirecords.parameters.queries import params_in_ledger, pooling_region
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, a_month, text


def deemed_periods(person_uid: str) -> list[tuple[str, str]]:
    """The person's recognised deemed periods, (start, end) "YYYY-MM", in order."""
    return list(DeemedService.objects.filter(person_id=person_uid).order_by("start").values_list("start", "end"))


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added(name, label, payload.get(name) or "")
            for name, label in (("person", "人员 person"), ("start", "起始月份 from"), ("end", "截止月份 to"),
                                ("work_unit", "工作单位 work unit"))]


@transaction_type("recognise_deemed_service", gettext_lazy("Recognise deemed contribution service"), creators=("clerk",),
                  documents=("personnel_archive",), describe=_describe)
def recognise_deemed_service(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    person = Person.objects.filter(uid=payload.get("person") or "").first()
    if person is None:
        errors["person"] = "no registered person with this uid"
    start, end = a_month(payload, "start", errors), a_month(payload, "end", errors)
    work_unit = text(payload, "work_unit", errors, required=True, max_length=200)
    errors.raise_if_any()
    if end < start:
        raise InvalidTransaction({"end": f"{end} is before the start {start}"})
    region = pooling_region()
    try:
        params = params_in_ledger(region)
        system_start, minimum_age = params.deemed_service_before, params.deemed_minimum_age
    except ParameterError as error:
        raise InvalidTransaction({"rules": f"{region}'s deemed-service rule: {error.reason}"}) from None
    if end >= system_start:
        raise InvalidTransaction({"end": f"{end} is not before {system_start}, when {region}'s individual-contribution "
                                         "system began: later months are actual contributions, not deemed"})
    earliest = person.birth_year_month + 12 * minimum_age
    if start < earliest:
        raise InvalidTransaction({"start": f"{start} is before the person reached {minimum_age} ({earliest})"})
    for known_start, known_end in deemed_periods(person.uid):
        if not (end < Month.parse(known_start) or start > Month.parse(known_end)):
            raise InvalidTransaction({"start": f"{start}–{end} overlaps the recognised period {known_start}–{known_end}"})
    refusal = recognition_refused(person.uid)
    if refusal:
        raise InvalidTransaction({"person": refusal})
    months = end - start + 1
    return [NewEntry(DEEMED_SERVICE_RECOGNISED, f"person:{person.uid}", {
        "service": ctx.txn, "person": person.uid, "region": region, "start": str(start), "end": str(end), "months": months,
        "work_unit": work_unit.strip(), "service_before": str(system_start), "rule_version": params.version},
        effective=f"{start}-01")]


@projects(DEEMED_SERVICE_RECOGNISED)
def deemed_service_recognised(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put("accounts_deemed_service", p["service"], {
        "uid": p["service"], "person_id": p["person"], "region": p["region"], "start": p["start"], "end": p["end"],
        "months": p["months"], "work_unit": p["work_unit"], "last_seq": entry.seq})
