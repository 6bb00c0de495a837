"""A projection row's fields checked as `Model.full_clean(validate_unique=False, validate_constraints=False)` checks
them, and its values prepared for the database as `Field.get_db_prep_save` prepares them — without Django's per-value
machinery for the plain cases, which are nearly all of them.

A posting that queues ten thousand rows (a collector's report: discrepancies) spent more time in `full_clean` and
`get_db_prep_save` (≈ 85 µs a row, 1.7 s) than in writing them. For a field of exactly CharField, TextField,
IntegerField, BigIntegerField or BooleanField whose validators are Django's own (maximum length; the integer range),
a value of exactly the field's Python type is checked here by the same rules: its type, the maximum length or range,
blank, and the choices. Anything else — another field class, another validator, a value of another type (which
`clean` might convert, e.g. "1" for an integer) or one that fails a rule — goes through `Field.clean` as before, so the
error raised, and any conversion, are Django's own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import DatabaseDefault

_PLAIN = {models.CharField: str, models.TextField: str, models.IntegerField: int, models.BigIntegerField: int,
          models.BooleanField: bool}

Check = Callable[[Any], bool]


def _plain_check(field: models.Field) -> Check | None:
    """A check that is True only when `field.clean` would accept the value unchanged; None when there is none."""
    wanted = _PLAIN.get(type(field))
    if wanted is None or field.generated:
        return None
    longest, low, high = None, None, None
    for validator in field.validators:
        if type(validator) is validators.MaxLengthValidator:
            longest = validator.limit_value
        elif type(validator) is validators.MinValueValidator:
            low = validator.limit_value
        elif type(validator) is validators.MaxValueValidator:
            high = validator.limit_value
        else:
            return None  # a validator of the project's: Field.clean runs it
    if callable(longest) or callable(low) or callable(high):
        return None
    choices = frozenset(value for value, _label in field.flatchoices) if field.choices else None
    blank = field.blank

    def check(value: Any) -> bool:
        if type(value) is not wanted:
            return False
        if wanted is str:
            if (longest is not None and len(value) > longest) or (not value and not blank):
                return False
        elif wanted is int and ((low is not None and value < low) or (high is not None and value > high)):
            return False
        return choices is None or value in choices

    return check


@cache
def _checks(model: type[models.Model]) -> tuple[tuple[models.Field, Check | None], ...]:
    return tuple((field, _plain_check(field)) for field in model._meta.fields)


def full_clean(instance: models.Model) -> None:
    """`instance.full_clean(validate_unique=False, validate_constraints=False)`, fast for plain values (above)."""
    errors: dict[str, list] = {}
    for field, check in _checks(type(instance)):
        value = getattr(instance, field.attname)
        if check is not None and check(value):
            continue
        if field.generated or (field.blank and value in field.empty_values):
            continue  # as clean_fields skips them
        if isinstance(value, DatabaseDefault):
            continue
        try:
            setattr(instance, field.attname, field.clean(value, instance))
        except ValidationError as error:
            errors[field.name] = error.error_list
    if errors:
        raise ValidationError(errors)
    instance.clean()


@cache
def _plain_prep(model: type[models.Model]) -> tuple[tuple[models.Field, type | None], ...]:
    return tuple((field, _PLAIN.get(type(field))) for field in model._meta.concrete_fields)


def db_values(instance: models.Model, connection) -> tuple:
    """The row's values as `field.get_db_prep_save(value, connection)` gives them, in concrete-field order: a value of
    exactly a plain field's type (or None) is given as it is, which is what those fields' preparation returns."""
    out = []
    for field, plain in _plain_prep(type(instance)):
        value = getattr(instance, field.attname)
        if plain is not None and (value is None or type(value) is plain):
            out.append(value)
        else:
            out.append(field.get_db_prep_save(value, connection))
    return tuple(out)


def db_columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field, _plain in _plain_prep(model)]
