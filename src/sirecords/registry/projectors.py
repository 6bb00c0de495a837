"""How registry entries change the registry tables (see ledger/projection.py)."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, existing, projects
from sirecords.registry.kinds import (
    EMPLOYER_CHANGED,
    EMPLOYER_REGISTERED,
    EMPLOYMENT_ENDED,
    EMPLOYMENT_STARTED,
    ID_NUMBER_CHANGED,
    PERSON_CHANGED,
    PERSON_REGISTERED,
)
from sirecords.registry.models import EmployerScheme

PERSON, EMPLOYER, EMPLOYMENT = "registry_person", "registry_employer", "registry_employment"

PERSON_FIELDS = ("id_number_sealed", "id_number_index", "name_sealed", "name_index", "phone_sealed",
                 "address_sealed", "sex", "birth_date_sealed", "birth_month", "region", "pooling_region",
                 "registered_on")
PERSON_CHANGEABLE = ("name_sealed", "name_index", "phone_sealed", "address_sealed", "region")
EMPLOYER_FIELDS = ("uscc", "uscc_override", "name", "address", "region", "status", "registered_on")
EMPLOYER_CHANGEABLE = ("name", "address", "region", "status")




def _changed(store: Store, table: str, pk: str, entry: PostedEntry, allowed: tuple[str, ...]) -> None:
    row = existing(store, table, pk, entry)
    changes = entry.payload["changes"]
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"entry #{entry.seq} changes fields that cannot change: {sorted(unknown)}")
    row.update(changes, last_seq=entry.seq)
    store.put(table, pk, row)


@projects(PERSON_REGISTERED)
def person_registered(entry: PostedEntry, store: Store) -> None:
    uid = entry.payload["person"]
    row = {"uid": uid, **{name: entry.payload[name] for name in PERSON_FIELDS}, "last_seq": entry.seq}
    store.put(PERSON, uid, row)


@projects(PERSON_CHANGED)
def person_changed(entry: PostedEntry, store: Store) -> None:
    _changed(store, PERSON, entry.payload["person"], entry, PERSON_CHANGEABLE)


@projects(ID_NUMBER_CHANGED)
def id_number_changed(entry: PostedEntry, store: Store) -> None:
    """The person's number is the new one; the old one is kept as a former number. The birth date, the sex and so
    the retirement month stay as first recorded (劳社部发〔1999〕8号)."""
    p = entry.payload
    row = existing(store, PERSON, p["person"], entry)
    store.put(PERSON, p["person"], {**row, "id_number_sealed": p["id_number_sealed"], "id_number_index": p["id_number_index"],
                                    "last_seq": entry.seq})
    store.put("registry_former_id_number", p["former_index"], {
        "id_number_index": p["former_index"], "person_id": p["person"], "id_number_sealed": p["former_sealed"],
        "changed_on": p["changed_on"], "last_seq": entry.seq})


@projects(EMPLOYER_REGISTERED)
def employer_registered(entry: PostedEntry, store: Store) -> None:
    uid = entry.payload["employer"]
    row = {"uid": uid, **{name: entry.payload[name] for name in EMPLOYER_FIELDS},
           "scheme": entry.payload.get("scheme", EmployerScheme.ENTERPRISE.value), "last_seq": entry.seq}
    store.put(EMPLOYER, uid, row)


@projects(EMPLOYER_CHANGED)
def employer_changed(entry: PostedEntry, store: Store) -> None:
    _changed(store, EMPLOYER, entry.payload["employer"], entry, EMPLOYER_CHANGEABLE)


@projects(EMPLOYMENT_STARTED)
def employment_started(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    existing(store, PERSON, p["person"], entry)
    existing(store, EMPLOYER, p["employer"], entry)
    row = {"uid": p["employment"], "person_id": p["person"], "employer_id": p["employer"],
           "start": p["start"], "end": None, "last_seq": entry.seq}
    store.put(EMPLOYMENT, p["employment"], row)


@projects(EMPLOYMENT_ENDED)
def employment_ended(entry: PostedEntry, store: Store) -> None:
    row = existing(store, EMPLOYMENT, entry.payload["employment"], entry)
    row.update(end=entry.payload["end"], last_seq=entry.seq)
    store.put(EMPLOYMENT, row["uid"], row)
