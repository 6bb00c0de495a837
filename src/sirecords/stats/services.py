"""One statistics request, end to end: check the names against the whitelist, compute the cells in the database,
suppress what would single out a person (engine/disclosure_control.py), record the use in the access log (subject
``stats``: who, which aggregate, through which channel, when — no person is read, so none is named), and hand back the
rows that may be published. The CLI (`sirecords stats`) and the API (`GET /api/stats`) both call `compute`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.core.money import fen_to_yuan
from sirecords.engine.disclosure_control import MIN_CELL_FLOOR, TOTAL, DisclosureError, Rules, protect
from sirecords.records.access_log import record_access
from sirecords.stats.aggregate import lattice
from sirecords.stats.catalogue import Measure, UnknownName, age_band_label, check_request

__all__ = ["PURPOSE", "SUBJECT", "Statistics", "StatsRefused", "compute", "min_cell_floor"]

SUBJECT = "stats"  # the access log's subject of every statistics request
PURPOSE = "de-identified statistics for administrative use (第十七条)"


class StatsRefused(ValueError):
    """A request that is refused before anything is computed: `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Statistics:
    measure: Measure
    by: tuple[str, ...]
    min_cell: int
    year: int | None
    rows: list[dict]  # {dimension: value or None for the total, ..., "value": …, "suppressed": bool}
    suppressed: int  # how many cells are withheld

    def as_dict(self) -> dict:
        return {"measure": self.measure.name, "label": self.measure.label, "by": list(self.by), "min_cell": self.min_cell,
                "year": self.year, "unit": "yuan" if self.measure.money else "count", "suppressed": self.suppressed,
                "rows": self.rows}


def min_cell_floor() -> int:
    """The smallest minimum cell size a caller may ask for: the configured floor, never below the engine's."""
    return max(MIN_CELL_FLOOR, int(getattr(settings, "SIRECORDS_STATS_MIN_CELL_FLOOR", MIN_CELL_FLOOR)))


def _min_cell(requested: int | None) -> int:
    if requested is None:
        return max(min_cell_floor(), int(settings.SIRECORDS_STATS_MIN_CELL))
    if requested < min_cell_floor():
        raise StatsRefused("min_cell", _("may not be below {floor}").format(floor=min_cell_floor()))
    return requested


def _shown(name: str, value):
    if value is TOTAL:
        return None
    return age_band_label(value) if name == "age_band" else value


def _sort_key(key: tuple) -> tuple:
    # Cells in order of their values, each line's total after its members.
    return tuple((value is TOTAL, value if value is not TOTAL else 0) for value in key)


def compute(actor: str, by: list[str], measure: str, *, channel: str, min_cell: int | None = None,
            year: int | None = None, regions: list[str] | None = None) -> Statistics:
    """The table of `measure` by the dimensions `by` (margins and grand total included), with every cell resting on
    fewer than `min_cell` persons (default SIRECORDS_STATS_MIN_CELL), or dominated by one person's part of a sum, and
    what would reveal one by subtraction, withheld. `regions` (None: all) limits the rows to those pooling regions.
    The request is recorded in the access log as `actor`. Raises StatsRefused (nothing computed, nothing logged)."""
    try:
        found = check_request(list(by), measure)
    except UnknownName as error:
        raise StatsRefused(error.field, error.message) from error
    k = _min_cell(min_cell)
    try:
        rules = Rules(k, None if found.distinct_persons else int(settings.SIRECORDS_STATS_DOMINANCE_PERCENT))
    except DisclosureError as error:
        raise StatsRefused("min_cell", str(error)) from error
    result = protect(len(by), lattice(found, list(by), year=year, regions=regions), rules)
    rows = []
    for key in sorted([*result.published, *result.suppressed], key=_sort_key):
        cell = result.published.get(key)
        value = None if cell is None else (str(fen_to_yuan(cell.value)) if found.money else cell.value)
        rows.append({**{name: _shown(name, v) for name, v in zip(by, key, strict=True)}, "value": value,
                     "suppressed": cell is None})
    what = f"stats: {found.name} by {','.join(by)}" + (f" year {year}" if year is not None else "") + f" min cell {k}"
    if regions is not None:
        what += f" regions {','.join(regions)}"
    record_access(actor, SUBJECT, what, channel, PURPOSE)
    return Statistics(found, tuple(by), k, year, rows, len(result.suppressed))
