"""record_crosscheck_feed: a department's feed file compared with the record (第五条), posted at once.

Receiving a report changes no one's record: it queues discrepancies for the clerks, each then resolved only through
its own reviewed transaction (record_death, suspend_benefit, …) or dismissed. What it does at once is hold the payment
of a pension a report may stop (a death, an imprisonment): payroll must not pay an award while such a report is
examined (经办条例 第四十六条). The comparison runs inside the posting, from the sealed file, so what is recorded is what
the file shows against the record as it stands when it is posted.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.benefits.kinds import PENSION_WITHHELD
from sirecords.crosschecks import employer_status, establishment, feeds, filestore, id_changes, payment_returns, person_events, tax_paid
from sirecords.crosschecks.kinds import DISCREPANCY_FOUND, DISCREPANCY_REPEATED, FEED_RECEIVED, UNMATCHED_ROWS_KEPT
from sirecords.crosschecks.matching import Comparison
from sirecords.crosschecks.models import FeedFile
from sirecords.crypto.store import StoreError
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields


def _by_rows(compare):
    """A comparer of a smaller feed, which reads its rows as dicts."""
    return lambda feed, comparison: compare(feed.rows, comparison)


# The feeds compared with the record so far, each by its own module: (the feed read, the comparison) → None.
COMPARERS = {"person_events": _by_rows(person_events.compare), "payment_returns": _by_rows(payment_returns.compare),
             "employer_status": _by_rows(employer_status.compare), "id_changes": _by_rows(id_changes.compare),
             "establishment": _by_rows(establishment.compare), "tax_paid": tax_paid.compare}
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
RECEIVED_BEFORE = "this file was received before: a file is compared once"
PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])(:[0-9]{4}-(0[1-9]|1[0-2]))?\Z")  # the months a tax_paid feed covers


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added("kind", "数据类型 feed", payload.get("kind")), added("file", "文件 file (SHA-256)", payload.get("file")),
            added("file_name", "文件名 file name", payload.get("file_name"))]


def check(payload: dict[str, Any]) -> dict[str, Any]:
    errors = Errors()
    unknown_fields(payload, {"kind", "file", "file_name", "period", "encoding", "hold_invalid"}, errors)
    kind = payload.get("kind")
    if kind not in COMPARERS:
        errors["kind"] = f"{kind!r} is not a feed compared with the record ({', '.join(COMPARERS)})"
    sha256 = payload.get("file") or ""
    if not _SHA256.match(sha256):
        errors["file"] = "is the feed file's SHA-256 (64 lower-case hex digits)"
    elif FeedFile.objects.filter(sha256=sha256).exists():
        errors["file"] = RECEIVED_BEFORE
    file_name = text(payload, "file_name", errors, required=True, max_length=200)
    period = payload.get("period") or ""
    if problem := period_problem(kind, period):
        errors["period"] = problem
    if payload.get("encoding", "utf-8") not in feeds.ENCODINGS:
        errors["encoding"] = f"is one of {', '.join(feeds.ENCODINGS)}"
    if not isinstance(payload.get("hold_invalid", False), bool):
        errors["hold_invalid"] = "is true or false"
    errors.raise_if_any()
    return {"kind": kind, "file": sha256, "file_name": file_name, "period": period,
            "encoding": payload.get("encoding", "utf-8"), "hold_invalid": payload.get("hold_invalid", False)}


def period_problem(kind: str, period: str) -> str | None:
    """What is wrong with the months a feed of `kind` is said to cover, or None."""
    if not isinstance(period, str):
        return "is text: YYYY-MM or YYYY-MM:YYYY-MM"
    if period and not PERIOD.match(period):
        return f"{period[:20]!r} is not YYYY-MM or YYYY-MM:YYYY-MM"
    if period and months_of(period)[0] > months_of(period)[1]:
        return f"{period} ends before it begins"
    if kind == "tax_paid" and not period:
        return "is required for tax_paid: the months the report covers, YYYY-MM or YYYY-MM:YYYY-MM"
    if period and kind != "tax_paid":
        return "is only for tax_paid (the months a collector's report covers)"
    return None


def months_of(period: str) -> tuple[str, str] | None:
    """The first and last month of a period YYYY-MM[:YYYY-MM] (checked by PERIOD), or None for no period."""
    if not period:
        return None
    first, _, last = period.partition(":")
    return first, last or first


def compare(request: dict[str, Any], today: date) -> tuple[feeds.Feed, Comparison]:
    """Read the stored file and compare it with the record: (the feed, what comparing found)."""
    try:
        data = filestore.load(request["file"])
    except StoreError as problem:
        raise InvalidTransaction({"file": f"the stored feed file cannot be read: {problem}"}) from None
    try:
        feed = feeds.read(request["kind"], data, encoding=request["encoding"], hold_invalid=request["hold_invalid"], today=today,
                          months=months_of(request["period"]))
    except feeds.FeedRefused as refused:
        raise InvalidTransaction({"file": str(refused)}) from None
    comparison = Comparison(feed.sha256, today)
    COMPARERS[request["kind"]](feed, comparison)
    comparison.settle()
    return feed, comparison


@transaction_type("record_crosscheck_feed", gettext_lazy("Record a department's report and compare it with the record (第五条)"),
                  creators=("clerk",), describe=_describe)
def record_crosscheck_feed(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    request = check(payload)
    feed, comparison = compare(request, date.today())
    entries = []
    for discrepancy in comparison.new.values():
        hold = discrepancy.get("hold")
        entries.append(NewEntry(DISCREPANCY_FOUND, f"discrepancy:{discrepancy['id']}",
                                {**{k: v for k, v in discrepancy.items() if k != "hold"},
                                 **({"hold": hold["award"]} if hold else {})}))
        if hold:  # one hold per discrepancy (an award held for two reports is paid again when both are settled)
            entries.append(NewEntry(PENSION_WITHHELD, f"award:{hold['award']}",
                                    {"hold": discrepancy["id"], "award": hold["award"], "person": hold["person"],
                                     "reason": discrepancy["kind"]}))
    repeats = Counter(comparison.repeated)
    entries += [NewEntry(DISCREPANCY_REPEATED, f"discrepancy:{identifier}", {"id": identifier, "feed": feed.sha256,
                                                                              "count": count})
                for identifier, count in sorted(repeats.items())]
    if comparison.unmatched:
        entries.append(NewEntry(UNMATCHED_ROWS_KEPT, f"feed:{feed.sha256}", {"feed": feed.sha256, "kind": feed.kind,
                                                                            "rows": comparison.unmatched}))
    entries.append(NewEntry(FEED_RECEIVED, f"feed:{feed.sha256}", {
        "sha256": feed.sha256, "kind": feed.kind, "file_name": request["file_name"], "encoding": request["encoding"],
        "period": request["period"],
        "rows": feed.count, "held": len(feed.held_lines), "unmatched": len(comparison.unmatched),
        "repeated": len(comparison.repeated), "found": len(comparison.new), "discrepancies": comparison.counts(),
        "no_action": comparison.no_action}))
    return entries
