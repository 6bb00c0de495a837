"""Transfers between pooling regions (第十条): a projection of the ledger (transfers/projectors.py), written only by
posting. Persons are named by uid; the other region by its GB/T 2260 code.

One row per transfer as this region sees it:
- direction `in` (this region asked for the record, transfer_request): `requested` → `received` (transfer_in posted:
  the package's months, deemed months and account count here) or `closed` (the region left answered in writing why
  not: its signed refusal, transfer_close);
- direction `out` (another region asked this one, transfer_out posted): `sent` — the relationship here ended, the
  record kept for reference (the package is written from it).
A correction of a month before the transfer is sent again as a supplementary package (transfer_supplement_out here,
transfer_supplement_in there): `supplements` counts them; the figures are then the latest sent or received.
`due_on` is when the step now awaited is due (15 working days a step by default, SIRECORDS_TRANSFER_DUE_DAYS);
`ended_on` the day the last step was posted."""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from sirecords.ledger.projection import projected_table


class Direction(models.TextChoices):
    IN = "in", "转入 in (this region asked for the record)"
    OUT = "out", "转出 out (another region asked this one)"


class TransferState(models.TextChoices):
    REQUESTED = "requested", "已申请 requested"
    CLOSED = "closed", "已终止 closed (refused by the region left)"
    RECEIVED = "received", "已转入 received"
    SENT = "sent", "已转出 sent"


def _choices(field: str, choices: type[models.TextChoices]) -> models.Q:
    return models.Q(**{f"{field}__in": choices.values})


@projected_table
class Transfer(models.Model):
    """One transfer of a person's record between this region and another: who, which way, with whom, its state."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The contact letter's id (AAE270): the joining "
                                                                      "region's transfer_request transaction uid.")
    person = models.CharField(max_length=32, help_text="registry_person.uid")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    other_region = models.CharField(max_length=6, help_text="The region the record comes from (in) or goes to (out).")
    state = models.CharField(max_length=10, choices=TransferState.choices)
    collect = models.BooleanField(help_text="Gathering the record of a person whose benefit is paid here (66号 第六条), "
                                            "not a person who moved here.")
    requested_on = models.CharField(max_length=10, help_text="YYYY-MM-DD: the request (the letter's date)")
    due_on = models.CharField(max_length=10, blank=True, default="", help_text="YYYY-MM-DD: the awaited step is due "
                                                                               "(empty once the transfer has ended)")
    ended_on = models.CharField(max_length=10, blank=True, default="", help_text="YYYY-MM-DD: received, closed or sent")
    refusal = models.TextField(blank=True, default="", help_text="The region left's written reason (closed only).")
    months = models.IntegerField(default=0, help_text="Paid months that moved (received or sent).")
    deemed_months = models.IntegerField(default=0, help_text="Deemed months that moved with the record (AAE200).")
    account_fen = models.BigIntegerField(default=0, help_text="④ the individual account that moved.")
    pooled_fen = models.BigIntegerField(default=0, help_text="⑤ the pooled fund that moved.")
    funds_ref = models.CharField(max_length=64, blank=True, default="", help_text="The bank reference of the funds "
                                                                                  "received (in; the latest, after a "
                                                                                  "supplement).")
    supplements = models.IntegerField(default=0, help_text="Supplementary packages sent (out) or received (in): a "
                                                           "correction of a month before the transfer, sent again.")
    supplemented_on = models.CharField(max_length=10, blank=True, default="", help_text="YYYY-MM-DD: the latest "
                                                                                        "supplement (empty if none)")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "transfers_transfer"
        indexes = [models.Index(fields=["person"], name="transfers_transfer_person")]
        constraints = [
            models.CheckConstraint(condition=_choices("direction", Direction), name="transfers_transfer_direction"),
            models.CheckConstraint(condition=_choices("state", TransferState), name="transfers_transfer_state"),
            models.CheckConstraint(condition=Exact(Length("other_region"), 6), name="transfers_transfer_region"),
            models.CheckConstraint(condition=(models.Q(direction="in", state__in=["requested", "closed", "received"])
                                              | models.Q(direction="out", state="sent")),
                                   name="transfers_transfer_state_of_direction"),
            models.CheckConstraint(condition=(models.Q(state="closed") & ~models.Q(refusal=""))
                                   | (~models.Q(state="closed") & models.Q(refusal="")),
                                   name="transfers_transfer_refusal_iff_closed"),
            models.CheckConstraint(condition=models.Q(months__gte=0, deemed_months__gte=0, account_fen__gte=0,
                                                      pooled_fen__gte=0), name="transfers_transfer_amounts"),
            models.CheckConstraint(condition=(models.Q(supplements=0, supplemented_on="")
                                              | models.Q(supplements__gt=0, state__in=["sent", "received"])
                                              & ~models.Q(supplemented_on="")),
                                   name="transfers_transfer_supplements"),
        ]
