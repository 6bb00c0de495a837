"""Many rows read from PostgreSQL fast: the server writes them as CSV text, `chunk` lines to a value, and Polars parses
each value. Fetching a million rows one by one through the driver costs seconds in Python; this costs a twentieth of it.
Only for columns that need no quoting (hex, codes, numbers): the lines are joined with commas as they are."""

from __future__ import annotations

from django.db import connection

from sirecords.core.lazy import lazy_import

pl = lazy_import("polars")


def read(columns: list[str], source: str, params: list, schema: dict, *, chunk: int = 50_000):
    """The rows of `SELECT columns FROM source` (`source`: a FROM clause with its joins and WHERE, placeholders %s) as a
    frame of `schema` (names in the columns' order). The statement runs without JIT compilation (a plain scan gains
    nothing from it, and the planner's estimate of a sub-query can start it: a third of a second compiling) and with
    room to gather its chunks in memory instead of spilling them to disk; both settings are restored after it. Each
    value is written as text (NULL as nothing) and joined with `||`: concat_ws, taking any type, converts each value
    through its type's output function looked up per call."""
    line = " || ',' || ".join(f"COALESCE(({column})::text, '')" for column in columns)
    sql = (f"SELECT string_agg(line, E'\\n') FROM (SELECT {line} AS line, (row_number() OVER ()) / {int(chunk)} AS chunk "
           f"FROM {source}) lines GROUP BY chunk")  # nosec B608 # callers' constant SQL; values bound
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        jit, work_mem = cursor.fetchone()
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '256MB', true)")
        try:
            cursor.execute(sql, params)
            parts = [pl.read_csv(text.encode(), has_header=False, new_columns=list(schema), schema_overrides=schema)
                     for (text,) in cursor.fetchall()]
        finally:
            cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])
    # An empty text column is written as nothing, which reads back as null.
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.col(name).fill_null("") for name, dtype in schema.items() if dtype == pl.String)
