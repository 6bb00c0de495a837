"""Reading and checking the collection agency's monthly contribution file (第五条, 第六条).

`prepare(source, region)` reads the CSV (docs/collection-file.md) in pieces, checks every row and collects every
problem with its line number, field and reason; when there is none the rows as they will be stored, computed by
the rules engine (calc.Calculator) with the loaded parameter sets, are staged in this database session
(staging.py), with their Merkle root (rows.py) and the reviewers' totals. Nothing of the record is written here.
Memory is bounded whatever the file's size: a block of rows at a time, caches of bounded size, the Merkle root
folded block by block; what needs every row at once (repeated rows, rows already posted, totals) is asked of
the database. Every field is made canonical first (core/text.py: NFKC, trimmed), then checked in ASCII.

Problems are of two kinds: ``error`` (the row cannot be read or refers to nothing known) and
``discrepancy`` (the paid amounts or base differ from what the engine computes). Either refuses the
whole file — unless `hold_invalid` is asked (`import contributions --hold-invalid`): then every row with a problem
of its own (an error, a discrepancy, a repeat within the file — both copies —, a row already posted) is *held*
and the other rows are staged, numbered and rooted as if the held rows were not in the file. Problems of the file
itself (encoding, header, a line too long or not CSV) still refuse it whole, as do more than MAX_HELD held rows.
The split is found in two passes over the file (the first finds the rows with problems, some only once every row is
staged; the second stages the others and keeps the held rows as they were written), so the same file against the
same database always gives the same split: the reviewers' re-check at posting reproduces it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from sirecords.contributions import arrears, filestore, staging
from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.core.csvsafe import writer as csv_writer
from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.core.money import fen_to_yuan
from sirecords.core.text import canonical
from sirecords.crypto.sealing import blind_index
from sirecords.engine.params import CATEGORIES, INSURANCE_TYPES, ParameterError
from sirecords.ledger import merkle
from sirecords.parameters.queries import loaded_param_set, loaded_versions, params_for_month

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


def _progress(enabled: bool):
    from tqdm import tqdm

    return tqdm(unit="row", unit_scale=True, file=sys.stderr, mininterval=0.5, disable=not enabled, desc="checking rows")


def _lookup(table: str, column: str, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            cursor.execute(f"SELECT {column}, uid FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.update(cursor.fetchall())
    return found


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


class _Source:
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


def _opener(source) -> Callable[[], Iterator[bytes]]:
    """A way to read the file's pieces again: bytes, a path or a seekable file; a callable giving the pieces (the
    store's file: `lambda: filestore.open_pieces(sha256)`); an iterator of pieces only once."""
    if callable(source):
        return source
    if isinstance(source, Iterator):
        used = []

        def once() -> Iterator[bytes]:
            if used:
                raise ValueError("checking with held rows reads the file twice: give bytes, a path or a callable")
            used.append(True)
            return source

        return once
    if hasattr(source, "seek"):
        def again() -> Iterator[bytes]:
            source.seek(0)
            return filestore.pieces(source)

        return again
    return lambda: filestore.pieces(source)


def prepare(source, region: str, *, today: date | None = None, progress: bool = False, check_posted: bool = True,
            hold_invalid: bool = False, held_lines: Iterable[int] | None = None) -> Prepared:
    """Check the file (bytes, a path, an open binary file, an iterable of byte pieces, or a callable giving them) and
    compute its rows, staged in this session (staging.py). `check_posted=False` skips the look-up of rows already
    posted (verify uses it to rebuild a posted batch's expected rows from its file). `hold_invalid=True` holds the
    rows with a problem of their own instead of refusing the file (see the module's docstring); `held_lines` gives
    the held lines as a posted batch's entry names them (verify), and only those are left out."""
    today = today or date.today()
    if held_lines is not None:
        skip = frozenset(held_lines)
        return _prepare(_opener(source)(), region, today, progress, check_posted, skip=skip or None)
    if not hold_invalid:
        return _prepare(_opener(source)(), region, today, progress, check_posted)
    read = _opener(source)
    first = _prepare(read(), region, today, progress, check_posted, collect=True)
    first.hold_invalid = True
    held = first.bad_lines or set()
    first.bad_lines = None
    whole = [p for p in first.problems if p.line not in held or p.line == 1 or p.field == "file"]
    if whole or first.held_overflow or first.more_problems:
        first.whole = (f"more than {MAX_HELD} rows have problems" if first.held_overflow or first.more_problems else
                       "the file itself has problems, not of one row: " + "; ".join(
                           f"line {p.line}: {p.field}: {p.reason}" for p in whole[:3]) + (" …" if len(whole) > 3 else ""))
        return first
    if not held:
        return first
    second = _prepare(read(), region, today, progress, check_posted, skip=frozenset(held))
    second.hold_invalid = True
    second.held_problems = sorted(first.problems, key=lambda p: (p.line, p.field))
    if second.sha256 != first.sha256 or second.held_lines != sorted(held):
        second.add(1, "file", "changed while it was checked: import it again")
    return second


def _prepare(pieces: Iterator[bytes], region: str, today: date, progress: bool, check_posted: bool, *,
             collect: bool = False, skip: frozenset[int] | None = None) -> Prepared:
    """One pass over the file. `collect`: also gather the lines of rows with a problem of their own (and go on to find
    the rows already posted among the others); `skip`: the lines of the rows held, kept aside as written."""
    prepared = Prepared("", region)
    if collect:
        prepared.bad_lines = set()
    source_lines = _Source(pieces, prepared)
    with connection.cursor() as cursor:
        staging.reset(cursor)
        lines = source_lines.lines()
        _check(lines, source_lines, prepared, region, today, progress, _Stager(prepared, region, cursor), skip)
        for _ in lines:  # a refused header stops the reading: the rest is hashed all the same
            pass
        prepared.sha256 = source_lines.hasher.hexdigest()
        for line, first in staging.repeats(MAX_PROBLEMS):
            prepared.add(line, "row", f"duplicates line {first} (same person, employer, period and insurance type)")
            if collect:  # which copy is right only the agency knows: both are held
                prepared.add(first, "row", f"is repeated on line {line} (same person, employer, period and insurance "
                                           "type): both are held")
                prepared.hold(line)
                prepared.hold(first)
        if not prepared.row_count and not prepared.problems and not prepared.held_lines:
            prepared.add(2, "file", "has no rows")
        if collect and check_posted and prepared.row_count:  # rows already posted among those without a problem
            for problem in posted_problems(prepared):
                prepared.problems.append(problem)
                prepared.hold(problem.line)
            check_posted = False
        if prepared.problems:
            return prepared
        if not prepared.row_count:  # every row held: nothing to stage
            return prepared
        persons, employers = staging.distinct_persons_and_employers()
        prepared.summary = {"persons": persons, "employers": employers, "periods": list(prepared.periods),
                            "by_type": prepared.summary}
        if check_posted:
            posted = posted_problems(prepared)
            if posted:
                prepared.problems.extend(posted)
                return prepared
        staging.finish(cursor, prepared.sha256, region, prepared.rows_root)
    return prepared


def _check(lines: Iterator[str], source: _Source, prepared: Prepared, region: str, today: date, progress: bool,
           stager: _Stager, skip: frozenset[int] | None = None) -> None:
    reader = csv.reader(lines)
    header = next(reader, None)  # the first piece is read: its over-long lines are reported already
    if header is None:
        if not prepared.problems:
            prepared.add(1, "file", "is empty: the first line must name the columns")
        return
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
        return
    index = [names.index(name) for name in COLUMNS]
    width = len(names)

    ids: dict[str, tuple[str, str] | None] = {}  # raw → (normalized, blind index), None: invalid
    id_reasons: dict[str, str] = {}
    usccs: dict[str, str | None] = {}
    uscc_reasons: dict[str, str] = {}
    # (period, insurance_type, category, uscc given) → (year, month) or the problems of those fields:
    # a file has few distinct combinations, so each is checked once.
    combos: dict[tuple[str, str, str, bool], tuple[int, int] | list[tuple[str, str]]] = {}
    paid_dates: dict[str, str] = {}  # paid_on → "" (fine) or the reason it is not
    block = []  # (line, id_index, uscc, period, (year, month), type, category, wage, base, employer, individual, paid_on)
    add = prepared.add
    bar = _progress(progress)
    tick = 0
    i_id, i_uscc, i_period, i_type, i_category, i_wage, i_base, i_employer, i_individual, i_paid = index
    money = _MONEY.match
    append = block.append
    hold = prepared.hold
    held_rows: list[list[str]] = []  # with `skip`: the held rows as written
    while True:
        try:
            for fields in reader:
                tick += 1
                if tick == 50_000:
                    bar.update(tick)
                    tick = 0
                if skip and reader.line_num in skip:
                    prepared.held_lines.append(reader.line_num)
                    held_rows.append(fields)
                    continue
                if len(fields) != width:
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank line
                    add(reader.line_num, "row", f"has {len(fields)} fields; the header has {width}")
                    hold(reader.line_num)
                    continue
                line = reader.line_num
                if not source.ascii:  # the one rule (core/text.py): NFKC, then the ASCII checks below
                    fields = [canonical(value) for value in fields]
                raw_id, raw_uscc, period = fields[i_id].strip(), fields[i_uscc].strip(), fields[i_period].strip()
                insurance_type, category = fields[i_type].strip(), fields[i_category].strip()
                wage, base, employer_amount = fields[i_wage].strip(), fields[i_base].strip(), fields[i_employer].strip()
                individual_amount, paid_on = fields[i_individual].strip(), fields[i_paid].strip()
                bad = False
                person_key = ids.get(raw_id, "")
                if person_key == "":
                    if len(ids) >= CACHE:
                        ids.clear()
                        id_reasons.clear()
                    try:
                        number = parse_id_number(raw_id, today=today).normalized
                        person_key = (number, blind_index("id_number", number))
                    except InvalidIdentifier as invalid:
                        person_key = None
                        id_reasons[raw_id] = invalid.message
                    ids[raw_id] = person_key
                if person_key is None:
                    add(line, "id_number", id_reasons[raw_id])
                    bad = True
                if raw_uscc:
                    uscc = usccs.get(raw_uscc, "")
                    if uscc == "":
                        if len(usccs) >= CACHE:
                            usccs.clear()
                            uscc_reasons.clear()
                        problems = check_uscc(raw_uscc)
                        uscc = None if problems else normalize_code(raw_uscc)
                        if problems:
                            uscc_reasons[raw_uscc] = problems[0].message
                        usccs[raw_uscc] = uscc
                    if uscc is None:
                        add(line, "uscc", uscc_reasons[raw_uscc])
                        bad = True
                else:
                    uscc = ""
                combo = (period, insurance_type, category, bool(raw_uscc))
                ym = combos.get(combo)
                if ym is None:
                    if len(combos) >= CACHE:
                        combos.clear()
                    ym = combos[combo] = _check_combo(period, insurance_type, category, bool(raw_uscc), today)
                if type(ym) is list:
                    for name, reason in ym:
                        add(line, name, reason)
                    bad = True
                # Amounts: the common case (ASCII digits, at most two decimals) inline; anything else is reported.
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
                    reason = paid_dates.get(paid_on)
                    if reason is None:
                        if len(paid_dates) >= CACHE:
                            paid_dates.clear()
                        reason = paid_dates[paid_on] = _check_paid_on(paid_on, today)
                    if reason:
                        add(line, "paid_on", reason)
                        bad = True
                if not bad:
                    append((line, person_key[1], uscc, period, ym, insurance_type, category, wage_fen, base_fen, employer_fen,
                            individual_fen, paid_on))
                    if len(block) >= BLOCK:
                        stager.stage(block)
                        block.clear()
                else:
                    hold(line)
            break
        except csv.Error as error:  # a field over the csv module's limit, …: reported, and the reading goes on
            add(reader.line_num, "row", f"cannot be read as CSV: {error}")
    stager.stage(block)
    stager.close()
    if skip:
        prepared.held_csv = _held_csv(header, held_rows)
    bar.update(tick)
    bar.close()


class _Stager:
    """Resolves a block of checked rows (persons, employers, parameter sets), computes them with the engine, extends
    the rows' Merkle root and stages them (staging.py). Memory: one block, and caches of bounded size."""

    def __init__(self, prepared: Prepared, region: str, cursor) -> None:
        self.prepared, self.region, self.cursor = prepared, region, cursor
        self.persons: dict[str, str | None] = {}  # blind index → person uid (None: not registered)
        self.employers: dict[str, str] = {}  # code → employer uid ("": not registered)
        self.needed: dict[tuple[int, int], object] = {}  # (year, month) → ParamSet or the reason there is none
        self.loaded: set[str] = set()
        self.asked: set[str] = set()  # versions asked about (loaded or not)
        self.first_line: dict[str, int] = {}  # unloaded version → the first line that needs it
        self.calculators: dict[tuple, tuple] = {}  # (year, month, insurance type, category) → (version, Calculator)
        self.by_version: dict[tuple[str, str, str], tuple] = {}
        self.number = 0
        self.leaves: list[bytes] = []
        self.blocks = merkle.CompactRange()  # roots of the full blocks of LEAF_BLOCK leaves (perfect subtrees)
        self.versions: set[str] = set()
        self.first = self.last = ""
        self.by_type: dict[str, list[int]] = {}  # the reviewers' totals per insurance type (rows.summary_of's)
        self.plain_versions = False  # whether the last block's rule versions are plain text (_plain)
        self.version_numbers: dict[str, int] = {}  # rule version → its number in the staging table of versions

    def _resolve(self, block: list[tuple]) -> None:
        persons, employers = self.persons, self.employers
        if len(persons) >= CACHE:
            persons.clear()
        if len(employers) >= CACHE:
            employers.clear()
        wanted = sorted({row[1] for row in block} - persons.keys())
        if wanted:
            found = _lookup("registry_person", "id_number_index", wanted)
            persons.update((key, found.get(key)) for key in wanted)
        wanted = sorted({row[2] for row in block if row[2]} - employers.keys())
        if wanted:
            found = _lookup("registry_employer", "uscc", wanted)
            employers.update((code, found.get(code, "")) for code in wanted)
        months = {row[4] for row in block} - self.needed.keys()
        for ym in months:
            try:
                self.needed[ym] = params_for_month(self.region, *ym)
            except ParameterError as error:
                self.needed[ym] = f"no rule parameters for {self.region} {ym[0]:04d}-{ym[1]:02d}: {error}"
        versions = {p.version for p in self.needed.values() if not isinstance(p, str)} - self.asked
        if versions:
            self.loaded |= loaded_versions(versions)
            self.asked |= versions

    def stage(self, block: list[tuple]) -> None:
        if not block:
            return
        self._resolve(block)
        prepared = self.prepared
        add = prepared.add
        persons_get, employers_get = self.persons.__getitem__, self.employers.get
        calculators, needed, loaded, by_version, first_line = (self.calculators, self.needed, self.loaded, self.by_version,
                                                                self.first_line)
        staged, good = [], []
        stage, keep = staged.append, good.append
        by_type, version_numbers = self.by_type, self.version_numbers
        number = self.number
        hold, collecting = prepared.hold, prepared.bad_lines is not None
        for row in block:
            line, person_key, uscc, period, ym, insurance_type, category, wage, base, employer_fen, individual_fen, paid_on = row
            person = persons_get(person_key)
            bad = False
            if person is None:
                add(line, "id_number", "no insured person is registered with this ID number")
                bad = True
            if uscc:
                employer = employers_get(uscc, "")
                if not employer:
                    add(line, "uscc", f"no employer is registered with the code {uscc}")
                    bad = True
            else:
                employer = ""
            calc_key = (ym, insurance_type, category)
            found = calculators.get(calc_key)
            if found is None:
                found = calculators[calc_key] = _calculator_for(needed[ym], loaded, insurance_type, category, by_version)
            version, calculator = found
            if calculator is None:  # version holds (field, reason)
                name, reason = version
                if name == "unloaded":
                    if reason not in first_line:
                        first_line[reason] = line
                        add(line, "period", f"needs rule parameters {reason}, which are not loaded: a maintainer must load "
                                            f"them first (transaction load_rule_parameters), then import again")
                    elif collecting:  # a held row names its own reason
                        add(line, "period", f"needs rule parameters {reason}, which are not loaded (see line "
                                            f"{first_line[reason]})")
                else:
                    add(line, name, reason)
                bad = True
            else:
                computed_base, computed_employer, computed_individual, account = calculator.figures(wage)
                if base != computed_base or employer_fen != computed_employer or individual_fen != computed_individual:
                    _discrepancies(add, line, period, version, calculator, wage, base, employer_fen, individual_fen,
                                   computed_base, computed_employer, computed_individual)
                    bad = True
            key = person or person_key  # the registry uid; the blind index for an unknown person
            dup_key = hash((key, uscc, period, insurance_type))
            if bad:  # staged all the same with row number 0, so that a later line repeating it is named
                hold(line)
                stage((line, dup_key, key, uscc, 0, "", employer, period, insurance_type, category, 0, 0, 0, 0, 0, "", 0, 0))
                continue
            number += 1
            arrears = 0 if paid_on else computed_employer + computed_individual
            keep((number, person, employer, period, insurance_type, category, wage, computed_base, computed_employer,
                  computed_individual, account, paid_on, arrears, version))
            version_no = version_numbers.get(version)
            if version_no is None:
                version_no = version_numbers[version] = len(version_numbers) + 1
                staging.add_version(self.cursor, version_no, version)
            stage((line, dup_key, key, uscc, number, person, employer, period, insurance_type, category, wage, computed_base,
                   computed_employer, computed_individual, account, paid_on, arrears, version_no))
            totals = by_type.get(insurance_type)
            if totals is None:
                totals = by_type[insurance_type] = [0, 0, 0, 0, 0]
            totals[0] += 1
            totals[1] += computed_employer
            totals[2] += computed_individual
            totals[3] += account
            totals[4] += not paid_on
        self.number = number
        self._write(staged)
        if prepared.problems:
            return  # the file is refused (or rows held: it is checked again without them): no root is needed
        if good:
            self.versions.update(row[13] for row in good)
            first, last = min(row[3] for row in good), max(row[3] for row in good)
            self.first = min(self.first, first) if self.first else first
            self.last = max(self.last, last)
            # Plain by construction (every text passed its format, the uids are hex) when the rule versions are plain.
            self.leaves.extend(row_form.leaves(good, plain=self.plain_versions))
            while len(self.leaves) >= LEAF_BLOCK:
                self.blocks.append(merkle.root_of_list(self.leaves[:LEAF_BLOCK]))
                del self.leaves[:LEAF_BLOCK]

    def _write(self, staged: list[tuple]) -> None:
        """One COPY (PostgreSQL) or executemany batches (SQLite) per block, in a transaction of its own (not one per
        row on SQLite, and never holding a lock across the blocks): the look-ups need the connection between."""
        self.plain_versions = _plain(self.version_numbers)
        with transaction.atomic(), staging.writer(self.cursor) as out:
            if out.copy_text:
                line = staging.COPY_LINE
                out.write_lines([line % row for row in staged])
            else:
                out.write_rows(staged)

    def close(self) -> None:
        prepared = self.prepared
        prepared.row_count = self.number
        if prepared.problems or not self.number:
            return
        # RFC 6962 root: the full blocks are perfect subtrees; the rest's root goes on the right (merkle.CompactRange.root).
        tail = merkle.root_of_list(self.leaves) if self.leaves else None
        hashes = self.blocks.hashes
        if tail is None:
            root = self.blocks.root()
        else:
            root = tail
            for left in reversed(hashes):
                root = merkle.node_hash(left, root)
        prepared.rows_root = root.hex()
        prepared.rule_versions = sorted(self.versions)
        prepared.periods = (self.first, self.last)
        prepared.summary = {kind: dict(zip(("rows", "employer_fen", "individual_fen", "account_credit_fen", "in_arrears"),
                                           totals)) for kind, totals in sorted(self.by_type.items())}


_PLAIN_TEXT = re.compile(r"[0-9A-Za-z_.:@/ -]*\Z")


def _plain(versions: Iterable[str]) -> bool:
    """Whether the rule versions are plain text (the leaves' fixed template then gives the canonical bytes). Every
    other value of a staged row passed its format (hex key, GB 32100 code, ASCII period, types and date, hex uids),
    and the staged rows hold numbers and those values only, so their COPY text lines need no escaping."""
    versions = list(versions)
    return all(type(text) is str for text in versions) and _PLAIN_TEXT.match("".join(versions)) is not None


def _held_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """The held rows under the file's header, each field as the file wrote it: a corrected copy imports as a new
    file. Through core/csvsafe.py: only a value that starts like a formula changes, and no valid value does."""
    stream = io.StringIO()
    writer = csv_writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue().encode("utf-8")


def _discrepancies(add, line, period, version, calculator, wage, base, employer_fen, individual_fen, computed_base,
                   computed_employer, computed_individual) -> None:
    if base < calculator.floor_fen or base > calculator.ceiling_fen:
        add(line, "base", f"{fen_to_yuan(base)} is outside the limits {fen_to_yuan(calculator.floor_fen)}–"
                          f"{fen_to_yuan(calculator.ceiling_fen)} of {period} ({version})")
    elif base != computed_base:
        add(line, "base", f"is {fen_to_yuan(base)}; the engine computes {fen_to_yuan(computed_base)} from the wage "
                          f"{fen_to_yuan(wage)} ({version})", "discrepancy")
    if employer_fen != computed_employer:
        add(line, "employer_amount", f"is {fen_to_yuan(employer_fen)}; the engine computes {fen_to_yuan(computed_employer)} "
                                     f"on the base {fen_to_yuan(computed_base)} ({version})", "discrepancy")
    if individual_fen != computed_individual:
        add(line, "individual_amount", f"is {fen_to_yuan(individual_fen)}; the engine computes "
                                       f"{fen_to_yuan(computed_individual)} on the base {fen_to_yuan(computed_base)} "
                                       f"({version})", "discrepancy")


def _calculator_for(params, loaded: set, insurance_type: str, category: str, cache: dict) -> tuple:
    """(version, Calculator), or (problem, None) where problem is (field, reason) or ("unloaded", version)."""
    if isinstance(params, str):
        return ("period", params), None
    if params.version not in loaded:
        return ("unloaded", params.version), None
    key = (params.version, insurance_type, category)
    if key not in cache:
        try:
            cache[key] = params.version, Calculator(loaded_param_set(params.version), insurance_type, category)
        except ParameterError as error:
            cache[key] = ("insurance_type", f"no rates for {insurance_type} ({category}) in {params.version}: "
                                            f"{error.reason}"), None
    return cache[key]


def posted_problems(prepared: Prepared) -> list[Problem]:
    """Rows of a checked file that are already posted (by another batch) for the same person, employer, period,
    insurance type and kind: asked of the database, set-based, over the rows staged in this session. A paid row for a
    month the record holds in arrears is its payment (补缴, arrears.py), not a repeat: marked so with its late fee."""
    if not prepared.row_count:
        return []
    problems = _arrears_payments(prepared)
    paid = staging.paid_already(MAX_PROBLEMS)
    twice = {line for line, *_rest in paid} | {problem.line for problem in problems}
    problems += [Problem(line, "paid_on", f"pays {period} {insurance_type}, which was already paid late on {paid_on}")
                 for line, period, insurance_type, paid_on in paid]
    problems += [Problem(line, "row", f"is already posted for this person, employer, period {period} and {insurance_type}")
                 for line, period, insurance_type in staging.already_posted(MAX_PROBLEMS) if line not in twice]
    return problems


def _figures(values: tuple) -> str:
    base, employer, individual, account, version = values
    return (f"base {fen_to_yuan(base)}, employer {fen_to_yuan(employer)}, individual {fen_to_yuan(individual)}, "
            f"account {fen_to_yuan(account)} ({version})")


def _arrears_payments(prepared: Prepared) -> list[Problem]:
    """Mark the staged rows that pay a month in arrears, with the engine's late fee on the amount in arrears; their
    amounts must be the assessment's. When any is marked, the rows' root (which commits to kind and late fee) and
    the reviewers' totals are made again."""
    problems, fees = [], []
    for line, number, period, insurance_type, paid_on, staged, posted in staging.arrears_matches():
        if staged != posted:
            problems.append(Problem(line, "row", f"pays {period} {insurance_type} in arrears, but its {_figures(staged)} "
                                                 f"differ from the assessment's {_figures(posted)}", "discrepancy"))
            continue
        fees.append((number, arrears.late_fee_fen(staged[1] + staged[2], period, paid_on, staged[4])))
    staging.mark_arrears_payments(fees)
    summary = prepared.summary if isinstance(prepared.summary, dict) else None
    if fees or (summary is not None and "arrears_payments" in summary):  # marked now, or when checked before
        _count, prepared.rows_root = row_form.kinded_root(staging.kinded_rows())
        staging.set_root(prepared.rows_root)
        if summary is not None:
            summary["arrears_payments"] = {"rows": len(fees), "late_fee_fen": sum(fee for _n, fee in fees)}
    elif summary is not None:
        summary.pop("arrears_payments", None)
    return problems
