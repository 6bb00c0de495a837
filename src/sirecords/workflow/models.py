"""Business transactions in progress. These are working tables, not the record: the record is what
posting writes to the ledger, with the review trail and the documents' hashes. The action log here is
append-only (triggers) so rejections and withdrawals are kept too, and a chained log with a signed head
(ACTION_LOG, ledger/chained_log.py), anchored in every checkpoint and checked by `verify`.

The draft payload holds personal data (ID number, name…) and is sealed at rest like the projections.
"""

from django.db import models

from sirecords.ledger.chained_log import ChainedLog, register


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "审核中"
    RETURNED = "returned", "退回修改"
    POSTED = "posted", "已生效"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)


class BusinessTransaction(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    type = models.CharField(max_length=64)
    region = models.CharField(max_length=6)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    payload_sealed = models.TextField()
    summary = models.CharField(max_length=200, help_text="Masked one-line description for lists.")
    reason = models.TextField()
    channel = models.CharField(max_length=16)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    stages = models.CharField(max_length=100, blank=True, help_text="Required stages, fixed when submitted.")
    next_stage = models.PositiveSmallIntegerField(default=0, help_text="Index into stages of the stage now due.")
    posted_seq = models.BigIntegerField(null=True, blank=True, help_text="First ledger entry it posted.")

    class Meta:
        db_table = "workflow_transaction"
        indexes = [models.Index(fields=["state", "region"]), models.Index(fields=["created_by", "state"])]

    @property
    def stage_list(self) -> list[str]:
        return self.stages.split()

    @property
    def due_stage(self) -> str | None:
        stages = self.stage_list
        if self.state != State.SUBMITTED or self.next_stage >= len(stages):
            return None
        return stages[self.next_stage]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class Action(models.Model):
    """Who did what to a transaction, when, with which opinion. Append-only; written only by ACTION_LOG.append,
    which gives each action the next id (its place in the chain)."""

    id = models.BigIntegerField(primary_key=True, help_text="Place in the action log, from 1, without gaps.")
    class Kind(models.TextChoices):
        CREATE = "create", "创建"
        AMEND = "amend", "修改"
        ATTACH = "attach", "上传材料"
        SUBMIT = "submit", "提交"
        APPROVE = "approve", "通过"
        REJECT = "reject", "退回"
        WITHDRAW = "withdraw", "撤回"
        POST = "post", "生效"
        REFUSED = "refused", "拒绝操作"

    txn = models.ForeignKey(BusinessTransaction, on_delete=models.PROTECT, related_name="actions")
    actor = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    stage = models.CharField(max_length=16, blank=True)
    opinion = models.TextField(blank=True)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "workflow_action"
        ordering = ["id"]


# The hashed array is ["sirecords/workflow/action/v1", id, txn, actor, kind, stage, opinion, at (UTC stamp), prev_hash].
ACTION_LOG = register(ChainedLog(Action, "sirecords/workflow/action/v1",
                                 ("txn_id", "actor", "kind", "stage", "opinion", "at"), seq="id", noun="actions"))


class Attachment(models.Model):
    """A scan of an original document, stored sealed under SIRECORDS_HOME/attachments by SHA-256."""

    txn = models.ForeignKey(BusinessTransaction, on_delete=models.PROTECT, related_name="attachments")
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, help_text="Which required document it is, e.g. id_card.")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    name_sealed = models.TextField(help_text="Original file name, sealed: it may name the person.")
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        db_table = "workflow_attachment"
        constraints = [models.UniqueConstraint(fields=["txn", "sha256"], name="attachment_once_per_txn")]
