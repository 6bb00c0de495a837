"""The department's report behind a discrepancy: the row of the feed file (stored sealed) that first reported it, as the
department sent it, with where it came from — what a reviewer of the fix sees as its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sirecords.core.money import fen_to_yuan
from sirecords.crosschecks import feeds, filestore
from sirecords.crosschecks.models import Discrepancy, FeedFile


@dataclass(frozen=True)
class Report:
    kind: str  # the feed's kind
    source: str  # who sends that feed (feeds.FORMATS[kind].title)
    file_name: str
    sha256: str
    received_at: str
    line: int
    fields: tuple[tuple[str, str], ...]  # (column, value as received, canonical)


def report_of(discrepancy: Discrepancy) -> Report:
    feed = FeedFile.objects.get(sha256=discrepancy.feed)
    data = filestore.load(feed.sha256)
    # Read with the file's own encoding; the dates were checked when it came, so "today" is not asked again.
    read = feeds.read(feed.kind, data, encoding=feed.encoding, hold_invalid=True, today=date.max)
    feeds.forget()  # one row was wanted: the parsed file is not kept in memory
    spec = feeds.FORMATS[feed.kind]
    rows = read.frame.filter(read.frame["line"] == discrepancy.line).to_dicts() if discrepancy.line else []
    # A row the record holds and the report left out (recorded_not_paid) has no line: the report is the whole file.
    fields = tuple((column.name, fen_to_yuan(rows[0][column.name]) if column.dtype == "Int64" else str(rows[0][column.name]))
                   for column in spec.fast_columns) if rows else ()
    return Report(feed.kind, spec.title, feed.file_name, feed.sha256, feed.received_at, discrepancy.line, fields)
