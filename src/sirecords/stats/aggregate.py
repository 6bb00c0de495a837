"""The cells of a statistics table, computed in the database: one GROUP BY per combination of the dimensions kept
(the interior cells, every margin, the grand total), each over rows first grouped per person, so that every cell
carries its number of distinct persons and its largest single person's part. No row per person leaves the database.

The SQL is assembled only from the whitelist (catalogue.py); the year and the regions travel as query parameters.
"""

from __future__ import annotations

from itertools import product

from django.db import connection

from sirecords.engine.disclosure_control import TOTAL, Cell, Key
from sirecords.stats.catalogue import Measure

__all__ = ["lattice"]


def _where(measure: Measure, year: int | None, regions: list[str] | None) -> tuple[str, list]:
    conditions, params = [], []
    if measure.where:
        conditions.append(measure.where)
    if year is not None:
        conditions.append(f"{measure.year} = %s")
        params.append(year)
    if regions is not None:
        conditions.append(f"p.pooling_region IN ({', '.join(['%s'] * len(regions))})")
        params.extend(regions)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def _query(measure: Measure, kept: list[str], where: str) -> str:
    expressions = [measure.dimension_sql(name) for name in kept]
    columns = "".join(f"{sql} AS d{i}, " for i, sql in enumerate(expressions))
    inner = (f"SELECT {columns}f.person_id AS pid, SUM({measure.value}) AS v FROM {measure.source}{where} "
             f"GROUP BY {', '.join([*expressions, 'f.person_id'])}")
    outer_columns = [f"t.d{i}" for i in range(len(kept))]
    group = f" GROUP BY {', '.join(outer_columns)}" if kept else ""
    return f"SELECT {', '.join([*outer_columns, 'COUNT(*)', 'SUM(t.v)', 'MAX(t.v)'])} FROM ({inner}) t{group}"


def lattice(measure: Measure, by: list[str], *, year: int | None = None, regions: list[str] | None = None) -> dict[Key, Cell]:
    """Every non-empty cell of the table of `measure` by the dimensions `by`, margins and grand total included
    (TOTAL in the positions summed over). `regions` (None: all) limits the rows to those pooling regions."""
    if regions is not None and not regions:
        return {}
    where, params = _where(measure, year, regions)
    cells: dict[Key, Cell] = {}
    with connection.cursor() as cursor:
        for mask in product((True, False), repeat=len(by)):
            kept = [name for name, keep in zip(by, mask, strict=True) if keep]
            cursor.execute(_query(measure, kept, where), params)
            for row in cursor.fetchall():
                persons, value, top = row[len(kept):]
                if not persons:  # the grand total of no rows at all
                    continue
                values = iter("" if v is None else v for v in row[:len(kept)])
                key = tuple(next(values) if keep else TOTAL for keep in mask)
                cells[key] = (Cell(persons, persons) if measure.distinct_persons
                              else Cell(persons, int(value), int(top)))
    return cells
