"""Loading the demo data through the same transactions the front desk uses (no shortcut writes)."""

from __future__ import annotations

from datetime import date

from sirecords.ledger.context import WriteContext
from sirecords.ledger.posting import Transaction, post
from sirecords.registry.models import Person

from .generate import DemoData, generate

DEMO_ACTOR = "demo-loader"
DEMO_REASON = "演示数据装载 / demo data load"


# Which payload key of the first posted entry names the record a transaction created.
CREATED_KEY = {"register_employer": "employer", "register_person": "person", "start_employment": "employment"}


def _post(kind: str, payload: dict) -> str | None:
    ctx = WriteContext(actor=DEMO_ACTOR, reason=DEMO_REASON, channel="cli")
    posted = post(Transaction(kind, payload, ctx))
    return posted[0].payload[CREATED_KEY[kind]] if kind in CREATED_KEY else None


def already_loaded() -> bool:
    return Person.objects.exists()


def load(data: DemoData | None = None) -> dict[str, int]:
    data = data or generate()
    first_start: dict[int, date] = {}
    employer_first: dict[int, date] = {}
    for job in data.employments:
        first_start[job.person_index] = min(job.start, first_start.get(job.person_index, job.start))
        employer_first[job.employer_index] = min(job.start, employer_first.get(job.employer_index, job.start))
    employer_uids = [
        _post("register_employer", {"uscc": e.uscc, "name": e.name, "address": e.address, "region": e.region,
                                    "registered_on": employer_first.get(i, date(2000, 1, 1)).isoformat()})
        for i, e in enumerate(data.employers)
    ]
    person_uids = [
        _post("register_person", {"id_number": p.id_number, "name": p.name, "phone": p.phone, "address": p.address,
                                  "region": p.region, "registered_on": first_start.get(i, date(2020, 1, 1)).isoformat()})
        for i, p in enumerate(data.persons)
    ]
    for job in data.employments:
        employment = _post("start_employment", {"person": person_uids[job.person_index],
                                                "employer": employer_uids[job.employer_index],
                                                "start": job.start.isoformat()})
        if job.end is not None:
            _post("end_employment", {"employment": employment, "end": job.end.isoformat()})
    return {"persons": len(person_uids), "employers": len(employer_uids), "employments": len(data.employments)}
