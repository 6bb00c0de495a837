"""ledger/fieldcheck.py: the fast check of a projection row accepts a value only where Django's own `Field.clean`
accepts it unchanged, and prepares values for the database as `get_db_prep_save` does — for every field of every
projected table, at the edges (empty, the maximum length and one more, the integer range, wrong types, None)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sirecords.ledger import fieldcheck
from sirecords.ledger.projection import projected_tables

CANDIDATES = ("", "a", "0", "in", "out", "open", "x" * 6, "x" * 32, "x" * 64, "x" * 65, 0, 1, -1, 2**31, 2**63, -(2**63) - 1,
              True, False, None, 1.5, b"bytes")


def _fields():
    for table, model in sorted(projected_tables().items()):
        for field in model._meta.fields:
            yield pytest.param(model, field, id=f"{table}.{field.attname}")


@pytest.mark.parametrize(("model", "field"), list(_fields()))
def test_the_fast_check_accepts_only_what_django_accepts_unchanged(model, field):
    check = fieldcheck._plain_check(field)
    if check is None:
        return  # Field.clean decides: nothing to compare
    values = list(CANDIDATES)
    if field.max_length:
        values += ["y" * field.max_length, "y" * (field.max_length + 1)]
    values += [value for value, _label in field.flatchoices] if field.choices else []
    for value in values:
        if not check(value):
            continue
        try:
            cleaned = field.clean(value, model())
        except ValidationError as error:
            pytest.fail(f"{field}: the fast check accepts {value!r}, Django refuses it: {error}")
        assert cleaned == value and type(cleaned) is type(value)
        assert field.get_db_prep_save(value, connection) == value


def test_a_bad_row_is_refused_with_djangos_errors_and_a_good_one_kept():
    from sirecords.transfers.models import Transfer

    good = {"uid": "u" * 32, "person": "p" * 32, "direction": "in", "other_region": "110105", "state": "requested",
            "collect": False, "requested_on": "2026-12-01", "last_seq": 7}
    instance = Transfer(**good)
    fieldcheck.full_clean(instance)  # nothing raised
    assert fieldcheck.db_values(instance, connection)[0] == "u" * 32
    for name, value in (("direction", "sideways"), ("other_region", "1101050"), ("person", ""), ("months", "x"),
                        ("last_seq", None)):
        bad = Transfer(**{**good, name: value})
        with pytest.raises(ValidationError) as refused:
            fieldcheck.full_clean(bad)
        with pytest.raises(ValidationError) as djangos:
            Transfer(**{**good, name: value}).full_clean(validate_unique=False, validate_constraints=False)
        assert refused.value.message_dict == djangos.value.message_dict
    converted = Transfer(**{**good, "months": "12"})  # Field.clean converts as before
    fieldcheck.full_clean(converted)
    assert converted.months == 12
