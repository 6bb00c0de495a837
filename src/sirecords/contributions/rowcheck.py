"""Reading a collection file and checking its rows one by one: the reference row path (pure Python, no Django).

`collection.py` (the database side) and `fastcheck.py` (the vectorised path, which may run in a child process)
both use what is here: the file's lines as read (`Source`: hashed, UTF-8, at most MAX_LINE characters a line),
the header, and `RowChecker`, which checks one row's fields exactly as docs/collection-file.md says and names
each problem with its line, field and reason. The vectorised path hands every row it does not find clean to
`RowChecker`, so a problem is always reported in the same words whichever path found the row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sirecords.core.csvsafe import writer as csv_writer
from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.core.text import canonical
from sirecords.engine.params import CATEGORIES, INSURANCE_TYPES

COLUMNS = ("id_number", "uscc", "period", "insurance_type", "category", "wage", "base", "employer_amount",
           "individual_amount", "paid_on")
# ASCII digits only ([0-9], never \d, which also matches full-width and Arabic-Indic digits): fields are canonical first.
_MONEY = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,2}))?\Z")
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
CHUNK = 500  # identifiers per look-up query
MAX_PROBLEMS = 10_000  # beyond this the report says how many more there were
MAX_LINE = 4096  # characters in one line: a row has about 110; a longer line is a problem, never held whole
BLOCK = 50_000  # rows resolved, computed and staged at a time
LEAF_BLOCK = 1 << 16  # leaves hashed into one perfect subtree at a time
CACHE = 200_000  # entries each look-up cache keeps before it starts again
MAX_HELD = 10_000  # --hold-invalid: rows a file may hold back; beyond, the file is refused whole (the report names each)


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str
    kind: str = "error"  # or "discrepancy"


@dataclass
class Prepared:
    sha256: str
    region: str
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    row_count: int = 0  # the rows are staged in this session (staging.py), in rows.COLUMNS order, numbered from 1
    rows_root: str = ""
    rule_versions: list[str] = field(default_factory=list)
    periods: tuple[str, str] = ("", "")
    summary: dict | None = None  # the reviewers' totals (rows.summary_of's form)
    hold_invalid: bool = False  # checked with --hold-invalid: rows with a problem are held, the others staged
    held_lines: list[int] = field(default_factory=list)  # the held rows' lines in the file, in order
    held_problems: list[Problem] = field(default_factory=list)  # why each is held (every held line has one at least)
    held_csv: bytes = b""  # the held rows as the file wrote them, under its header (UTF-8 CSV), for resubmission
    whole: str = ""  # --hold-invalid: why the file is refused whole all the same ("" when it is not)
    bad_lines: set[int] | None = field(default=None, repr=False)  # while checking with held rows: lines with a problem
    held_overflow: bool = False  # more than MAX_HELD rows have a problem

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def held_count(self) -> int:
        return len(self.held_lines)

    @property
    def held_sha256(self) -> str:
        """The SHA-256 of the held rows' CSV ("" when none is held): what the reviewers approve and the report holds."""
        return hashlib.sha256(self.held_csv).hexdigest() if self.held_lines else ""

    def add(self, line: int, field_name: str, reason: str, kind: str = "error") -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, field_name, reason, kind))
        else:
            self.more_problems += 1

    def hold(self, line: int) -> None:
        """A row with a problem of its own (collected only when checking with held rows)."""
        bad = self.bad_lines
        if bad is not None and line not in bad:
            if len(bad) < MAX_HELD:
                bad.add(line)
            else:
                self.held_overflow = True

    def report_lines(self) -> list[str]:
        """The problems, or when none refuses the file the held rows' problems, as `line N: field: reason`."""
        ordered = sorted(self.problems or self.held_problems, key=lambda p: (p.line, p.field))
        lines = [f"line {p.line}: {p.field}: {p.reason}" + (" [discrepancy]" if p.kind == "discrepancy" else "")
                 for p in ordered]
        if self.more_problems:
            lines.append(f"… and {self.more_problems} more problem(s)")
        return lines

    def write_report(self, stream) -> None:
        """The problems (or, when rows are held, the held rows' problems) as CSV; a value starting like a formula is
        neutralised (core/csvsafe.py)."""
        writer = csv_writer(stream)
        writer.writerow(["line", "field", "kind", "reason"])
        for p in sorted(self.problems or self.held_problems, key=lambda p: (p.line, p.field)):
            writer.writerow([p.line, p.field, p.kind, p.reason])



def _check_combo(period: str, insurance_type: str, category: str, has_uscc: bool,
                 today: date) -> tuple[int, int] | list[tuple[str, str]]:
    """(year, month) of a row's period, or the problems of its period, insurance type and category."""
    problems = []
    match = _PERIOD.match(period)
    ym: tuple[int, int] | None = None
    if not match or not 1 <= int(match[2]) <= 12:
        problems.append(("period", f"{period!r} is not a contribution month YYYY-MM"))
    elif (int(match[1]), int(match[2])) > (today.year, today.month):
        problems.append(("period", f"{period} is in the future (this month is {today.year:04d}-{today.month:02d})"))
    elif int(match[1]) < 1990:
        problems.append(("period", f"{period} is before 1990, earlier than any contribution record"))
    else:
        ym = (int(match[1]), int(match[2]))
    if insurance_type not in INSURANCE_TYPES:
        problems.append(("insurance_type", f"{insurance_type!r} is not an insurance type code ({', '.join(INSURANCE_TYPES)})"))
    if category not in CATEGORIES:
        problems.append(("category", f"{category!r} is not a category code ({', '.join(CATEGORIES)})"))
    elif category == "employee" and not has_uscc:
        problems.append(("uscc", "is required for an employee (empty only for flexible workers)"))
    elif category == "flexible" and has_uscc:
        problems.append(("uscc", "must be empty for a flexible worker, who contributes without an employer"))
    return problems if problems else ym


def _check_paid_on(paid_on: str, today: date) -> str:
    """"" when paid_on is a real date not in the future, else the reason."""
    if not _DATE.match(paid_on):
        return f"{paid_on!r} is not a date YYYY-MM-DD"
    try:
        paid = date.fromisoformat(paid_on)
    except ValueError:
        return f"{paid_on} is not a real date"
    return f"{paid_on} is in the future" if paid > today else ""


class Source:
    """The file's lines, read in pieces: hashed as read, decoded as UTF-8 (a BOM allowed), split into lines of at most
    MAX_LINE characters (a longer line is reported and read as blank), never the whole file in memory."""

    def __init__(self, pieces: Iterable[bytes], prepared: Prepared) -> None:
        self.pieces, self.prepared = pieces, prepared
        self.hasher = hashlib.sha256()
        self.ascii = True  # whether the lines given out last are all ASCII (then NFKC changes nothing)
        self.failed = False  # not UTF-8: no more lines are given out
        self.line = 0  # lines given out, counted a piece at a time (the reader's line_num names a row's line)

    def lines(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending, skipping, consumed, first = "", False, 0, True  # consumed: bytes decoded so far
        add, hasher = self.prepared.add, self.hasher
        for piece in self.pieces:
            hasher.update(piece)
            if self.failed:
                continue
            try:
                text = decoder.decode(piece)
            except UnicodeDecodeError as error:
                self._not_utf8(error, pending, consumed - (len(error.object) - len(piece)))
                continue
            consumed += len(piece)
            if first and text:  # a BOM is allowed (decoded, so one split across pieces is found too)
                first = False
                if text.startswith("\ufeff"):
                    text = text[1:]
            text = pending + text if pending else text
            parts = text.split("\n")
            pending = parts.pop()
            if skipping:  # inside an over-long line, already reported
                if parts:
                    parts[0], skipping = "", False  # its end: a blank line for the reader, so the numbering holds
                else:
                    pending = ""
            if not skipping and len(pending) > MAX_LINE:
                skipping, pending = True, ""
                add(self.line + len(parts) + 1, "row", f"is longer than {MAX_LINE} characters: not a row of a collection file")
            if parts and max(map(len, parts)) > MAX_LINE:
                for index, part in enumerate(parts):
                    if len(part) > MAX_LINE:
                        add(self.line + index + 1, "row", f"is {len(part)} characters long; a line of a collection file "
                                                          f"has at most {MAX_LINE}")
                        parts[index] = ""
            self.ascii = text.isascii()
            self.line += len(parts)
            yield from parts
        if self.failed:
            return
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            self._not_utf8(error, pending, consumed - len(error.object))
            return
        pending += text
        if pending and not skipping:
            self.ascii = pending.isascii()
            self.line += 1
            yield pending

    def _not_utf8(self, error: UnicodeDecodeError, pending: str, offset: int) -> None:
        self.failed = True
        line = self.line + pending.count("\n") + error.object[:error.start].count(b"\n") + 1
        self.prepared.add(line, "file", f"is not UTF-8 (byte 0x{error.object[error.start]:02x} at offset {offset + error.start}): "
                                        f"save the file as UTF-8 (GBK and other encodings are not accepted)")



def header_index(header: list[str], prepared: Prepared) -> list[int] | None:
    """The position of each of COLUMNS in the header, or None when the header has a problem (reported on line 1)."""
    known = len(prepared.problems)
    names = [canonical(name).lower() for name in header]
    for name in COLUMNS:
        if name not in names:
            prepared.add(1, name, "column is missing (the columns are " + ", ".join(COLUMNS) + ")")
    for name in names:
        if name not in COLUMNS:
            prepared.add(1, name or "(empty)", "is not a column of the collection file")
    if len(set(names)) != len(names):
        prepared.add(1, "header", "names a column twice")
    if len(prepared.problems) > known:
        return None
    return [names.index(name) for name in COLUMNS]


# A checked row: (line, person key, uscc, period, (year, month), insurance type, category, wage, base, employer amount,
# individual amount (all four in fen), paid_on). The person key is what RowChecker's `person_key` makes of the
# normalised ID number (the row path: its blind index; the vectorised path: the number, blind-indexed by the caller).
Checked = tuple


class RowChecker:
    """Checks one row's fields (after the width check): every problem is added to `prepared` with its line and field,
    and the row is held (Prepared.hold) when it has one. Caches of bounded size: a file repeats its ID numbers, codes,
    months and dates."""

    def __init__(self, index: list[int], prepared: Prepared, today: date, person_key: Callable[[str], str]) -> None:
        self.index, self.prepared, self.today, self.person_key = index, prepared, today, person_key
        self.ids: dict[str, tuple[str, str] | None] = {}  # raw → (normalized, person key), None: invalid
        self.id_reasons: dict[str, str] = {}
        self.usccs: dict[str, str | None] = {}
        self.uscc_reasons: dict[str, str] = {}
        # (period, insurance_type, category, uscc given) → (year, month) or the problems of those fields:
        # a file has few distinct combinations, so each is checked once.
        self.combos: dict[tuple[str, str, str, bool], tuple[int, int] | list[tuple[str, str]]] = {}
        self.paid_dates: dict[str, str] = {}  # paid_on → "" (fine) or the reason it is not

    def uscc(self, raw_uscc: str) -> str | None:
        """The normalised code, or None when it is not valid (its reason in uscc_reasons)."""
        usccs = self.usccs
        uscc = usccs.get(raw_uscc, "")
        if uscc == "":
            if len(usccs) >= CACHE:
                usccs.clear()
                self.uscc_reasons.clear()
            problems = check_uscc(raw_uscc)
            uscc = None if problems else normalize_code(raw_uscc)
            if problems:
                self.uscc_reasons[raw_uscc] = problems[0].message
            usccs[raw_uscc] = uscc
        return uscc

    def combo(self, period: str, insurance_type: str, category: str, has_uscc: bool):
        combos = self.combos
        combo = (period, insurance_type, category, has_uscc)
        ym = combos.get(combo)
        if ym is None:
            if len(combos) >= CACHE:
                combos.clear()
            ym = combos[combo] = _check_combo(period, insurance_type, category, has_uscc, self.today)
        return ym

    def paid_on(self, paid_on: str) -> str:
        reason = self.paid_dates.get(paid_on)
        if reason is None:
            if len(self.paid_dates) >= CACHE:
                self.paid_dates.clear()
            reason = self.paid_dates[paid_on] = _check_paid_on(paid_on, self.today)
        return reason

    def check(self, fields: list[str], line: int, canonical_first: bool) -> Checked | None:
        """The checked row, or None when it has a problem (reported)."""
        add = self.prepared.add
        if canonical_first:  # the one rule (core/text.py): NFKC, then the ASCII checks below
            fields = [canonical(value) for value in fields]
        i_id, i_uscc, i_period, i_type, i_category, i_wage, i_base, i_employer, i_individual, i_paid = self.index
        raw_id, raw_uscc, period = fields[i_id].strip(), fields[i_uscc].strip(), fields[i_period].strip()
        insurance_type, category = fields[i_type].strip(), fields[i_category].strip()
        wage, base, employer_amount = fields[i_wage].strip(), fields[i_base].strip(), fields[i_employer].strip()
        individual_amount, paid_on = fields[i_individual].strip(), fields[i_paid].strip()
        bad = False
        ids = self.ids
        person_key = ids.get(raw_id, "")
        if person_key == "":
            if len(ids) >= CACHE:
                ids.clear()
                self.id_reasons.clear()
            try:
                number = parse_id_number(raw_id, today=self.today).normalized
                person_key = (number, self.person_key(number))
            except InvalidIdentifier as invalid:
                person_key = None
                self.id_reasons[raw_id] = invalid.message
            ids[raw_id] = person_key
        if person_key is None:
            add(line, "id_number", self.id_reasons[raw_id])
            bad = True
        if raw_uscc:
            uscc = self.uscc(raw_uscc)
            if uscc is None:
                add(line, "uscc", self.uscc_reasons[raw_uscc])
                bad = True
        else:
            uscc = ""
        ym = self.combo(period, insurance_type, category, bool(raw_uscc))
        if type(ym) is list:
            for name, reason in ym:
                add(line, name, reason)
            bad = True
        # Amounts: the common case (ASCII digits, at most two decimals) inline; anything else is reported.
        money = _MONEY.match
        m = money(wage)
        wage_fen = (int(m[1]) * 100 + (int(m[2].ljust(2, "0")) if m[2] else 0)) if m else None
        m = money(base)
        base_fen = (int(m[1]) * 100 + (int(m[2].ljust(2, "0")) if m[2] else 0)) if m else None
        m = money(employer_amount)
        employer_fen = (int(m[1]) * 100 + (int(m[2].ljust(2, "0")) if m[2] else 0)) if m else None
        m = money(individual_amount)
        individual_fen = (int(m[1]) * 100 + (int(m[2].ljust(2, "0")) if m[2] else 0)) if m else None
        if wage_fen is None or base_fen is None or employer_fen is None or individual_fen is None:
            for name, value, fen in (("wage", wage, wage_fen), ("base", base, base_fen),
                                     ("employer_amount", employer_amount, employer_fen),
                                     ("individual_amount", individual_amount, individual_fen)):
                if fen is None:
                    add(line, name, f"{value!r} is not an amount in yuan such as 8000.00 (digits, at most two decimals)")
            bad = True
        if paid_on:
            reason = self.paid_on(paid_on)
            if reason:
                add(line, "paid_on", reason)
                bad = True
        if bad:
            self.prepared.hold(line)
            return None
        return (line, person_key[1], uscc, period, ym, insurance_type, category, wage_fen, base_fen, employer_fen,
                individual_fen, paid_on)


def held_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """The held rows under the file's header, each field as the file wrote it: a corrected copy imports as a new
    file. Through core/csvsafe.py: only a value that starts like a formula changes, and no valid value does."""
    stream = io.StringIO()
    writer = csv_writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue().encode("utf-8")


def csv_rows(lines: Iterable[str], source: Source, prepared: Prepared, index: list[int], width: int,
             checker: RowChecker, emit: Callable[[Checked], None], first_line: int = 1,
             skip: frozenset[int] | None = None, held: tuple[list[int], list[list[str]]] | None = None,
             tick: Callable[[], None] | None = None) -> None:
    """The row path: `lines` (the file's lines after line `first_line`, the header's or a later one) read with the
    csv module, each row checked by `checker` and emitted when it has no problem. `skip`: the held lines, kept
    aside as written (`held`: their line numbers and fields)."""
    reader = csv.reader(lines)
    add, hold = prepared.add, prepared.hold
    while True:
        try:
            for fields in reader:
                line = reader.line_num + first_line
                if tick is not None:
                    tick()
                if skip and line in skip:
                    held[0].append(line)
                    held[1].append(fields)
                    continue
                if len(fields) != width:
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank line
                    add(line, "row", f"has {len(fields)} fields; the header has {width}")
                    hold(line)
                    continue
                row = checker.check(fields, line, not source.ascii)
                if row is not None:
                    emit(row)
            break
        except csv.Error as error:  # a field over the csv module's limit, …: reported, and the reading goes on
            add(reader.line_num + first_line, "row", f"cannot be read as CSV: {error}")
