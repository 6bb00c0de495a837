"""Time limits and progress of a transfer (第十条; issue #19 point 5): when the awaited step is due, and the steps as
the person, the unit and the desk see them — plain dicts for the templates and the JSON API alike.

Each awaited step is due `SIRECORDS_TRANSFER_DUE_DAYS` working days (default 15, 国办发〔2009〕66号 第八条) after the
day the step before it was posted, counted with the public-holiday calendar (parameters/holidays.py: the weekend days
worked in place of a holiday count, the holidays do not). `due_on` is what the steps' transactions call when they post;
the projection keeps it (transfers_transfer.due_on) until the transfer ends.

The steps, by direction:
- in (this region asked for the record): `requested` (申请, requested_on) → `answer` (转出地办理: the region left
  answers; awaited until due_on) → `received` (已转入, ended_on) or `closed` (已终止, ended_on, with the region left's
  written refusal);
- out (another region asked this one): `sent` (已转出, ended_on);
- either, once a correction of a month before the transfer was sent or received again: `supplemented` (补转,
  supplemented_on, with `number`, the supplements so far).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings

from sirecords.parameters import holidays
from sirecords.regions.models import Region
from sirecords.transfers.models import Direction, Transfer, TransferState

# The step codes, in the order they happen (their labels: web/forms_transfers.py).
REQUESTED, ANSWER, RECEIVED, CLOSED, SENT = "requested", "answer", "received", "closed", "sent"
SUPPLEMENTED = "supplemented"  # the record sent (out) or received (in) again after a correction: the latest, with its count
# A step's status: posted, the one awaited now, or still to come.
DONE, AWAITED, UPCOMING = "done", "awaited", "upcoming"


def due_on(step_day: date) -> str:
    """The day (ISO 8601) the step awaited after one posted on `step_day` is due: SIRECORDS_TRANSFER_DUE_DAYS working
    days later by the holiday calendar."""
    return holidays.working_days_after(step_day, settings.SIRECORDS_TRANSFER_DUE_DAYS).isoformat()


def awaited(transfer: Transfer) -> bool:
    """A step is awaited: the transfer has not ended (requested, waiting for the region left's answer)."""
    return transfer.state == TransferState.REQUESTED


def due_date(transfer: Transfer) -> str:
    """When the awaited step is due; "" once the transfer has ended. A request whose entry did not carry its due date
    (posted before the due dates were recorded) is due counted from its request day, as `due_on` counts."""
    if not awaited(transfer):
        return ""
    return transfer.due_on or due_on(date.fromisoformat(transfer.requested_on))


def current_day() -> date:
    """The day overdue is judged on: today (one place, which a test may move)."""
    return date.today()


def overdue(transfer: Transfer, today: date | None = None) -> bool:
    """Awaited past its due date (the due day itself is still in time)."""
    return awaited(transfer) and due_date(transfer) < (today or current_day()).isoformat()


def _step(step: str, status: str, on: str = "", **more: Any) -> dict[str, Any]:
    return {"step": step, "status": status, "on": on or None, **more}


def steps(transfer: Transfer, today: date | None = None) -> list[dict[str, Any]]:
    """The transfer's steps in order, each {"step", "status", "on"} (the awaited one with "due_on" and "overdue", a
    closed one with "refusal")."""
    again = [_step(SUPPLEMENTED, DONE, transfer.supplemented_on, number=transfer.supplements)] if transfer.supplements else []
    if transfer.direction == Direction.OUT:
        return [_step(SENT, DONE, transfer.ended_on), *again]
    first = _step(REQUESTED, DONE, transfer.requested_on)
    if transfer.state == TransferState.RECEIVED:
        return [first, _step(ANSWER, DONE), _step(RECEIVED, DONE, transfer.ended_on), *again]
    if transfer.state == TransferState.CLOSED:
        return [first, _step(ANSWER, DONE), _step(CLOSED, DONE, transfer.ended_on, refusal=transfer.refusal)]
    return [first, _step(ANSWER, AWAITED, due_on=due_date(transfer), overdue=overdue(transfer, today)),
            _step(RECEIVED, UPCOMING)]


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """The registered regions' names by code (one query); a code not registered is left out."""
    wanted = set(codes)
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name")) if wanted else {}


def as_json_many(transfers: list[Transfer], *, figures: bool = True, refusal: bool = True,
                 today: date | None = None) -> list[dict[str, Any]]:
    """The transfers with their steps and the other region's name (one query for all). `figures`: the months and
    amounts that moved; `refusal`: a closed transfer's written refusal (an employer sees neither: they are the
    person's record outside the unit's time)."""
    names = region_names(t.other_region for t in transfers)
    out = []
    for transfer in transfers:
        shown = steps(transfer, today)
        if not refusal:
            for step in shown:
                step.pop("refusal", None)
        item = {"transfer": transfer.uid, "direction": transfer.direction, "state": transfer.state,
                "other_region": transfer.other_region, "other_region_name": names.get(transfer.other_region, ""),
                "collect": transfer.collect, "requested_on": transfer.requested_on,
                "due_on": due_date(transfer) or None, "ended_on": transfer.ended_on or None,
                "overdue": overdue(transfer, today), "supplements": transfer.supplements, "steps": shown}
        if figures:
            item.update(months=transfer.months, deemed_months=transfer.deemed_months,
                        account_fen=transfer.account_fen, pooled_fen=transfer.pooled_fen)
        if refusal:
            item["refusal"] = transfer.refusal or None
        out.append(item)
    return out


def as_json(transfer: Transfer, **options: Any) -> dict[str, Any]:
    return as_json_many([transfer], **options)[0]
