"""Prometheus metrics (issue #13 point 5): requests counted here as they pass; the ledger's figures read from the
database at each scrape, so they hold whichever process posted (pages, API, CLI, timers).

Gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py sets it), each
worker writes its counts to that folder and a scrape adds them up (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Not in the default registry: the scrape builds its own (multiprocess mode cannot share the default one).
REQUESTS = Counter("sirecords_http_requests", "HTTP requests answered, by method and status code.",
                   ["method", "status"], registry=None)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestCountMiddleware:
    """Counts every answer by method and status; never by path (unbounded label values: a path holds IDs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method=method, status=str(response.status_code)).inc()
        return response


def _age(moment: datetime | None, now: datetime) -> float:
    return float("nan") if moment is None else max(0.0, (now - moment).total_seconds())


class LedgerCollector:
    """The ledger's size, the postings, and the age of the latest signed checkpoint, read at scrape time."""

    def collect(self):
        from sirecords.ledger.append import read_head
        from sirecords.ledger.models import Checkpoint, Entry
        from sirecords.transactions.kinds import TRANSACTION_POSTED

        now = timezone.now()
        size = read_head()[0]
        # Every posting ends with one `transaction.posted` entry; the (kind, seq) index answers the count.
        postings = Entry.objects.filter(kind=TRANSACTION_POSTED).count()
        last = Checkpoint.objects.order_by("-size").only("size", "created_at").first()
        yield GaugeMetricFamily("sirecords_ledger_entries", "Entries in the ledger (its size).", value=size)
        yield CounterMetricFamily("sirecords_postings", "Business transactions posted (transaction.posted entries).",
                                  value=postings)
        yield GaugeMetricFamily("sirecords_checkpoint_size", "Ledger size the latest signed checkpoint covers (0: none).",
                                value=0 if last is None else last.size)
        yield GaugeMetricFamily("sirecords_checkpoint_age_seconds",
                                "Seconds since the latest signed checkpoint was made (NaN: none yet).",
                                value=_age(None if last is None else last.created_at, now))


def last_verify() -> tuple[datetime | None, bool | None]:
    """When `sirecords verify` last ran and whether everything held, from the result it leaves for the supervisors'
    integrity page ($SIRECORDS_HOME/verify-last.json); (None, None) when it never ran or the file is unreadable."""
    from sirecords.core.home import home

    try:
        result = json.loads((home() / "verify-last.json").read_text(encoding="utf-8"))
        when = datetime.fromisoformat(str(result["checked_at"]).replace("Z", "+00:00")).astimezone(UTC)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, None
    return when, bool(result.get("ok")) and not result.get("findings")


class VerifyCollector:
    """The age and outcome of the last `sirecords verify` (the nightly timer runs it)."""

    def collect(self):
        when, ok = last_verify()
        yield GaugeMetricFamily("sirecords_verify_age_seconds",
                                "Seconds since `sirecords verify` last ran (NaN: never, or its result is unreadable).",
                                value=_age(when, timezone.now()))
        yield GaugeMetricFamily("sirecords_verify_ok", "1 when the last verify found everything holding, else 0.",
                                value=1 if ok else 0)


class BackupCollector:
    """The age of the newest backup (backup-last.json, written by `sirecords backup create`), and the age and outcome
    of the last readability check and restore drill (their ledger entries, operations app)."""

    def collect(self):
        from sirecords.operations.reading import last_backup, latest_drills, latest_readability

        now = timezone.now()
        made = last_backup()
        yield GaugeMetricFamily("sirecords_backup_age_seconds", "Seconds since the newest backup was made (NaN: none yet).",
                                value=_age(None if made is None else made.created_at, now))
        checked, drilled = latest_readability(1), latest_drills(1)
        yield GaugeMetricFamily("sirecords_backup_verify_age_seconds",
                                "Seconds since backups were last read back by `backup verify` (NaN: never).",
                                value=_age(checked[0].at if checked else None, now))
        yield GaugeMetricFamily("sirecords_backup_verify_ok", "1 when the last readability check found the backup whole.",
                                value=1 if checked and checked[0].ok else 0)
        yield GaugeMetricFamily("sirecords_backup_drill_age_seconds", "Seconds since the last restore drill (NaN: never).",
                                value=_age(drilled[0].at if drilled else None, now))
        yield GaugeMetricFamily("sirecords_backup_drill_ok", "1 when the last drill restored and verified the manifest's root.",
                                value=1 if drilled and drilled[0].ok else 0)


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
    registry.register(LedgerCollector())
    registry.register(VerifyCollector())
    registry.register(BackupCollector())
    return generate_latest(registry)
