"""The departments' feed files (docs/crosscheck.md): their columns, and reading one whole or not at all.

Every feed is CSV with a header line naming every column once; each field is canonicalised (NFKC, trimmed: core/text)
before it is checked. Amounts are yuan with two decimals ("0.00"), months YYYY-MM, dates ISO and never in the future;
ID numbers must pass their check character; codes come from the closed lists below. A file with any problem is
refused whole and names the first problems as `line N: field: reason` (the header is line 1); with `hold_invalid`
the rows with a problem of their own are held instead and the others read. UTF-8 (a BOM allowed) unless the caller
declares `gb18030` (a GBK file is a superset's subset): undeclared GBK bytes refuse the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.core.lazy import lazy_import
from sirecords.core.periods import Month
from sirecords.core.text import canonical
from sirecords.crosschecks import fastread
from sirecords.engine.params import INSURANCE_TYPES

pl = lazy_import("polars")  # loaded when a feed is first read, not at every command's start-up

ENCODINGS = ("utf-8", "gb18030")
MAX_PROBLEMS = 200  # a refusal lists this many; the count says how many more
MAX_FIELD = 200  # characters in one field
_MONEY = re.compile(r"[0-9]{1,12}\.[0-9]{2}\Z")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

PERSON_EVENTS = ("died", "death_revoked", "imprisoned", "released")
EVENT_SOURCES = ("public_security", "civil_affairs", "health", "justice", "court")
EMPLOYER_STATUSES = ("active", "deregistered", "revoked")
RETURN_REASONS = ("account_closed", "name_mismatch", "holder_deceased", "other")


class FeedRefused(ValueError):
    """The file as a whole cannot be read (encoding, header, too many problems): nothing is recorded."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems, self.more = problems, more
        lines = [str(problem) for problem in problems] + ([f"… and {more} more"] if more else [])
        super().__init__("; ".join(lines))


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "reason": self.reason}


# --- field checks: each returns the canonical value or raises ValueError with the reason ---------------------------


def id_number(value: str, today: date) -> str:
    try:
        return parse_id_number(value).normalized
    except InvalidIdentifier as invalid:
        raise ValueError(invalid.message) from None


def uscc(value: str, today: date) -> str:
    code = normalize_code(value)
    problems = check_uscc(code)
    if problems:
        raise ValueError(problems[0].message)
    return code


def optional_uscc(value: str, today: date) -> str:
    return uscc(value, today) if value else ""


def name(value: str, today: date) -> str:
    if not value:
        raise ValueError("is empty")
    if any(ch in value for ch in "\r\n\t\0"):
        raise ValueError("holds a control character")
    return value


def reference(value: str, today: date) -> str:
    if not value:
        raise ValueError("is empty: the department's reference of the report")
    if len(value) > 60:
        raise ValueError("is longer than 60 characters")
    return value


def past_date(value: str, today: date) -> str:
    if not _DATE.match(value):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None
    if day > today:
        raise ValueError(f"{value} is in the future")
    return value


def month(value: str, today: date) -> str:
    if not _MONTH.match(value):
        raise ValueError(f"{value!r} is not a month YYYY-MM")
    try:
        parsed = Month.parse(value)
    except ValueError:
        raise ValueError(f"{value} is not a real month") from None
    if parsed > Month(today.year, today.month):
        raise ValueError(f"{value} is in the future")
    return value


def money(value: str, today: date) -> int:
    """Yuan with two decimals → integer fen."""
    if not _MONEY.match(value):
        raise ValueError(f"{value!r} is not an amount in yuan with two decimals (0.00)")
    return int(Decimal(value) * 100)


def one_of(*allowed: str) -> Callable[[str, date], str]:
    def check(value: str, today: date) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value
    return check


def yes_no(value: str, today: date) -> bool:
    if value not in ("yes", "no"):
        raise ValueError(f"{value!r} is not yes or no")
    return value == "yes"


# --- the formats -----------------------------------------------------------------------------------------------------


# The checks the vectorised path (fastread) writes as column expressions; every other check runs once per distinct value.
_VECTORISED = {id_number: "id_number", money: "money", reference: "reference", name: "text"}


@dataclass(frozen=True)
class Format:
    kind: str
    columns: tuple[tuple[str, Callable[[str, date], object]], ...]
    title: str  # who sends it
    rule: Callable[[dict], tuple[str, str] | None] | None = None  # a check across fields: (field, reason) or None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _check in self.columns)

    @cached_property
    def fast_columns(self) -> list[fastread.Column]:
        """How the vectorised path checks each column: by an expression, or once per distinct value by its check."""
        return [fastread.Column(name, check, _VECTORISED.get(check, "distinct"),
                                "Int64" if check is money else "Boolean" if check is yes_no else "String")
                for name, check in self.columns]


FORMATS = {f.kind: f for f in (
    Format("person_events", (("id_number", id_number), ("name", name), ("event", one_of(*PERSON_EVENTS)),
                             ("event_on", past_date), ("source", one_of(*EVENT_SOURCES)), ("reference", reference)),
           "公安、民政、卫健、司法、法院 public security, civil affairs, health, justice, courts"),
    Format("employer_status", (("uscc", uscc), ("name", name), ("status", one_of(*EMPLOYER_STATUSES)),
                               ("effective_on", past_date), ("reference", reference)),
           "市场监管 market regulation"),
    Format("tax_paid", (("id_number", id_number), ("uscc", optional_uscc), ("period", month),
                        ("insurance_type", one_of(*INSURANCE_TYPES)), ("employer_amount", money),
                        ("individual_amount", money), ("paid_on", past_date), ("reference", reference)),
           "征收机构 the contribution collector"),
    Format("id_changes", (("old_id_number", id_number), ("new_id_number", id_number), ("changed_on", past_date),
                          ("reference", reference)),
           "公安 public security",
           lambda row: ("new_id_number", "is the old number: nothing changed")
           if row["new_id_number"] == row["old_id_number"] else None),
    Format("establishment", (("uscc", uscc), ("id_number", id_number), ("on_establishment", yes_no),
                             ("effective_on", past_date), ("reference", reference)),
           "机构编制 the staffing authority"),
    Format("payment_returns", (("id_number", id_number), ("month", month), ("amount", money),
                               ("reason", one_of(*RETURN_REASONS)), ("reference", reference)),
           "代发银行 the paying bank"),
)}


@dataclass
class Feed:
    """A feed file read: its rows in columns (a Polars frame, `line` first, in line order: money as integer fen, yes/no
    as booleans, every other value its canonical text); the rows held (with their problems) when read with
    hold_invalid; for tax_paid the months it covers."""

    kind: str
    sha256: str
    frame: pl.DataFrame
    held: list[Problem] = field(default_factory=list)
    months: tuple[str, str] | None = None

    @cached_property
    def rows(self) -> list[dict]:
        """The rows as dicts (what the comparers of the smaller feeds read)."""
        return self.frame.to_dicts()

    @property
    def count(self) -> int:
        return self.frame.height

    @property
    def held_lines(self) -> set[int]:
        return {problem.line for problem in self.held}


def _text(data: bytes, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise FeedRefused([Problem(1, "file", f"the encoding {encoding!r} is not accepted (utf-8 or gb18030)")])
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise FeedRefused([Problem(line, "file", f"is not {encoding.upper()} (byte 0x{data[error.start]:02x} at offset "
                                                 f"{error.start}): save it as UTF-8, or declare --encoding gb18030")]) from None
    if "\0" in text:
        raise FeedRefused([Problem(text[:text.index("\0")].count("\n") + 1, "file", "holds a NUL byte: not a CSV file")])
    return text


# The last file read in this process, as one (key, feed) pair replaced whole (safe between threads): posting reads again
# what receiving has just read; receiving forgets it once posted, so a large feed is not kept in memory after.
_last: list = [None]


def forget() -> None:
    _last[0] = None


def read(kind: str, data: bytes, *, encoding: str = "utf-8", hold_invalid: bool = False,
         today: date | None = None, months: tuple[str, str] | None = None) -> Feed:
    """The feed `kind` in `data`, every row checked (for tax_paid, its `period` within `months`, the months the report
    covers, when given). Raises FeedRefused (nothing to record) for a problem of the file, or for any row's problem
    unless `hold_invalid`. A file is immutable by its SHA-256: reading the same bytes the same way again in this
    process gives the feed already read."""
    spec = FORMATS.get(kind)
    if spec is None:
        raise FeedRefused([Problem(1, "kind", f"{kind!r} is not a feed ({', '.join(FORMATS)})")])
    today = today or date.today()
    sha256 = hashlib.sha256(data).hexdigest()
    key = (sha256, kind, encoding, hold_invalid, today, months)
    cached = _last[0]
    if cached is not None and cached[0] == key:
        return cached[1]
    text = _text(data, encoding)
    if text and fastread.plain(text):
        header_line, _, body = text.partition("\n")
        header = next(csv.reader([header_line.removesuffix("\r")]), [])
        order = _header_order([canonical(column).lower() for column in header], spec)
        frame, problems = fastread.read_lines(spec.fast_columns, body, order, today,
                                              lambda text, line: _slow_row(spec, text, line, order, today))
        if spec.rule is not None:  # the check across fields, on the rows accepted as written
            broken = {row["line"]: Problem(row["line"], *found) for row in frame.to_dicts() if (found := spec.rule(row))}
            if broken:
                problems = sorted(problems + list(broken.values()), key=lambda problem: problem.line)
                frame = frame.filter(~pl.col("line").is_in(list(broken)))
    else:
        frame, problems = _read_csv(spec, text, today)
    if months is not None and "period" in spec.names:
        outside = frame.filter((pl.col("period") < months[0]) | (pl.col("period") > months[1]))
        if outside.height:
            covered = months[0] if months[0] == months[1] else f"{months[0]}:{months[1]}"
            problems = sorted(problems + [Problem(line, "period", f"{period} is outside the months this report covers "
                                                                  f"(--period {covered})")
                                          for line, period in outside.select("line", "period").iter_rows()],
                              key=lambda problem: problem.line)
            frame = frame.filter((pl.col("period") >= months[0]) & (pl.col("period") <= months[1]))
    if problems and not hold_invalid:
        raise FeedRefused(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))
    if problems:
        frame = frame.filter(~pl.col("line").is_in([problem.line for problem in problems]))
    feed = Feed(kind, sha256, frame, problems, months)
    _last[0] = (key, feed)
    return feed


def _slow_row(spec: Format, text: str, line: int, order: list[int], today: date) -> tuple[dict | None, list[Problem]]:
    """One line the vectorised path did not accept, read and checked as the row path reads it."""
    try:
        record = next(csv.reader([text], strict=True), [])
    except csv.Error as error:
        return None, [Problem(line, "row", f"is not CSV ({error})")]
    if not record or record == [""]:
        return None, []
    values, problems = _row(record, line, spec, order, today)
    return (None if problems else values), problems


def _read_csv(spec: Format, text: str, today: date) -> tuple[pl.DataFrame, list[Problem]]:
    """The row path over the whole text (a file with quoted fields or line breaks other than LF and CRLF)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FeedRefused([Problem(1, "header", f"is not CSV ({error})")]) from None
    if header is None:
        raise FeedRefused([Problem(1, "header", "the file is empty: a header line names the columns")])
    order = _header_order([canonical(column).lower() for column in header], spec)
    problems: list[Problem] = []
    rows: list[dict] = []
    try:
        for record in reader:
            line = reader.line_num
            if not record or record == [""]:
                continue  # a blank line: not a row
            values, row_problems = _row(record, line, spec, order, today)
            if row_problems:
                problems += row_problems
            else:
                rows.append(values)
    except csv.Error as error:
        raise FeedRefused([*problems[:MAX_PROBLEMS], Problem(reader.line_num, "row", f"is not CSV ({error})")]) from None
    return fastread.frame_of(spec.fast_columns, rows), problems


def _header_order(names: list[str], spec: Format) -> list[int]:
    """Where each of the format's columns is in the header (any order); FeedRefused naming each problem on line 1."""
    problems = [Problem(1, name, "column is missing (the columns are " + ",".join(spec.names) + ")")
                for name in spec.names if name not in names]
    problems += [Problem(1, name or "(empty)", f"is not a column of the {spec.kind} feed") for name in names
                 if name not in spec.names]
    if len(set(names)) != len(names):
        problems.append(Problem(1, "header", "names a column twice"))
    if problems:
        raise FeedRefused(problems)
    return [names.index(name) for name in spec.names]


def _row(record: list[str], line: int, spec: Format, order: list[int], today: date) -> tuple[dict, list[Problem]]:
    if len(record) != len(spec.columns):
        return {}, [Problem(line, "row", f"has {len(record)} fields; the {spec.kind} feed has {len(spec.columns)}")]
    values: dict = {"line": line}
    problems = []
    for (column, check), index in zip(spec.columns, order):
        raw = record[index]
        value = canonical(raw)
        if len(value) > MAX_FIELD:
            problems.append(Problem(line, column, f"is longer than {MAX_FIELD} characters"))
            continue
        try:
            values[column] = check(value, today)
        except ValueError as error:
            problems.append(Problem(line, column, str(error)))
    if not problems and spec.rule is not None and (broken := spec.rule(values)):
        problems.append(Problem(line, *broken))
    return values, problems
