"""Finding registry records: a person by ID number, through the keyed blind index (the ID number itself is
sealed and never compared in clear)."""

from __future__ import annotations

from sirecords.core.identifiers import parse_id_number
from sirecords.crypto.sealing import blind_index
from sirecords.registry.models import Person


def find_person_by_id_number(raw: str) -> Person | None:
    """The person registered with this ID number (any accepted spelling: 15 digits, lower-case x), or None.
    Raises InvalidIdentifier for a number that fails its check."""
    normalized = parse_id_number(raw).normalized
    return Person.objects.filter(id_number_index=blind_index("id_number", normalized)).first()
