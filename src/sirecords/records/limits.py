"""Read limits (第二十二条: no bulk reads of the records), in two parts:

- distinct persons per rolling hour and day, per staff member or per service account (its tokens together),
  counted in the access log itself (it records every read; the index audit_access_actor_at serves the count).
  A person already read within the window is not a new one: the clerk can go back to the record at hand.
- the request rate of look-ups by ID number ("lookups", found or not) and of look-ups that found nobody
  ("probes": blind guessing), by django-ratelimit in the shared "reads" cache (settings.CACHES).

Beyond a limit the read is refused (the caller sees why, 429), the refusal is written to the access log, and the
first refusal of the window raises a ReadAlert that supervisors see on their pages.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from sirecords.records.models import AccessEvent, ReadAlert

security_log = logging.getLogger("sirecords.security")

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
REFUSED = "refused:"  # the start of `what` for a refused read: not a read, never counted as one
# What the supervisors' log pages record: listings of many persons, part of supervision, not counted as reads.
UNCOUNTED = ("maintenance_log", "maintenance_log.csv")


class ReadRefused(PermissionError):
    """This read may not happen: `message` says why; `status` 403 (region) or 429 (a limit), with `retry_after` the
    seconds until the limit lets a read through again (the API's Retry-After header)."""

    def __init__(self, message: str, status: int = 403, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


def read_limits() -> dict:
    return settings.SIRECORDS_READ_LIMITS


def _stamp(moment: datetime) -> str:
    """As the access log writes its `at` (ledger.append.utc_timestamp): comparable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def counted(username: str, since: datetime):
    """The actor's access records since `since` that count as reads of a person."""
    return (AccessEvent.objects.filter(actor=username, at__gte=_stamp(since))
            .exclude(what__startswith=REFUSED).exclude(what__in=UNCOUNTED))


def distinct_read(username: str, since: datetime) -> int:
    """How many distinct persons (or ID numbers looked up) `username` read since `since`."""
    return counted(username, since).values("subject").distinct().count()


def raise_alert(username: str, limit: str, allowed: str, *, channel: str, via: str) -> None:
    """The first refusal by `limit` in its window: a ReadAlert for the supervisors (one per actor, limit, window)."""
    now = datetime.now(UTC)
    window = now.strftime("%Y-%m-%d") if limit == "day" else now.strftime("%Y-%m-%dT%H")
    try:
        with transaction.atomic():
            ReadAlert.objects.get_or_create(actor=username, limit=limit, window=window,
                                            defaults={"at": now, "allowed": allowed, "channel": channel, "via": via[:40]})
    except IntegrityError:  # a concurrent refusal made it first
        pass
    security_log.warning("read limit %s (%s) reached by %s via %s", limit, allowed, username, via)


def _seconds_until_a_person_leaves(recent, span: timedelta, now: datetime) -> int:
    """Seconds until the oldest counted read of the window leaves it, which frees one person."""
    oldest = recent.order_by("at").values_list("at", flat=True).first()
    if oldest is None:
        return int(span.total_seconds())
    left = datetime.strptime(oldest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) + span - now
    return max(1, int(left.total_seconds()) + 1)


def check_distinct(username: str, subject: str, *, token: bool) -> tuple[str, str, str, int] | None:
    """(limit, allowed, message, seconds to wait) when reading `subject` now would exceed a distinct-person limit,
    else None."""
    limits = read_limits()["token" if token else "user"]
    now = datetime.now(UTC)
    for window, span in WINDOWS.items():
        allowed = limits.get(window)
        if allowed is None:
            continue
        recent = counted(username, now - span)
        if recent.filter(subject=subject).exists():
            continue  # read within this window already: not a new person
        if recent.values("subject").distinct().count() >= allowed:
            per = _("hour") if window == "hour" else _("day")
            return window, f"{allowed}/{window}", _(
                "You have read the records of {count} different persons in the last {per}, the most allowed (第二十二条: "
                "no bulk reads). This read is refused and the supervisors are told; records you already read in "
                "this {per} stay open to you.").format(count=allowed, per=per), _seconds_until_a_person_leaves(recent, span, now)
    return None


def _usage(request, group: str, key: str, rate: str, increment: bool) -> dict | None:
    return get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment)


def check_rate(request, key: str) -> tuple[str, str, str, int] | None:
    """Count this look-up by ID number; (limit, allowed, message, seconds to wait) when the caller's look-up rate or
    probe rate is exceeded, else None. `key` names the caller: "user:<name>" or "token:<uid>"."""
    limits = read_limits()
    probes = _usage(request, "sirecords.reads.probes", key, limits["probes"], increment=False)
    if probes and probes["count"] >= probes["limit"]:  # that many misses already: no further look-up in the window
        return "probes", limits["probes"], _(
            "Too many look-ups of ID numbers nobody is registered with ({rate}): look-ups are paused for you and the "
            "supervisors are told. Try again in {minutes} minutes.").format(
            rate=limits["probes"], minutes=max(1, probes["time_left"] // 60 + 1)), max(1, probes["time_left"])
    lookups = _usage(request, "sirecords.reads.lookups", key, limits["lookups"], increment=True)
    if lookups and lookups["should_limit"]:
        return "lookups", limits["lookups"], _(
            "Too many look-ups by ID number ({rate}): wait {seconds} seconds and try again; the supervisors are "
            "told.").format(rate=limits["lookups"], seconds=max(1, lookups["time_left"])), max(1, lookups["time_left"])
    return None


def count_probe(request, key: str) -> None:
    """A look-up found nobody: one more towards the probe limit."""
    _usage(request, "sirecords.reads.probes", key, read_limits()["probes"], increment=True)


def recent_alerts(days: int = 7, limit: int = 20) -> list[ReadAlert]:
    """The latest alerts, newest first, for the supervisors' pages."""
    since = datetime.now(UTC) - timedelta(days=days)
    return list(ReadAlert.objects.filter(at__gte=since).order_by("-at")[:limit])
