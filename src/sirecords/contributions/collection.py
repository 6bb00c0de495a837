"""Reading and checking the collection agency's monthly contribution file (第五条, 第六条).

`prepare(data, region)` reads the CSV (docs/collection-file.md), checks every row and collects every
problem with its line number, field and reason; when there is none it returns the rows as they will be
stored, computed by the rules engine (calc.Calculator) with the loaded parameter sets, and their Merkle
root (rows.py). Nothing is written here.

Problems are of two kinds: ``error`` (the row cannot be read or refers to nothing known) and
``discrepancy`` (the paid amounts or base differ from what the engine computes). Either refuses the
whole file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.core.identifiers import InvalidIdentifier, check_uscc, parse_id_number
from sirecords.core.money import fen_to_yuan
from sirecords.crypto.sealing import blind_index
from sirecords.engine.params import CATEGORIES, INSURANCE_TYPES, ParameterError
from sirecords.parameters.queries import loaded_param_set, loaded_versions, params_for_month

COLUMNS = ("id_number", "uscc", "period", "insurance_type", "category", "wage", "base", "employer_amount",
           "individual_amount", "paid_on")
_MONEY = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))?\Z")
_PERIOD = re.compile(r"(\d{4})-(\d{2})\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
CHUNK = 500  # identifiers per look-up query
LOOKUP_CHUNK = 5000  # persons per query for rows already posted
MAX_PROBLEMS = 10_000  # beyond this the report says how many more there were


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
    rows: list[tuple] = field(default_factory=list)  # in rows.COLUMNS order, row_number from 1
    rows_root: str = ""
    lines: list[int] = field(default_factory=list)  # the file's line of each row
    rule_versions: list[str] = field(default_factory=list)
    periods: tuple[str, str] = ("", "")

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def add(self, line: int, field_name: str, reason: str, kind: str = "error") -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, field_name, reason, kind))
        else:
            self.more_problems += 1

    def report_lines(self) -> list[str]:
        ordered = sorted(self.problems, key=lambda p: (p.line, p.field))
        lines = [f"line {p.line}: {p.field}: {p.reason}" + (" [discrepancy]" if p.kind == "discrepancy" else "")
                 for p in ordered]
        if self.more_problems:
            lines.append(f"… and {self.more_problems} more problem(s)")
        return lines

    def write_report(self, stream) -> None:
        writer = csv.writer(stream)
        writer.writerow(["line", "field", "kind", "reason"])
        for p in sorted(self.problems, key=lambda p: (p.line, p.field)):
            writer.writerow([p.line, p.field, p.kind, p.reason])


def _fen(text: str) -> int | None:
    match = _MONEY.match(text)
    if not match:
        return None
    cents = match[2] or "0"
    return int(match[1]) * 100 + int(cents.ljust(2, "0"))


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="row", unit_scale=True, file=sys.stderr, mininterval=0.5, disable=not enabled,
                desc="checking rows")


def _lookup(table: str, column: str, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            cursor.execute(f"SELECT {column}, uid FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.update(cursor.fetchall())
    return found


def _already_posted(persons: list[str], first: str, last: str) -> list[tuple[str, str, str, str]]:
    """The (person, employer, period, type) rows of these persons between the two periods that are in
    contributions_contribution already (one query per chunk of persons, on the (person_id, period) index)."""
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(persons), LOOKUP_CHUNK):
            chunk = persons[start:start + LOOKUP_CHUNK]
            cursor.execute("SELECT person_id, employer_id, period, insurance_type FROM contributions_contribution "
                           f"WHERE person_id IN ({', '.join(['%s'] * len(chunk))}) AND period BETWEEN %s AND %s",
                           [*chunk, first, last])
            found.extend(tuple(row) for row in cursor.fetchall())
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


def decode(data: bytes, prepared: Prepared) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        prepared.add(line, "file", f"is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}): "
                                   f"save the file as UTF-8 (GBK and other encodings are not accepted)")
        return None


def prepare(data: bytes, region: str, *, today: date | None = None, progress: bool = False,
            check_posted: bool = True) -> Prepared:
    """Check the file and compute its rows. `check_posted=False` skips the look-up of rows already posted
    (verify uses it to rebuild a posted batch's expected rows from its file)."""
    today = today or date.today()
    prepared = Prepared(hashlib.sha256(data).hexdigest(), region)
    text = decode(data, prepared)
    if text is None:
        return prepared
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        prepared.add(1, "file", "is empty: the first line must name the columns")
        return prepared
    names = [name.strip().lower() for name in header]
    for name in COLUMNS:
        if name not in names:
            prepared.add(1, name, "column is missing (the columns are " + ", ".join(COLUMNS) + ")")
    for name in names:
        if name not in COLUMNS:
            prepared.add(1, name or "(empty)", "is not a column of the collection file")
    if len(set(names)) != len(names):
        prepared.add(1, "header", "names a column twice")
    if prepared.problems:
        return prepared
    index = [names.index(name) for name in COLUMNS]
    width = len(names)

    ids: dict[str, str | None] = {}  # raw → normalized (None: invalid)
    id_reasons: dict[str, str] = {}
    usccs: dict[str, str | None] = {}
    uscc_reasons: dict[str, str] = {}
    # (period, insurance_type, category, uscc given) → (year, month) or the problems of those fields:
    # a file has few distinct combinations, so each is checked once.
    combos: dict[tuple[str, str, str, bool], tuple[int, int] | list[tuple[str, str]]] = {}
    paid_dates: dict[str, str] = {}  # paid_on → "" (fine) or the reason it is not
    parsed = []  # (line, id_normalized, uscc, period, (year, month), type, category, wage, base, employer, individual, paid_on)
    add = prepared.add
    total = text.count("\n")
    bar = _progress(total, progress and total >= 50_000)
    tick = 0
    i_id, i_uscc, i_period, i_type, i_category, i_wage, i_base, i_employer, i_individual, i_paid = index
    money = _MONEY.match
    append = parsed.append
    for fields in reader:
        tick += 1
        if tick == 50_000:
            bar.update(tick)
            tick = 0
        if len(fields) != width:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            add(reader.line_num, "row", f"has {len(fields)} fields; the header has {width}")
            continue
        line = reader.line_num
        raw_id, raw_uscc, period = fields[i_id].strip(), fields[i_uscc].strip(), fields[i_period].strip()
        insurance_type, category = fields[i_type].strip(), fields[i_category].strip()
        wage, base, employer_amount = fields[i_wage].strip(), fields[i_base].strip(), fields[i_employer].strip()
        individual_amount, paid_on = fields[i_individual].strip(), fields[i_paid].strip()
        bad = False
        normalized = ids.get(raw_id, "")
        if normalized == "":
            try:
                normalized = parse_id_number(raw_id, today=today).normalized
            except InvalidIdentifier as invalid:
                normalized = None
                id_reasons[raw_id] = invalid.message
            ids[raw_id] = normalized
        if normalized is None:
            add(line, "id_number", id_reasons[raw_id])
            bad = True
        if raw_uscc:
            uscc = usccs.get(raw_uscc, "")
            if uscc == "":
                problems = check_uscc(raw_uscc)
                uscc = None if problems else "".join(raw_uscc.split()).upper()
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
            ym = combos[combo] = _check_combo(period, insurance_type, category, bool(raw_uscc), today)
        if type(ym) is list:
            for name, reason in ym:
                add(line, name, reason)
            bad = True
        # Amounts: the common case (digits, at most two decimals) inline; anything else is reported.
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
                reason = paid_dates[paid_on] = _check_paid_on(paid_on, today)
            if reason:
                add(line, "paid_on", reason)
                bad = True
        if not bad:
            append((line, normalized, uscc, period, ym, insurance_type, category, wage_fen, base_fen, employer_fen,
                    individual_fen, paid_on))
    bar.update(tick)
    bar.close()
    if not parsed and not prepared.problems:
        prepared.add(2, "file", "has no rows")
    _resolve_and_compute(prepared, parsed, region, check_posted)
    return prepared


def _resolve_and_compute(prepared: Prepared, parsed: list[tuple], region: str, check_posted: bool) -> None:
    add = prepared.add
    # Who and which employer: one blind index per distinct ID number, looked up in chunks.
    indexes = {number: blind_index("id_number", number) for number in {row[1] for row in parsed}}
    by_index = _lookup("registry_person", "id_number_index", sorted(set(indexes.values())))
    persons = {number: by_index.get(index) for number, index in indexes.items()}
    employers = _lookup("registry_employer", "uscc", sorted({row[2] for row in parsed if row[2]}))
    # Which parameter set each month needs, and whether it is loaded.
    needed: dict[tuple[int, int], object] = {}
    for ym in {row[4] for row in parsed}:
        try:
            needed[ym] = params_for_month(region, *ym)
        except ParameterError as error:
            needed[ym] = f"no rule parameters for {region} {ym[0]:04d}-{ym[1]:02d}: {error}"
    versions = {p.version for p in needed.values() if not isinstance(p, str)}
    loaded = loaded_versions(versions)
    first_line: dict[str, int] = {}
    # (year, month, insurance type, category) → (version, Calculator) or the problem (field, reason).
    calculators: dict[tuple, tuple] = {}
    by_version: dict[tuple[str, str, str], tuple] = {}  # one Calculator per parameter set, type and category
    seen: dict[tuple, int] = {}
    rows: list[tuple] = []
    lines: list[int] = []
    add_row, add_line = rows.append, lines.append
    persons_get, employers_get, seen_get = persons.__getitem__, employers.get, seen.get
    number = 0
    for row in parsed:
        line, person_number, uscc, period, ym, insurance_type, category, wage, base, employer_fen, individual_fen, paid_on = row
        person = persons_get(person_number)
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
        key = (person_number, uscc, period, insurance_type)
        earlier = seen_get(key)
        if earlier is not None:
            add(line, "row", f"duplicates line {earlier} (same person, employer, period and insurance type)")
            bad = True
        else:
            seen[key] = line
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
            else:
                add(line, name, reason)
            continue
        computed_base, computed_employer, computed_individual, account = calculator.figures(wage)
        if base != computed_base or employer_fen != computed_employer or individual_fen != computed_individual:
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
            continue
        if not bad:
            number += 1
            add_row((number, person, employer, period, insurance_type, category, wage, computed_base, computed_employer,
                     computed_individual, account, paid_on, 0 if paid_on else computed_employer + computed_individual,
                     version))
            add_line(line)
    if prepared.problems or not rows:
        return
    prepared.periods = (min(row[3] for row in rows), max(row[3] for row in rows))
    prepared.rows, prepared.lines = rows, lines
    if check_posted:
        posted = posted_problems(prepared)
        if posted:
            prepared.problems.extend(posted)
            prepared.rows, prepared.lines = [], []
            return
    prepared.rule_versions = sorted({found[0] for found in calculators.values() if found[1] is not None})
    prepared.rows_root = row_form.rows_root_fast(rows)


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
    """Rows of a checked file that are already posted (by another batch) for the same person, employer,
    period and insurance type. Set-based: the rows posted for the file's persons within its periods are
    read (usually none), and only then are the file's rows compared with them."""
    if not prepared.rows:
        return []
    rows = prepared.rows
    persons = sorted({row[1] for row in rows})
    posted = set(_already_posted(persons, *prepared.periods))
    if not posted:
        return []
    return [Problem(line, "row", f"is already posted for this person, employer, period {row[3]} and {row[4]}")
            for line, row in zip(prepared.lines, rows) if (row[1], row[2], row[3], row[4]) in posted]
