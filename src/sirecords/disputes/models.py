"""Disputes of the record (第十六条): projections of the ledger (disputes/projectors.py), written only by posting. The
claim, a delegate's name and a refusal's reasons are sealed (they are the person's words); persons and units are
named by uid; evidence by the SHA-256 of the stored scan."""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from sirecords.ledger.projection import projected_table


class DisputeItem(models.TextChoices):
    CONTRIBUTION = "contribution", "缴费记录 contribution"
    REGISTRATION = "registration", "参保登记 registration"
    EMPLOYMENT = "employment", "就业（劳动关系）期间 employment"
    ACCOUNT = "account", "个人账户 account"
    CONTRIBUTION_YEARS = "contribution_years", "缴费年限 contribution years"
    BENEFIT = "benefit", "待遇 benefit"


class DisputeState(models.TextChoices):
    RECEIVED = "received", "已受理 received"
    EXAMINING = "examining", "复核中 examining"
    CORRECTED = "corrected", "已更正 corrected"
    REFUSED = "refused", "不予更正 refused"
    REFERRED = "referred", "已转交 referred"


class Requester(models.TextChoices):
    PERSON = "person", "本人 the person"
    DELEGATE = "delegate", "受委托人 a delegate"
    EMPLOYER = "employer", "用人单位 the employer"


OPEN_STATES = (DisputeState.RECEIVED, DisputeState.EXAMINING)


def _choices(field: str, choices: type[models.TextChoices]) -> models.Q:
    return models.Q(**{f"{field}__in": choices.values})


@projected_table
class Case(models.Model):
    """One written request to verify the record: who asked, about which item (and month), its state and outcome."""

    uid = models.CharField(primary_key=True, max_length=32)
    person = models.CharField(max_length=32, blank=True, help_text="registry_person.uid whose record is disputed; empty for "
                                                                   "a unit's own registration (an employer's request).")
    employer = models.CharField(max_length=32, blank=True, help_text="registry_employer.uid: the unit that asked (an "
                                                                     "employer's request), else empty.")
    requester_kind = models.CharField(max_length=10, choices=Requester.choices)
    requester = models.CharField(max_length=200, help_text="Who filed it: person:<uid>, employer:<uid>:<user>, or the "
                                                           "staff member at the counter.")
    delegate_sealed = models.TextField(blank=True, help_text="A delegate's name (sealed), with the written authorisation.")
    channel = models.CharField(max_length=16)
    item = models.CharField(max_length=20, choices=DisputeItem.choices)
    period = models.CharField(max_length=7, blank=True, help_text="The disputed month YYYY-MM (a contribution), or empty.")
    claim_sealed = models.TextField(help_text="What the requester says is wrong (sealed).")
    state = models.CharField(max_length=10, choices=DisputeState.choices)
    received_on = models.CharField(max_length=10)
    due_on = models.CharField(max_length=10, help_text="To be answered by (working days, SIRECORDS_DISPUTE_DUE_DAYS).")
    examiner = models.CharField(max_length=150, blank=True)
    transaction = models.CharField(max_length=32, blank=True, help_text="The correction that was posted for it.")
    reason_sealed = models.TextField(blank=True, help_text="A refusal's reasons (sealed).")
    referred_to = models.CharField(max_length=6, blank=True, help_text="The region the case was referred to.")
    decided_on = models.CharField(max_length=10, blank=True, help_text="When it was corrected, refused or referred.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "disputes_case"
        indexes = [models.Index(fields=["person"], name="disputes_case_person"),
                   models.Index(fields=["employer"], name="disputes_case_employer"),
                   models.Index(fields=["state", "due_on"], name="disputes_case_state_due")]
        constraints = [
            models.CheckConstraint(condition=_choices("item", DisputeItem), name="disputes_case_item"),
            models.CheckConstraint(condition=_choices("state", DisputeState), name="disputes_case_state"),
            models.CheckConstraint(condition=_choices("requester_kind", Requester), name="disputes_case_requester"),
            # An employer's request names the unit; only a contribution dispute names a month (and must).
            models.CheckConstraint(condition=~models.Q(requester_kind=Requester.EMPLOYER, employer=""),
                                   name="disputes_case_employer_named"),
            models.CheckConstraint(condition=(models.Q(item=DisputeItem.CONTRIBUTION, period__gte="1900-01",
                                                       period__lte="2999-12") & Exact(Length("period"), 7))
                                   | (~models.Q(item=DisputeItem.CONTRIBUTION) & models.Q(period="")),
                                   name="disputes_case_period"),
            # The outcome matches the state: a referral names the region, a correction its transaction, a refusal
            # its reasons; an open case has none of them.
            models.CheckConstraint(condition=(models.Q(state=DisputeState.REFERRED) & ~models.Q(referred_to=""))
                                   | (~models.Q(state=DisputeState.REFERRED) & models.Q(referred_to="")),
                                   name="disputes_case_referral"),
            models.CheckConstraint(condition=(models.Q(state=DisputeState.CORRECTED) & ~models.Q(transaction=""))
                                   | (~models.Q(state=DisputeState.CORRECTED) & models.Q(transaction="")),
                                   name="disputes_case_correction"),
            models.CheckConstraint(condition=(models.Q(state=DisputeState.REFUSED) & ~models.Q(reason_sealed=""))
                                   | (~models.Q(state=DisputeState.REFUSED) & models.Q(reason_sealed="")),
                                   name="disputes_case_refusal"),
        ]


@projected_table
class Evidence(models.Model):
    """A scan added to a case: the written request (at the counter), an authorisation, or evidence for the claim.
    Kept sealed in the documents store under its SHA-256 (workflow/documents.py), which the ledger names."""

    key = models.CharField(primary_key=True, max_length=97, help_text="<case>:<sha256>")
    case = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, help_text="A document kind (workflow/documents.py): written_request, "
                                                     "written_authorisation or evidence.")
    content_type = models.CharField(max_length=8, help_text="PDF, JPEG or PNG, as the content parsed.")
    added_by = models.CharField(max_length=200)
    added_at = models.CharField(max_length=27)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "disputes_evidence"
        indexes = [models.Index(fields=["case"], name="disputes_evidence_case")]


class Claim(models.Model):
    """The correction opened for a case while it is reviewed: one at a time per case, written with the opening and
    replaced when a returned or withdrawn one is followed by another. Workflow bookkeeping (as the cross-checks'
    claims); what a posted correction did is in the ledger (dispute.corrected)."""

    case = models.CharField(primary_key=True, max_length=32)
    txn = models.CharField(max_length=32)
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField()

    class Meta:
        db_table = "disputes_claim"
