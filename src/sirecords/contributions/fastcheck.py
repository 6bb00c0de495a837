"""The vectorised check of a collection file (Polars): the same result as the row path (rowcheck.py), faster.

`check_stream` reads the file's lines (rowcheck.Source: hashed, UTF-8, over-long lines reported) in blocks of
BLOCK lines and checks each block with column expressions: a line that is plain (printable ASCII, no quote, no
control character but a tab, one trailing carriage return at most) is split at its commas, and a row whose every
field is valid as written — an 18-character ID number with its GB 11643 check character and a real birth date from
1900-01-01 to today, a valid code (checked once per distinct code), a known month, insurance type and category
(once per distinct combination), amounts of ASCII digits with at most two decimals, a real payment date (once per
distinct date) — is taken as it is. Every other line (a problem, a legacy 15-digit number, full-width characters,
a held line, a wrong number of fields, a blank line) goes to rowcheck.RowChecker on its own, which reports its
problems in the row path's words; so the vectorised expressions only ever *accept*, and a row they do not accept is
judged by the row path. From a line with a quote (a quoted field may span lines), a NUL or a bare carriage return
on, the rest of the file is read by the csv module as in the row path.

Pure: no Django, no database, no key. A row's person is its normalised ID number here; the caller (collection.py)
turns it into the blind index and never writes it anywhere. Runs in the importing process for a small file, and
for a large one in a child process (collection.py) that streams the checked blocks to the importing process,
which resolves, computes and COPYs them while this one checks the next block.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import chain

from sirecords.contributions.rowcheck import (
    COLUMNS,
    Prepared,
    RowChecker,
    Source,
    csv_rows,
    header_index,
    held_csv,
)
from sirecords.core.lazy import lazy_import

pl = lazy_import("polars")  # loaded when a file is first checked, not at every command's start-up

BLOCK = 50_000  # lines checked at a time (memory: a few tens of MB whatever the file's size)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_PLAIN_LINE = r"^[\x20-\x21\x23-\x7e\t]*$"  # printable ASCII and tab, no quote
_CSV_MODE = r"[\"\x00]|\r."  # from such a line on, the csv module reads the rest (quotes may span lines)
_ID = r"^[0-9]{17}[0-9X]$"
_MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
# A checked block: the rows as rowcheck.Checked, in columns (person = the normalised ID number).
# The column types by name (resolved to Polars' types when a block is built, so importing this module loads no Polars).
SCHEMA = {"line": "Int64", "person": "String", "uscc": "String", "period": "String", "year": "Int32", "month": "Int32",
          "insurance_type": "String", "category": "String", "wage": "Int64", "base": "Int64", "employer": "Int64",
          "individual": "Int64", "paid_on": "String"}


def _schema() -> dict:
    return {name: getattr(pl, dtype) for name, dtype in SCHEMA.items()}


def _fen(column: pl.Expr) -> pl.Expr:
    """Fen of an amount written as ASCII digits with at most two decimals (already matched)."""
    parts = column.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    cents = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
    return whole * 100 + cents


def id_numbers_valid(ids: pl.Expr, today: date) -> pl.Expr:
    """True where the text is an 18-character resident ID number that parse_id_number accepts as written: 17 ASCII
    digits and the GB 11643 check character (MOD 11-2), a real birth date from 1900-01-01 to today."""
    # The 17 digits read once as one integer and taken apart by arithmetic: a slice and a cast per digit would make
    # 17 million small strings for a million numbers. (A text that is not 17 digits fails the pattern below.)
    digits = ids.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(digits // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_ID_WEIGHTS)])
    expected = (total % 11).replace_strict(list(range(11)), list(_ID_CHECK_CHARS), return_dtype=pl.String)
    birth = ids.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False, exact=True)
    return (ids.str.contains(_ID) & (ids.str.slice(17, 1) == expected) & birth.is_not_null()
            & (birth >= date(1900, 1, 1)) & (birth <= today)).fill_null(False)


class FastChecker:
    """Checks blocks of plain lines with expressions; every line it does not accept goes to the row path."""

    def __init__(self, header: list[str], index: list[int], source: Source, prepared: Prepared, today: date,
                 skip: frozenset[int] | None) -> None:
        self.header, self.index, self.source, self.prepared, self.today = header, index, source, prepared, today
        self.width = len(header)
        self.skip = skip or frozenset()
        self.rows = RowChecker(index, prepared, today, lambda number: number)
        self.held: tuple[list[int], list[list[str]]] = (prepared.held_lines, [])

    def slow(self, text: str, line: int, out: list[tuple]) -> None:
        """One line through the row path (csv module, RowChecker): exactly as if the whole file were read so."""
        csv_rows([text], self.source, self.prepared, self.index, self.width, self.rows, out.append, line - 1, self.skip,
                 self.held)

    def block(self, lines: list[str], first: int) -> pl.DataFrame:
        """The checked rows of `lines` (line numbers from `first`), in line order; problems go to `prepared`."""
        width, today, rows = self.width, self.today, self.rows
        frame = pl.DataFrame({"text": pl.Series(lines, dtype=pl.String)}).with_row_index("at")
        frame = frame.with_columns(pl.col("text").str.strip_suffix("\r"))
        plain = frame["text"].str.contains(_PLAIN_LINE) & (frame["text"].str.count_matches(",", literal=True) == width - 1)
        if self.skip:
            plain = plain & ~(pl.Series(range(first, first + len(lines))).is_in(list(self.skip)))
        clean = frame.filter(plain)
        i_id, i_uscc, i_period, i_type, i_category, i_wage, i_base, i_employer, i_individual, i_paid = self.index
        names = {i_id: "id", i_uscc: "uscc_raw", i_period: "period", i_type: "insurance_type", i_category: "category",
                 i_wage: "wage_t", i_base: "base_t", i_employer: "employer_t", i_individual: "individual_t",
                 i_paid: "paid_on"}
        fields = pl.col("text").str.split_exact(",", width - 1).struct.rename_fields([f"f{i}" for i in range(width)])
        clean = clean.select("at", fields.alias("fields")).unnest("fields").select(
            "at", *(pl.col(f"f{i}").str.strip_chars().alias(name) for i, name in names.items()))
        # Distinct codes, month combinations and dates: checked once each by the row path's own functions.
        usccs = {raw: rows.uscc(raw) for raw in clean["uscc_raw"].unique().to_list() if raw}
        combos = clean.select("period", "insurance_type", "category", has_uscc=pl.col("uscc_raw") != "").unique()
        combo_rows = []
        for period, insurance_type, category, has_uscc in combos.iter_rows():
            ym = rows.combo(period, insurance_type, category, has_uscc)
            if type(ym) is not list:
                combo_rows.append((period, insurance_type, category, has_uscc, ym[0], ym[1]))
        combo_frame = pl.DataFrame(combo_rows, schema={"period": pl.String, "insurance_type": pl.String,
                                                       "category": pl.String, "has_uscc": pl.Boolean, "year": pl.Int32,
                                                       "month": pl.Int32}, orient="row")
        dates = [value for value in clean["paid_on"].unique().to_list() if value and not rows.paid_on(value)]
        money_ok = pl.all_horizontal([pl.col(name).str.contains(_MONEY) for name in
                                      ("wage_t", "base_t", "employer_t", "individual_t")])
        checked = (clean.with_columns(has_uscc=pl.col("uscc_raw") != "")
                   .join(combo_frame, on=["period", "insurance_type", "category", "has_uscc"], how="left")
                   .with_columns(uscc=pl.col("uscc_raw").replace_strict(
                       list(usccs), list(usccs.values()), default=None, return_dtype=pl.String))
                   .with_columns(ok=(id_numbers_valid(pl.col("id"), today) & money_ok & pl.col("year").is_not_null()
                                     & ((pl.col("uscc_raw") == "") | pl.col("uscc").is_not_null())
                                     & ((pl.col("paid_on") == "") | pl.col("paid_on").is_in(dates))).fill_null(False)))
        good = checked.filter("ok")
        accepted = set(good["at"].to_list()) if len(good) < len(lines) else None
        good = good.select(line=pl.col("at").cast(pl.Int64) + first, person=pl.col("id"),
                           uscc=pl.when(pl.col("uscc_raw") == "").then(pl.lit("")).otherwise(pl.col("uscc")),
                           period="period", year="year", month="month", insurance_type="insurance_type",
                           category="category", wage=_fen(pl.col("wage_t")), base=_fen(pl.col("base_t")),
                           employer=_fen(pl.col("employer_t")), individual=_fen(pl.col("individual_t")), paid_on="paid_on")
        if accepted is None:
            return good
        out: list[tuple] = []
        for at, text in enumerate(lines):
            if at not in accepted:
                self.slow(text, first + at, out)
        if not out:
            return good
        extra = pl.DataFrame([(line, person, uscc, period, ym[0], ym[1], insurance_type, category, wage, base, employer,
                               individual, paid_on)
                              for line, person, uscc, period, ym, insurance_type, category, wage, base, employer,
                              individual, paid_on in out], schema=_schema(), orient="row")
        return pl.concat([good, extra]).sort("line")


def check_stream(pieces: Iterable[bytes], prepared: Prepared, today: date, skip: frozenset[int] | None,
                 emit: Callable[[pl.DataFrame], None], tick: Callable[[int], None] | None = None,
                 block: int | None = None) -> Source:
    """Check the whole file, giving each block of checked rows to `emit` in line order; problems, held lines and the
    held rows' CSV go to `prepared`. Returns the Source (its hasher holds the file's SHA-256 once read)."""
    block = block or BLOCK
    source = Source(pieces, prepared)
    lines = source.lines()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        if not prepared.problems:
            prepared.add(1, "file", "is empty: the first line must name the columns")
        return _drain(lines, source)
    index = header_index(header, prepared)
    if index is None:
        return _drain(lines, source)
    checker = FastChecker(header, index, source, prepared, today, skip)
    number = reader.line_num  # the lines read so far (the header's)
    pending: list[str] = []
    csv_from: Iterator[str] | None = None
    for text in lines:
        if '"' in text or "\x00" in text or ("\r" in text and text.find("\r") != len(text) - 1):
            csv_from = chain([text], lines)
            break
        pending.append(text)
        if len(pending) >= block:
            emit(checker.block(pending, number + 1))
            if tick is not None:
                tick(len(pending))
            number += len(pending)
            pending = []
    if pending:
        emit(checker.block(pending, number + 1))
        if tick is not None:
            tick(len(pending))
        number += len(pending)
    if csv_from is not None:  # the row path from here to the end, in blocks
        out: list[tuple] = []

        def collect(row: tuple) -> None:
            out.append(row)
            if len(out) >= block:
                emit(_frame(out))
                out.clear()

        csv_rows(csv_from, source, prepared, index, checker.width, checker.rows, collect, number, skip, checker.held)
        if out:
            emit(_frame(out))
    if skip:
        prepared.held_csv = held_csv(header, checker.held[1])
    return source


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame([(line, person, uscc, period, ym[0], ym[1], insurance_type, category, wage, base, employer,
                          individual, paid_on)
                         for line, person, uscc, period, ym, insurance_type, category, wage, base, employer, individual,
                         paid_on in rows], schema=_schema(), orient="row")


def _drain(lines: Iterator[str], source: Source) -> Source:
    for _ in lines:  # a refused header stops the reading: the rest is hashed all the same
        pass
    return source


__all__ = ["BLOCK", "COLUMNS", "FastChecker", "SCHEMA", "check_stream", "id_numbers_valid"]


# The child process (collection.py starts it for a large file): `python -m sirecords.contributions.fastcheck` reads a
# length-prefixed pickle of its settings, then the file's bytes, on stdin, and writes length-prefixed pickles on
# stdout: ("block", rows, lines, *news) per checked block, then ("end", sha256, held_lines, held_csv, lines, *news),
# where news are the problems, more_problems, newly held lines and held_overflow since the last message. The parent
# reads them while it stages the rows (overlap: this process checks block k+1 while that one COPYs block k). The
# pipes are the only channel: nothing is written to disk, and the child has no database connection and no key.

_LENGTH = 8


def write_message(stream, message) -> None:
    import pickle  # nosec B403 # messages between this process and its own child only
    import struct

    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def read_message(stream):
    """The next message, or None at the end of the stream."""
    import pickle  # nosec B403 # messages between this process and its own child only
    import struct

    head = stream.read(_LENGTH)
    if len(head) < _LENGTH:
        return None
    size = struct.unpack("<Q", head)[0]
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # noqa: S301  # nosec B301 # our own child process (same code, same OS user), over a private pipe


class _News:
    """What the child's Prepared gained since the last message."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared, self.problems, self.more, self.bad = prepared, 0, 0, set()

    def take(self) -> tuple:
        prepared = self.prepared
        problems = prepared.problems[self.problems:]
        self.problems = len(prepared.problems)
        more, self.more = prepared.more_problems - self.more, prepared.more_problems
        bad = sorted((prepared.bad_lines or set()) - self.bad)
        self.bad.update(bad)
        return problems, more, bad, prepared.held_overflow


def merge(prepared: Prepared, problems: list, more: int, bad: list[int], overflow: bool) -> None:
    """The child's news into the parent's Prepared (in the order the child found them)."""
    for problem in problems:
        prepared.add(problem.line, problem.field, problem.reason, problem.kind)
    prepared.more_problems += more
    for line in bad:
        prepared.hold(line)
    if overflow:
        prepared.held_overflow = True


def main() -> None:
    import sys

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    settings = read_message(stdin)
    prepared = Prepared("", "")
    if settings["collect"]:
        prepared.bad_lines = set()
    news, counted = _News(prepared), [0]

    def pieces() -> Iterator[bytes]:
        while piece := stdin.read(1 << 20):
            yield piece

    def tick(lines: int) -> None:
        counted[0] += lines

    def emit(rows: pl.DataFrame) -> None:
        write_message(stdout, ("block", rows, counted[0], *news.take()))
        counted[0] = 0

    source = check_stream(pieces(), prepared, settings["today"], settings["skip"], emit, tick, settings.get("block"))
    write_message(stdout, ("end", source.hasher.hexdigest(), prepared.held_lines, prepared.held_csv, counted[0],
                           *news.take()))


if __name__ == "__main__":
    main()
