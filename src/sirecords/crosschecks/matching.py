"""What comparing one feed with the record found, shared by the feeds' modules: new discrepancies, repeated ones,
rows about nobody the record holds; and finding persons by the blind index of their ID number a chunk at a time."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection

from sirecords.core.canonical import canonical_bytes
from sirecords.core.workdays import working_days_after
from sirecords.crosschecks import hashed_join, server_csv
from sirecords.crosschecks.models import Discrepancy, DiscrepancyState
from sirecords.crypto.sealing import blind_index
from sirecords.registry.models import FormerIdNumber, Person

CHUNK = 1000  # rows compared at a time: one query per table per chunk


def chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def persons_by_number(numbers: Iterable[str]) -> dict[str, Person]:
    """Normalised ID number → the person registered with it, or who held it before public security changed it, for
    those of `numbers` the record holds (two queries, whatever their count)."""
    by_index = {blind_index("id_number", number): number for number in set(numbers)}
    found = {by_index[person.id_number_index]: person
             for person in Person.objects.filter(id_number_index__in=list(by_index))}
    former = dict(FormerIdNumber.objects.filter(id_number_index__in=[i for i, n in by_index.items() if n not in found])
                  .values_list("id_number_index", "person_id"))
    if former:
        persons = Person.objects.in_bulk(list(set(former.values())))
        found.update({by_index[index]: persons[uid] for index, uid in former.items()})
    return found


def reads_register(count: int) -> bool:
    """Whether `count` numbers are better matched by reading the register whole than by probing its index."""
    return count * SCAN_FRACTION >= _persons_estimate()


def register_frame():
    """The register's blind indexes and uids (`index`, `person`), read whole (a report about a good part of it)."""
    import polars as pl

    schema = {"index": pl.String, "person": pl.String}
    if connection.vendor == "postgresql":
        return server_csv.read(["id_number_index", "uid"], "registry_person", [], schema, chunk=100_000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_index, uid FROM registry_person")
        return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


def with_persons(frame, register=None):
    """`frame` (a Polars frame with an `index` column: blind indexes of ID numbers) with each row's person (`person`:
    the uid registered with the number, or who held it before public security changed it; null for nobody). For a
    report of a million rows the register, when read whole (`register`, read already, or read here when worthwhile),
    is matched by one join, not a million look-ups; the former numbers are probed for the rows it leaves unmatched."""
    import polars as pl

    schema = {"index": pl.String, "person": pl.String}
    if register is None and not reads_register(frame.height):
        found = uids_by_index(frame["index"].to_list())
        return frame.join(pl.DataFrame({"index": list(found), "person": list(found.values())}, schema=schema),
                          on="index", how="left")
    joined = hashed_join.join(frame, register if register is not None else register_frame(), ["index"], "left")
    rest = joined.filter(pl.col("person").is_null())["index"].unique().to_list()
    former = _by_index("registry_former_id_number", "person_id", rest)
    if not former:
        return joined
    return joined.update(pl.DataFrame(former, schema=schema, orient="row"), on="index", how="left")


def uids_by_index(indexes: list[str]) -> dict[str, str]:
    """Blind index of an ID number → the uid of the person registered with it, or who held it before public security
    changed it, for those the record holds, found by probing the index: a query per 50,000 numbers on PostgreSQL (one
    array parameter each), per 5,000 on SQLite. (A report about a good part of the register reads it whole instead:
    with_persons.)"""
    found = dict(_by_index("registry_person", "uid", indexes))
    found.update(_by_index("registry_former_id_number", "person_id", [index for index in indexes if index not in found]))
    return found


SCAN_FRACTION = 10  # read the register whole when the numbers are a tenth of it or more


def _persons_estimate() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_person'")
            estimate = cursor.fetchone()
            if estimate and estimate[0] > 0:  # -1 before the first ANALYZE
                return int(estimate[0])
        cursor.execute("SELECT COUNT(*) FROM registry_person")
        return int(cursor.fetchone()[0])


def _by_index(table: str, column: str, indexes: list[str]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    postgres = connection.vendor == "postgresql"
    size = 50_000 if postgres else 5_000
    with connection.cursor() as cursor:
        for start in range(0, len(indexes), size):
            chunk = indexes[start:start + size]
            if postgres:  # one text parameter: the indexes are hex digits, the array's literal needs no quoting
                cursor.execute(f"SELECT id_number_index, {column} FROM {table} WHERE id_number_index = ANY(%s::text[])",  # nosec B608 # callers' literal names; values bound
                               ["{" + ",".join(chunk) + "}"])
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT id_number_index, {column} FROM {table} WHERE id_number_index IN ({marks})", chunk)  # nosec B608 # callers' literal names; values bound
            rows += cursor.fetchall()
    return rows


def figures_of(detail: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(detail)).hexdigest()


def due_on(kind: str, today: date) -> str:
    """`today` plus the kind's working days (settings.SIRECORDS_CROSSCHECK_DUE_DAYS; Saturdays and Sundays skipped)."""
    return _working_days_after(today, settings.SIRECORDS_CROSSCHECK_DUE_DAYS.get(
        kind, settings.SIRECORDS_CROSSCHECK_DUE_DAYS["default"]))


@lru_cache(maxsize=256)  # a report queues thousands of discrepancies of a few kinds, all on the same day
def _working_days_after(today: date, days: int) -> str:
    return working_days_after(today, days).isoformat()


@dataclass
class Comparison:
    feed: str  # the feed file's SHA-256
    today: date
    new: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # (kind, subject, key) → discrepancy
    repeated: list[str] = field(default_factory=list)  # ids of known discrepancies reported again
    unmatched: list[dict] = field(default_factory=list)
    no_action: int = 0
    _reported: list[tuple[tuple[str, str, str], dict, tuple[str, str] | None, int]] = field(default_factory=list)

    def found(self, kind: str, subject: str, key: str, detail: dict[str, Any], *, line: int,
              hold: tuple[str, str] | None = None) -> None:
        """The row on `line` shows this discrepancy; `hold`: (award, person) whose payments are held from now."""
        self._reported.append(((kind, subject, key), detail, hold, line))

    def unmatched_row(self, row: dict, index: str, detail: dict[str, Any]) -> None:
        self.unmatched.append({"line": row["line"], "index": index, "detail": detail})

    def settle(self) -> None:
        """Sort what was reported into new discrepancies and repeats, against those the record already holds (one
        query a chunk): a known one is repeated unless it was dismissed and its figures changed (then reopened)."""
        known: dict[tuple[str, str, str], Discrepancy] = {}
        subjects = sorted({subject for (_kind, subject, _key), _detail, _hold, _line in self._reported})
        for start in range(0, len(subjects), CHUNK):
            for row in Discrepancy.objects.filter(subject__in=subjects[start:start + CHUNK]):
                known[row.kind, row.subject, row.key] = row
        for identity, detail, hold, line in self._reported:
            figures = figures_of(detail)
            earlier = known.get(identity)
            if identity in self.new or (earlier is not None and not (earlier.state == DiscrepancyState.DISMISSED
                                                                      and earlier.figures != figures)):
                self.repeated.append(self.new[identity]["id"] if identity in self.new else earlier.id)
                continue
            kind, subject, key = identity
            self.new[identity] = {"id": earlier.id if earlier else uuid.uuid4().hex[:12], "kind": kind, "subject": subject,
                                  "key": key, "detail": detail, "figures": figures, "due_on": due_on(kind, self.today),
                                  "feed": self.feed, "line": line, "reopened": earlier is not None,
                                  **({"hold": {"award": hold[0], "person": hold[1]}} if hold else {})}

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for discrepancy in self.new.values():
            totals[discrepancy["kind"]] = totals.get(discrepancy["kind"], 0) + 1
        return dict(sorted(totals.items()))
