"""Finding registry records: a person by ID number, through the keyed blind index (the ID number itself is
sealed and never compared in clear)."""

from __future__ import annotations

from sirecords.core.identifiers import parse_id_number
from sirecords.crypto.sealing import blind_index
from sirecords.registry.models import FormerIdNumber, Person


def find_person_by_id_number(raw: str) -> Person | None:
    """The person registered with this ID number (any accepted spelling: 15 digits, lower-case x), or who held it
    before public security changed it (registry_former_id_number); None. Raises InvalidIdentifier for a number that
    fails its check."""
    index = blind_index("id_number", parse_id_number(raw).normalized)
    person = Person.objects.filter(id_number_index=index).first()
    if person is None:
        former = FormerIdNumber.objects.filter(id_number_index=index).values_list("person_id", flat=True).first()
        person = Person.objects.filter(uid=former).first() if former else None
    return person
