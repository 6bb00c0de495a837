"""Transfers between pooling regions (第十条): a projection of the ledger (transfers/projectors.py), written only by
posting. Persons are named by uid; the other region by its GB/T 2260 code."""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from sirecords.ledger.projection import projected_table


class Direction(models.TextChoices):
    IN = "in", "转入 in (this region asked for the record)"
    OUT = "out", "转出 out (another region asked this one)"


class TransferState(models.TextChoices):
    REQUESTED = "requested", "已申请 requested"


def _choices(field: str, choices: type[models.TextChoices]) -> models.Q:
    return models.Q(**{f"{field}__in": choices.values})


@projected_table
class Transfer(models.Model):
    """One transfer of a person's record between this region and another: who, which way, with whom, its state."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The request's transaction uid; also the contact "
                                                                      "letter's id (AAE270).")
    person = models.CharField(max_length=32, help_text="registry_person.uid")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    other_region = models.CharField(max_length=6, help_text="The region the record comes from (in) or goes to (out).")
    state = models.CharField(max_length=10, choices=TransferState.choices)
    collect = models.BooleanField(help_text="Gathering the record of a person whose benefit is paid here (66号 第六条), "
                                            "not a person who moved here.")
    requested_on = models.CharField(max_length=10, help_text="YYYY-MM-DD")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "transfers_transfer"
        indexes = [models.Index(fields=["person"], name="transfers_transfer_person")]
        constraints = [
            models.CheckConstraint(condition=_choices("direction", Direction), name="transfers_transfer_direction"),
            models.CheckConstraint(condition=_choices("state", TransferState), name="transfers_transfer_state"),
            models.CheckConstraint(condition=Exact(Length("other_region"), 6), name="transfers_transfer_region"),
        ]
