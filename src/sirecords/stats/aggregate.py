"""The cells of a statistics table, computed in the database: one GROUP BY per combination of the dimensions kept
(the interior cells, every margin, the grand total), each over rows first grouped per person, so that every cell
carries its number of distinct persons and its largest single person's part. No row per person leaves the database.

The SQL is assembled only from the whitelist (catalogue.py); the year and the regions travel as query parameters.
It runs on the read replica when one is configured (databases/replica.py): de-identified totals may be a moment old.
The access-log record of the request is written on `default` (services.compute).
"""

from __future__ import annotations

from itertools import product

from django.db import connections

from sirecords.databases.replica import replica_alias
from sirecords.engine.disclosure_control import TOTAL, Cell, Key
from sirecords.stats.catalogue import MULTI_VALUED, Measure

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


def _query(measure: Measure, kept: list[str], summed: list[str], where: str) -> str:
    """The cells grouped by `kept`, summed over the other dimensions; for a count of persons, a person is counted once
    for each value of the dimensions in `summed` (a total over the years counts person-years), so that every total is
    the sum of its line, as the disclosure control assumes: an overlap (persons in two years) would otherwise be the
    difference between the total and its members, perhaps one person."""
    expressions = [measure.dimension_sql(name) for name in kept]
    columns = "".join(f"{sql} AS d{i}, " for i, sql in enumerate(expressions))
    per_person = [*expressions, *(measure.dimension_sql(name) for name in summed), "f.person_id"]
    inner = (f"SELECT {columns}f.person_id AS pid, SUM({measure.value}) AS v FROM {measure.source}{where} "
             f"GROUP BY {', '.join(per_person)}")  # nosec B608 # catalogue's fixed SQL; values bound
    outer_columns = [f"t.d{i}" for i in range(len(kept))]
    group = f" GROUP BY {', '.join(outer_columns)}" if kept else ""
    # persons (distinct, for the minimum), the value, the largest single person's part (for dominance)
    figures = (["COUNT(DISTINCT t.pid)", "COUNT(*)", "MAX(t.v)"] if measure.distinct_persons
               else ["COUNT(*)", "SUM(t.v)", "MAX(t.v)"])
    return f"SELECT {', '.join([*outer_columns, *figures])} FROM ({inner}) t{group}"  # nosec B608 # catalogue's fixed SQL; values bound


def lattice(measure: Measure, by: list[str], *, year: int | None = None, regions: list[str] | None = None) -> dict[Key, Cell]:
    """Every non-empty cell of the table of `measure` by the dimensions `by`, margins and grand total included
    (TOTAL in the positions summed over). `regions` (None: all) limits the rows to those pooling regions."""
    if regions is not None and not regions:
        return {}
    where, params = _where(measure, year, regions)
    cells: dict[Key, Cell] = {}
    with connections[replica_alias()].cursor() as cursor:
        for mask in product((True, False), repeat=len(by)):
            kept = [name for name, keep in zip(by, mask, strict=True) if keep]
            summed = ([name for name in by if name in MULTI_VALUED and name not in kept]
                      if measure.distinct_persons else [])
            cursor.execute(_query(measure, kept, summed, where), params)
            for row in cursor.fetchall():
                persons, value, top = row[len(kept):]
                if not persons:  # the grand total of no rows at all
                    continue
                values = iter("" if v is None else v for v in row[:len(kept)])
                key = tuple(next(values) if keep else TOTAL for keep in mask)
                cells[key] = (Cell(persons, int(value)) if measure.distinct_persons
                              else Cell(persons, int(value), int(top)))
    return cells
