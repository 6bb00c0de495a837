"""The maintenance log (第十二条): for every correction and supplement, the time, what changed (before
and after), the reason, the method and the responsible people, read straight from the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from sirecords.core.csvsafe import writer as csv_writer
from sirecords.core.identifiers import mask_id_number
from sirecords.crypto.sealing import SealBroken, unseal
from sirecords.ledger.models import Entry
from sirecords.registry.kinds import CORRECTION_APPLIED, SUPPLEMENT_APPLIED
from sirecords.registry.labels import label
from sirecords.transactions.kinds import TRANSACTION_POSTED
from sirecords.workflow.stages import STAGE_TITLES

KINDS = {CORRECTION_APPLIED: "修正", SUPPLEMENT_APPLIED: "补充"}


def register_log_kind(kind: str, label: str) -> None:
    """Another app's correction entries in the log: a payload with target, uid, before, after and method, as
    registry's (e.g. benefits' award.corrected)."""
    KINDS[kind] = label


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class LogRecord:
    seq: int
    recorded_at: str
    kind: str  # 修正 or 补充
    target: str
    uid: str
    subject: str
    changes: list[Change]
    reason: str
    method: str
    responsible: str  # who collected and submitted it
    reviewers: list[str] = field(default_factory=list)  # "初审 reviewer.a", …
    txn: str = ""


# Never shown in the log: the full birth date, which beside the masked ID number would narrow it to a few hundred
# numbers (docs/privacy.md); the log shows the birth year-month instead. Blind indexes (*_index) are not shown either.
NOT_SHOWN = ("birth_date_sealed",)


def _masked_id(opened: str, index: str | None) -> str:
    """The masked ID number and a short tag of its keyed blind index, so a corrected number whose mask is unchanged
    still shows that it changed; the tag is a prefix of a column stored in the database, so it tells nothing new."""
    return f"{mask_id_number(opened)} #{index[:4]}" if index else mask_id_number(opened)


def _shown(target: str, uid: str, column: str, value, row: dict) -> tuple[str, str]:
    """(field, value as a supervisor may see it): sealed values opened, ID numbers masked."""
    if value is None:
        return column, ""
    if column.endswith("_sealed"):
        name = column[: -len("_sealed")]
        try:
            opened = unseal(value, f"{target}:{uid}:{name}") if value else ""
        except SealBroken:
            opened = "(cannot be opened)"
        return name, _masked_id(opened, row.get("id_number_index")) if name == "id_number" and opened else opened
    return column, str(value)


def _changes(target: str, uid: str, before: dict, after: dict) -> list[Change]:
    changes = []
    for column in after:
        if column.endswith("_index") or column in NOT_SHOWN:
            continue
        name, new = _shown(target, uid, column, after[column], after)
        _, old = _shown(target, uid, column, before.get(column), before)
        changes.append(Change(name, label(name), old, new))
    return changes


def _reviewers(txn: str) -> list[str]:
    summary = Entry.objects.filter(txn=txn, kind=TRANSACTION_POSTED).values_list("payload", flat=True).first()
    if not summary:
        return []
    return [f"{STAGE_TITLES.get(step['stage'], (step['stage'],))[0]} {step['actor']}" for step in json.loads(summary)["review"]]


def maintenance_log(*, since: str = "", until: str = "", actor: str = "") -> Iterator[LogRecord]:
    entries = Entry.objects.filter(kind__in=KINDS).order_by("-seq")
    if since:
        entries = entries.filter(recorded_at__gte=since)
    if until:
        entries = entries.filter(recorded_at__lt=until + "~")  # a date bound includes that whole day
    if actor:
        entries = entries.filter(actor=actor)
    for entry in entries.iterator(chunk_size=500):
        p = json.loads(entry.payload)
        yield LogRecord(seq=entry.seq, recorded_at=entry.recorded_at, kind=KINDS[entry.kind], target=p["target"],
                        uid=p["uid"], subject=entry.subject, changes=_changes(p["target"], p["uid"], p["before"], p["after"]),
                        reason=entry.reason, method=p["method"], responsible=entry.actor, reviewers=_reviewers(entry.txn),
                        txn=entry.txn)


CSV_HEADER = ["序号 seq", "时间 time (UTC)", "类型 kind", "对象 record", "字段 field", "原值 before", "新值 after",
              "维护原因 reason", "处理方法 method", "责任人 responsible", "审核 reviewers", "业务流水 transaction"]


def write_csv(records: Iterator[LogRecord], out: IO[str]) -> int:
    """One row per changed field; returns the number of records written. A value that a spreadsheet would read as a
    formula (=HYPERLINK(…) in a corrected address, a reason or a method) is neutralised (core/csvsafe.py)."""
    writer = csv_writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    for record in records:
        count += 1
        for change in record.changes or [Change("", "", "", "")]:
            writer.writerow([record.seq, record.recorded_at, record.kind, f"{record.target} {record.uid}", change.label,
                             change.before, change.after, record.reason, record.method, record.responsible,
                             "; ".join(record.reviewers), record.txn])
    return count
