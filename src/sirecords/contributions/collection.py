"""Reading and checking the collection agency's monthly contribution file (第五条, 第六条).

`prepare(source, region)` reads the CSV (docs/collection-file.md) in pieces, checks every row and collects every
problem with its line number, field and reason; when there is none the rows as they will be stored, computed by
the rules engine (calc.Calculator) with the loaded parameter sets, are staged in this database session
(staging.py), with their Merkle root (rows.py) and the reviewers' totals. Nothing of the record is written here.
Memory is bounded whatever the file's size: a block of rows at a time, caches of bounded size, the Merkle root
folded block by block; what needs every row at once (repeated rows, rows already posted, totals) is asked of
the database. Every field is made canonical first (core/text.py: NFKC, trimmed), then checked in ASCII.
The rows are checked by the vectorised path (fastcheck.py, Polars; for a file over PIPELINE_BYTES in a child process
that streams its checked blocks here) and staged by _Stager.stage_frame; every row those column expressions do not
accept is judged by the row path (rowcheck.RowChecker, _Stager.stage), which words every problem. VECTORISED = False
runs the row path alone: the reference tests/contributions/test_vectorised.py compares the two with.

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

import csv
import hashlib
import re
import subprocess  # nosec B404 # starts this interpreter's own fastcheck child, argv list, no shell
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from itertools import chain

from django.db import connection, transaction

from sirecords.contributions import arrears, fastcheck, filestore, staging
from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.contributions.rowcheck import (  # noqa: F401 - re-exported: the names callers know
    BLOCK,
    CACHE,
    CHUNK,
    COLUMNS,
    LEAF_BLOCK,
    MAX_HELD,
    MAX_LINE,
    MAX_PROBLEMS,
    Prepared,
    Problem,
    RowChecker,
    Source,
    csv_rows,
    header_index,
    held_csv,
)
from sirecords.core.lazy import lazy_import
from sirecords.core.money import fen_to_yuan
from sirecords.crypto.sealing import blind_index
from sirecords.engine.params import ParameterError
from sirecords.ledger import merkle
from sirecords.parameters.queries import loaded_param_set, loaded_versions, params_for_month

pl = lazy_import("polars")  # loaded when a file is first checked, not at every command's start-up

# The vectorised path (fastcheck.py) checks and stages the rows; False: the row path (rowcheck.RowChecker row by row),
# the reference the tests compare it with (tests/contributions/test_vectorised.py).
VECTORISED = True
PIPELINE_BYTES = 8 << 20  # a larger file is checked in a child process while this one stages (see _pipeline)


def _progress(enabled: bool):
    from tqdm import tqdm

    return tqdm(unit="row", unit_scale=True, file=sys.stderr, mininterval=0.5, disable=not enabled, desc="checking rows")


def _lookup(table: str, column: str, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            cursor.execute(f"SELECT {column}, uid FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)  # nosec B608 # callers' literal names; values bound
            found.update(cursor.fetchall())
    return found


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
    with connection.cursor() as cursor:
        staging.reset(cursor)
        stager = _Stager(prepared, region, cursor)
        if VECTORISED:
            prepared.sha256 = _check_vectorised(pieces, prepared, today, progress, stager, skip)
        else:
            source_lines = Source(pieces, prepared)
            lines = source_lines.lines()
            _check(lines, source_lines, prepared, region, today, progress, stager, skip)
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


def _check_vectorised(pieces: Iterator[bytes], prepared: Prepared, today: date, progress: bool, stager: _Stager,
                      skip: frozenset[int] | None) -> str:
    """The vectorised path (fastcheck.py): blocks checked by column expressions, staged by stage_frame. A file larger
    than PIPELINE_BYTES is checked in a child process while this one stages the blocks already checked. Returns
    the file's SHA-256."""
    bar = _progress(progress)
    head, size = [], 0
    pieces = iter(pieces)
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size > PIPELINE_BYTES:
            sha256 = _pipeline(chain(head, pieces), prepared, today, skip, stager, bar)
            break
    else:
        sha256 = fastcheck.check_stream(head, prepared, today, skip, stager.stage_frame, bar.update).hasher.hexdigest()
    stager.close()
    bar.close()
    return sha256


def _pipeline(pieces: Iterator[bytes], prepared: Prepared, today: date, skip: frozenset[int] | None, stager: _Stager,
              bar) -> str:
    """Check the file in a child process (`python -m sirecords.contributions.fastcheck`, no database, no key) and
    stage each block it sends while it checks the next: the file's bytes go to it through a pipe (a thread feeds
    them), the checked blocks and problems come back through another; nothing is written to disk."""
    child = subprocess.Popen([sys.executable, "-m", "sirecords.contributions.fastcheck"], stdin=subprocess.PIPE,  # nosec B603 # this interpreter's own fastcheck module, argv list, no shell
                             stdout=subprocess.PIPE)
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            fastcheck.write_message(child.stdin, {"today": today, "skip": skip, "collect": prepared.bad_lines is not None,
                                                  "block": fastcheck.BLOCK})
            for piece in pieces:
                child.stdin.write(piece)
        except BrokenPipeError:
            pass  # the child stopped: its exit status says why
        except BaseException as error:  # e.g. the sealed store's FileMissing after the last piece
            failed.append(error)
        finally:
            try:
                child.stdin.close()
            except OSError:
                pass

    feeder = threading.Thread(target=feed, name="collection-file-feed", daemon=True)
    feeder.start()
    end = None
    try:
        while (message := fastcheck.read_message(child.stdout)) is not None:
            if message[0] == "block":
                _kind, rows, lines, *news = message
                fastcheck.merge(prepared, *news)
                stager.stage_frame(rows)
                bar.update(lines)
            else:
                _kind, sha256, held_lines, held, lines, *news = message
                fastcheck.merge(prepared, *news)
                bar.update(lines)
                end = (sha256, held_lines, held)
    finally:
        if end is None and child.poll() is None:
            child.kill()
        child.stdout.close()
        feeder.join()
        status = child.wait()
    if failed:
        raise failed[0]
    if end is None or status != 0:
        raise RuntimeError(f"the check of the collection file in a child process failed (exit status {status})")
    sha256, prepared.held_lines, held = end
    if skip:
        prepared.held_csv = held
    return sha256


def _check(lines: Iterator[str], source: Source, prepared: Prepared, region: str, today: date, progress: bool,
           stager: _Stager, skip: frozenset[int] | None = None) -> None:
    """The row path: every row read by the csv module and checked by rowcheck.RowChecker, staged by blocks."""
    reader = csv.reader(lines)
    header = next(reader, None)  # the first piece is read: its over-long lines are reported already
    if header is None:
        if not prepared.problems:
            prepared.add(1, "file", "is empty: the first line must name the columns")
        return
    index = header_index(header, prepared)
    if index is None:
        return
    checker = RowChecker(index, prepared, today, lambda number: blind_index("id_number", number))
    block: list[tuple] = []
    bar = _progress(progress)
    ticks = [0]

    def tick() -> None:
        ticks[0] += 1
        if ticks[0] == 50_000:
            bar.update(ticks[0])
            ticks[0] = 0

    def emit(row: tuple) -> None:
        block.append(row)
        if len(block) >= BLOCK:
            stager.stage(block)
            block.clear()

    held: tuple[list[int], list[list[str]]] = (prepared.held_lines, [])
    csv_rows(lines, source, prepared, index, len(header), checker, emit, 1, skip, held, tick)
    stager.stage(block)
    stager.close()
    if skip:
        prepared.held_csv = held_csv(header, held[1])
    bar.update(ticks[0])
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
        self.keys: dict[str, str] = {}  # the vectorised path: normalised ID number → its blind index (bounded)
        self.pool: ThreadPoolExecutor | None = None  # the vectorised path: hashes leaves while a block is COPYed
        self.hashing: Future | None = None  # the block being hashed there

    def _resolve(self, keys: set[str], codes: set[str], months: set[tuple[int, int]]) -> None:
        persons, employers = self.persons, self.employers
        if len(persons) + len(keys) > CACHE:
            persons.clear()
        if len(employers) + len(codes) > CACHE:
            employers.clear()
        wanted = sorted(keys - persons.keys())
        if wanted:
            found = _lookup("registry_person", "id_number_index", wanted)
            persons.update((key, found.get(key)) for key in wanted)
        wanted = sorted(codes - employers.keys())
        if wanted:
            found = _lookup("registry_employer", "uscc", wanted)
            employers.update((code, found.get(code, "")) for code in wanted)
        months = months - self.needed.keys()
        for ym in months:
            try:
                self.needed[ym] = params_for_month(self.region, *ym)
            except ParameterError as error:
                self.needed[ym] = f"no rule parameters for {self.region} {ym[0]:04d}-{ym[1]:02d}: {error}"
        versions = {p.version for p in self.needed.values() if not isinstance(p, str)} - self.asked
        if versions:
            self.loaded |= loaded_versions(versions)
            self.asked |= versions

    def stage(self, block: list[tuple], dup_keys: list[int] | None = None) -> None:
        if not block:
            return
        self._resolve({row[1] for row in block}, {row[2] for row in block if row[2]}, {row[4] for row in block})
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
        for at, row in enumerate(block):
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
            dup_key = dup_keys[at] if dup_keys is not None else hash((key, uscc, period, insurance_type))
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

    def _version_no(self, version: str) -> int:
        version_no = self.version_numbers.get(version)
        if version_no is None:
            version_no = self.version_numbers[version] = len(self.version_numbers) + 1
            staging.add_version(self.cursor, version_no, version)
        return version_no

    def stage_frame(self, frame: pl.DataFrame) -> None:
        """stage() for a block checked by the vectorised path (fastcheck.SCHEMA, the person as its normalised ID
        number): the same rows staged, numbered, rooted and totalled, with column expressions. A row with a problem
        (unknown person or employer, no parameters, a discrepancy) goes through stage(), which reports it in the row
        path's words; the ID numbers become blind indexes first and go no further."""
        if frame.is_empty():
            return
        keys, numbers = self.keys, frame["person"].unique().to_list()
        if len(keys) + len(numbers) > CACHE:
            keys.clear()
        for number in numbers:
            if number not in keys:
                keys[number] = blind_index("id_number", number)
        frame = frame.with_columns(id_key=_mapped("person", numbers, [keys[n] for n in numbers])).drop("person")
        key_list = frame["id_key"].unique().to_list()
        codes = [code for code in frame["uscc"].unique().to_list() if code]
        months = set(frame.select("year", "month").unique().iter_rows())
        self._resolve(set(key_list), set(codes), months)
        persons, employers = self.persons, self.employers
        calc_rows = []
        for year, month, insurance_type, category in frame.select("year", "month", "insurance_type", "category").unique().iter_rows():
            calc_key = ((year, month), insurance_type, category)
            found = self.calculators.get(calc_key)
            if found is None:
                found = self.calculators[calc_key] = _calculator_for(self.needed[(year, month)], self.loaded, insurance_type,
                                                                     category, self.by_version)
            version, calculator = found
            if calculator is not None:
                calc_rows.append((year, month, insurance_type, category, version, self._version_no(version),
                                  calculator.floor_fen, calculator.ceiling_fen, *calculator._employer, *calculator._individual,
                                  *calculator._account, calculator.mode == "jiao_up"))
        calcs = pl.DataFrame(calc_rows, orient="row", schema={
            "year": pl.Int32, "month": pl.Int32, "insurance_type": pl.String, "category": pl.String, "version": pl.String,
            "version_no": pl.Int64, "floor": pl.Int64, "ceiling": pl.Int64, "en": pl.Int64, "ed": pl.Int64, "inn": pl.Int64,
            "ind": pl.Int64, "an": pl.Int64, "ad": pl.Int64, "jiao": pl.Boolean})
        base = pl.col("wage").clip(pl.col("floor"), pl.col("ceiling"))
        frame = (frame.with_columns(person_id=_mapped("id_key", key_list, [persons[k] for k in key_list]),
                                    employer_id=pl.when(pl.col("uscc") == "").then(pl.lit("")).otherwise(
                                        _mapped("uscc", codes, [employers[c] for c in codes])))
                 .join(calcs, on=["year", "month", "insurance_type", "category"], how="left", maintain_order="left")
                 .with_columns(c_base=base)
                 .with_columns(c_employer=_rounded(pl.col("c_base") * pl.col("en"), pl.col("ed"), pl.col("jiao")),
                               c_individual=_rounded(pl.col("c_base") * pl.col("inn"), pl.col("ind"), pl.col("jiao")),
                               c_account=_rounded(pl.col("c_base") * pl.col("an"), pl.col("ad"), pl.col("jiao")),
                               dup_key=pl.struct(pl.coalesce("person_id", "id_key"), "uscc", "period", "insurance_type")
                               .hash(seed=14).reinterpret(signed=True))
                 .with_columns(bad=(pl.col("person_id").is_null() | (pl.col("employer_id") == "") & (pl.col("uscc") != "")
                                    | pl.col("version").is_null() | (pl.col("base") != pl.col("c_base"))
                                    | (pl.col("employer") != pl.col("c_employer"))
                                    | (pl.col("individual") != pl.col("c_individual"))).fill_null(True)))
        bad = frame.filter("bad")
        if len(bad):  # through the row path's stage(): its problems in its words, staged with row number 0
            number = self.number
            self.stage([(line, key, uscc, period, (year, month), insurance_type, category, wage, base, employer,
                         individual, paid_on) for line, key, uscc, period, year, month, insurance_type, category, wage, base,
                        employer, individual, paid_on in bad.select("line", "id_key", "uscc", "period", "year", "month",
                                                                     "insurance_type", "category", "wage", "base",
                                                                     "employer", "individual", "paid_on").iter_rows()],
                       bad["dup_key"].to_list())
            if self.number != number:  # pragma: no cover - the two tests of a row are each other's complement
                raise RuntimeError("a row the vectorised check found wrong was right for the row path")
        good = frame.filter(~pl.col("bad"))
        if good.is_empty():
            return
        good = good.with_columns(row_number=pl.int_range(self.number + 1, self.number + 1 + len(good), dtype=pl.Int64),
                                 arrears=pl.when(pl.col("paid_on") == "").then(pl.col("c_employer") + pl.col("c_individual"))
                                 .otherwise(pl.lit(0, pl.Int64)))
        self.number += len(good)
        staged = good.select(pl.col("line"), "dup_key", pl.col("person_id").alias("key"), "uscc", "row_number", "person_id",
                             "employer_id", "period", "insurance_type", "category", "wage", "c_base", "c_employer",
                             "c_individual", "c_account", "paid_on", "arrears", "version_no")
        self.plain_versions = _plain(self.version_numbers)
        totals = (good.group_by("insurance_type").agg(pl.len(), pl.col("c_employer").sum(), pl.col("c_individual").sum(),
                                                      pl.col("c_account").sum(), (pl.col("paid_on") == "").sum()))
        for insurance_type, *figures in totals.iter_rows():
            running = self.by_type.setdefault(insurance_type, [0, 0, 0, 0, 0])
            for position, value in enumerate(figures):
                running[position] += int(value)
        if not self.prepared.problems:  # else the file is refused (or checked again without its held rows): no root
            self.versions.update(good["version"].unique().to_list())
            first, last = good["period"].min(), good["period"].max()
            self.first = min(self.first, first) if self.first else first
            self.last = max(self.last, last)
            columns = ("c_account", "arrears", "c_base", "category", "employer_id", "c_employer", "c_individual",
                       "insurance_type", "paid_on", "period", "person_id", "row_number", "version", "wage")
            self.settle()  # the previous block's leaves are in (one block hashed at a time, in row order)
            if self.plain_versions:  # the canonical bytes by the fixed template (rows._FAST), made by the column engine
                # Made, hashed and folded in a thread while this one COPYs the block and goes on to the next (the
                # COPY's socket waits and the column engine release the interpreter).
                self.hashing = self.hasher().submit(self._fold_frame, good.select(*columns), columns)
            else:
                rows = good.select("row_number", "person_id", "employer_id", "period", "insurance_type", "category",
                                   "wage", "c_base", "c_employer", "c_individual", "c_account", "paid_on", "arrears",
                                   "version").rows()
                self._fold(row_form.leaves(rows), hashed=True)
        with transaction.atomic(), staging.writer(self.cursor) as out:
            if out.copy_text:  # every value is plain (see _plain): tab-separated text, no quoting or escaping needed
                text = staged.write_csv(include_header=False, separator="\t", quote_style="never", line_terminator="\n")
                out.write_lines([text[:-1]])
            else:
                out.write_rows(staged.rows())

    def _fold_frame(self, good: pl.DataFrame, columns: tuple[str, ...]) -> None:
        self._fold(good.select(pl.concat_str(_template_parts(columns))).to_series().cast(pl.Binary).to_list())

    def _fold(self, items: list[bytes], hashed: bool = False) -> None:
        """Add the leaves (or hash the texts into leaves first) and fold every full block of LEAF_BLOCK leaves."""
        self.leaves.extend(items if hashed else _sha256_each(items))
        while len(self.leaves) >= LEAF_BLOCK:
            self.blocks.append(merkle.root_of_list(self.leaves[:LEAF_BLOCK]))
            del self.leaves[:LEAF_BLOCK]

    def settle(self) -> None:
        """Wait for the block being hashed in the thread (its error, if any, is raised here)."""
        if self.hashing is not None:
            hashing, self.hashing = self.hashing, None
            hashing.result()

    def hasher(self) -> ThreadPoolExecutor:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collection-leaves")
        return self.pool

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
        self.settle()
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
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


def _sha256_each(texts: list[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(text).digest() for text in texts]


def _mapped(column: str, old: list, new: list) -> pl.Expr:
    """The column's values replaced by a mapping given as two lists (an empty mapping gives nulls)."""
    if not old:
        return pl.lit(None, pl.String)
    return pl.col(column).replace_strict(old, new, default=None, return_dtype=pl.String)


def _rounded(numerator: pl.Expr, denominator: pl.Expr, jiao: pl.Expr) -> pl.Expr:
    """core.money.round_fen on columns (numerators are not negative here): half-up to the fen, then with jiao_up any
    fen left raises the amount to the next jiao."""
    fen = (2 * numerator + denominator) // (2 * denominator)
    return pl.when(jiao & (fen % 10 != 0)).then(fen + 10 - fen % 10).otherwise(fen)


def _template_parts(columns: tuple[str, ...]) -> list[pl.Expr]:
    """rows._FAST with a leading NUL (the leaf's 0x00), its %d / %s filled by `columns` in order."""
    pieces = re.split(r"%[ds]", "\x00" + row_form._FAST)
    parts: list[pl.Expr] = []
    for literal, column in zip(pieces, (*columns, None)):
        if literal:
            parts.append(pl.lit(literal))
        if column is not None:
            parts.append(pl.col(column).cast(pl.String))
    return parts


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
    summary = prepared.summary if isinstance(prepared.summary, dict) else None
    if (not staging.any_posted_month() and not staging.marked()
            and not (summary is not None and "arrears_payments" in summary)):
        return []  # no staged row meets a posted month: nothing below could find a problem or a payment to mark
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
