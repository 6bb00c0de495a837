"""The vectorised reading of a feed file (Polars): the same rows and problems as the row path (feeds._row), faster.

A collector's report is a million rows a month; checked row by row in Python it would take longer than comparing it.
So when the text has no quote and no line break but LF or CRLF (`plain`), its lines are split at their commas and
checked with column expressions: a line of printable ASCII whose every field is valid as written — an 18-character ID
number with its GB 11643 check character and a real birth date, an amount `0.00`, a reference of 1–60 characters, and
every other value (codes, months, dates, closed lists) checked once per distinct value by the row path's own check —
is taken as it is. Every other line goes to the row path on its own, which words its problems; so the expressions
only ever *accept*, and a line they do not accept is judged exactly as if the whole file were read row by row.

Pure: no Django, no database, no key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sirecords.contributions.fastcheck import id_numbers_valid
from sirecords.core.lazy import lazy_import

pl = lazy_import("polars")

_PLAIN_LINE = r"^[\x20-\x21\x23-\x7e]*$"  # printable ASCII, no quote: canonical() of such a field is its strip()
_MONEY = r"^[0-9]{1,12}\.[0-9]{2}$"


@dataclass(frozen=True)
class Column:
    name: str
    check: Callable  # the row path's check: canonical text, today → value, or ValueError
    how: str  # "id_number", "money", "reference", "text" (a vectorised check), or "distinct" (check each value once)
    dtype: str  # the Polars type of the value: "String", "Int64" (fen) or "Boolean"


def plain(text: str) -> bool:
    """Whether every line of `text` is one CSV record (no quotes, no bare carriage returns)."""
    # `in` and count() scan in C at memory speed; a regular expression over a 100 MB text takes a second
    return '"' not in text and "\0" not in text and ("\r" not in text or text.count("\r") == text.count("\r\n"))


def _schema(columns: list[Column]) -> dict:
    return {"line": pl.Int64, **{column.name: getattr(pl, column.dtype) for column in columns}}


def frame_of(columns: list[Column], rows: list[dict]) -> pl.DataFrame:
    """The rows (dicts of checked values with their line) as a frame of the feed's schema."""
    schema = _schema(columns)
    return pl.DataFrame([[row[name] for name in schema] for row in rows], schema=schema, orient="row")


def _valid(column: Column, field: pl.Expr, today: date, distinct: dict) -> pl.Expr:
    if column.how == "id_number":
        return id_numbers_valid(field, today)
    if column.how == "money":
        return field.str.contains(_MONEY)
    if column.how == "reference":
        return field.str.len_chars().is_between(1, 60)
    if column.how == "text":
        return field.str.len_chars().is_between(1, 200)
    return field.is_in(list(distinct[column.name]))


def _value(column: Column, field: pl.Expr, distinct: dict) -> pl.Expr:
    if column.how == "money":
        parts = field.str.split_exact(".", 1)
        return parts.struct.field("field_0").cast(pl.Int64) * 100 + parts.struct.field("field_1").cast(pl.Int64)
    if column.how == "distinct" and column.dtype != "String":
        values = distinct[column.name]
        return field.replace_strict(list(values), list(values.values()), default=None,
                                    return_dtype=getattr(pl, column.dtype))
    return field


def _lines(body: str, data: bytes) -> pl.Series:
    """The lines of `body` (LF line ends; `data` its UTF-8), blank ones included as empty texts."""
    if body and "\n\n" not in body and not body.startswith("\n"):
        # No blank line: Polars' reader splits the lines, one column (a NUL as the separator, which plain() excludes)
        return pl.read_csv(data, has_header=False, separator="\x00", quote_char=None, infer_schema=False,
                           new_columns=["text"], empty_string_is_null=False)["text"]
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text ends with a line break
    return pl.Series("text", lines, dtype=pl.String)


def _spaced(body: str) -> bool:
    """Whether some field of `body` may begin or end with a space (then each is stripped, as the row path does)."""
    if " " not in body:  # one character is looked for at memory speed, two at a tenth of it
        return False
    return " ," in body or ", " in body or " \n" in body or "\n " in body or body[:1] == " " or body[-1:] == " "


def read_lines(columns: list[Column], body: str, order: list[int], today: date,
               slow: Callable[[str, int], tuple[dict | None, list]]) -> tuple[pl.DataFrame, list]:
    """The rows of `body` (the text after the header line, which is line 1) and the problems of the lines not
    accepted as written, each judged by `slow(text, line)`: (values or None, problems)."""
    width = len(columns)
    if "\r" in body:
        body = body.replace("\r\n", "\n")  # plain(): each carriage return ends a line
    data = body.encode()
    frame = pl.DataFrame({"text": _lines(body, data)}).with_row_index("at")
    fits = pl.col("text").str.contains(_PLAIN_LINE) & (pl.col("text").str.count_matches(",", literal=True) == width - 1)
    names = [f"f{i}" for i in range(width)]
    if frame.height and frame.select(fits.all()).item():  # each line `width` plain fields: Polars' reader splits them, in parallel
        clean = pl.read_csv(data, has_header=False, quote_char=None, infer_schema=False, new_columns=names,
                            empty_string_is_null=False).with_row_index("at")
    else:
        clean = frame.filter(fits).select(
            "at", pl.col("text").str.split_exact(",", width - 1).struct.rename_fields(names).alias("fields")).unnest("fields")
    spaced = _spaced(body)  # no field begins or ends with a space: nothing to strip
    clean = clean.select("at", *((pl.col(f"f{order[i]}").str.strip_chars(" ") if spaced else pl.col(f"f{order[i]}"))
                                 .alias(column.name) for i, column in enumerate(columns)))
    distinct: dict[str, dict] = {}
    for column in columns:
        if column.how == "distinct":
            distinct[column.name] = accepted = {}
            for value in clean[column.name].unique().to_list():
                try:
                    accepted[value] = column.check(value, today)
                except ValueError:
                    pass
    ok = pl.all_horizontal([_valid(column, pl.col(column.name), today, distinct) for column in columns]).fill_null(False)
    # Computed as a column of a lazy query, where Polars computes a sub-expression used many times once (the ID
    # number's digits, 17 times): in a filter, or eagerly, each use computes it again.
    checked = clean.lazy().with_columns(__accepted=ok).filter(pl.col("__accepted")).drop("__accepted").collect()
    good = checked.select(line=pl.col("at").cast(pl.Int64) + 2,
                          **{column.name: _value(column, pl.col(column.name), distinct) for column in columns})
    problems: list = []
    if checked.height == frame.height - frame.filter(pl.col("text") == "").height:
        return good, problems  # every line accepted as written (or blank)
    accepted = set(checked["at"].to_list())
    rows = []
    for at, text in enumerate(frame["text"].to_list()):
        if at in accepted or text == "":
            continue
        values, row_problems = slow(text, at + 2)
        problems += row_problems
        if values is not None:
            rows.append(values)
    if rows:
        good = pl.concat([good, frame_of(columns, rows)]).sort("line")
    return good, problems
