"""Statistical disclosure control for tables of counts and sums (第十七条: data for administrative use must not
identify anyone). Pure: the caller (sirecords.stats) computes the cells in the database and hands them here.

A table is a lattice: every cell is keyed by one value per dimension, and `TOTAL` (None) in a position means "all
values of that dimension" — so a table by region and sex holds the interior cells (r, s), the region totals (r, None),
the sex totals (None, s) and the grand total (None, None). Every key with a `TOTAL` position is the total of a *line*:
the keys that have a value there instead (the other positions equal). A reader knows, for each line,
``total = Σ members``; the caller must make it so (sirecords.stats counts a person once per year in a total over the
years): a total smaller than its members' sum would give away the overlap, perhaps one person. `persons` (distinct,
for the minimum) need not add up.

1. Primary suppression: a cell (interior or total) with fewer than `min_cell` contributing persons; for sums also a
   cell dominated by one person (their part above `dominance_percent` of the cell's sum).
2. Complementary suppression: a line with exactly one suppressed key (a member or its total) lets the reader compute
   it by subtraction; so another key of that line is suppressed too (the member with the fewest persons, or the total
   when no member is left), and so on for every line of every dimension until nothing changes.

What it does not do: protect against solving several lines' equations together (linear programming attacks on
larger suppression patterns) or give the interval protection of optimal cell suppression (τ-ARGUS); the guarantee
is the one the tests check — no published cell below the minimum, no suppressed key recoverable from one line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MIN_CELL_FLOOR", "TOTAL", "Cell", "DisclosureError", "Key", "Protected", "Rules", "lines", "protect"]

TOTAL = None  # a key position that sums over the whole dimension
# Below five persons a cell is small enough to single someone out with a little outside knowledge; no setting or
# option may go lower.
MIN_CELL_FLOOR = 5

Key = tuple[Hashable | None, ...]


class DisclosureError(ValueError):
    """The rules asked for are weaker than the floor, or the table is malformed."""


@dataclass(frozen=True)
class Cell:
    """One cell as computed: how many distinct persons contribute, the value (a count or a sum in the smallest unit),
    and the largest single person's part of the value (for the dominance rule; 0 when not applicable)."""

    persons: int
    value: int
    top: int = 0


@dataclass(frozen=True)
class Rules:
    min_cell: int
    dominance_percent: int | None = None  # None: no dominance rule (counts of persons)

    def __post_init__(self) -> None:
        if self.min_cell < MIN_CELL_FLOOR:
            raise DisclosureError(f"the minimum cell size may not be below {MIN_CELL_FLOOR} (asked: {self.min_cell})")
        if self.dominance_percent is not None and not 50 <= self.dominance_percent < 100:
            raise DisclosureError(f"the dominance percentage must be from 50 to 99 (asked: {self.dominance_percent})")


@dataclass(frozen=True)
class Protected:
    """The table as it may be published: `published` cells and the `suppressed` keys (their reasons are kept for the
    agency's own log and tests; publishing them would say which cells are small)."""

    published: dict[Key, Cell]
    suppressed: dict[Key, str]

    def value(self, key: Key) -> int | None:
        cell = self.published.get(key)
        return None if cell is None else cell.value


def lines(keys: Sequence[Key] | set[Key]) -> dict[tuple[int, Key], list[Key]]:
    """Every line of the lattice: (dimension, total key) → the member keys present. A member absent from the table is a
    known zero (nobody there), so it is published and needs no entry."""
    found: dict[tuple[int, Key], list[Key]] = {}
    for key in keys:
        for position, value in enumerate(key):
            if value is not TOTAL:
                total = key[:position] + (TOTAL,) + key[position + 1:]
                found.setdefault((position, total), []).append(key)
    return found


def _primary(cell: Cell, rules: Rules) -> str | None:
    if cell.persons < rules.min_cell:
        return "persons"
    if rules.dominance_percent is not None and cell.value > 0 and cell.top * 100 > rules.dominance_percent * cell.value:
        return "dominance"
    return None


def _order(cells: Mapping[Key, Cell], key: Key) -> tuple:
    # The least informative key first: fewest persons, smallest value; then a stable order by the key's text.
    cell = cells[key]
    return (cell.persons, cell.value, repr(key))


def protect(dimensions: int, cells: Mapping[Key, Cell], rules: Rules) -> Protected:
    """Suppress what would single out a person. `cells` must hold every key of the lattice that has anyone in it (the
    totals too: a line's total key must be present whenever a member is)."""
    for key in cells:
        if len(key) != dimensions:
            raise DisclosureError(f"key {key!r} does not have {dimensions} positions")
    all_lines = lines(list(cells))
    for (_, total), _members in all_lines.items():
        if total not in cells:
            raise DisclosureError(f"the total {total!r} of a line is missing")
    suppressed: dict[Key, str] = {}
    for key, cell in cells.items():
        reason = _primary(cell, rules)
        if reason:
            suppressed[key] = reason
    # A work list of lines to check: a line is checked again only when one of its keys has just been suppressed, so a
    # large table costs a pass over its lines plus a little per suppression (each key is suppressed at most once).
    containing: dict[Key, list[tuple[int, Key]]] = {}
    for line, members in all_lines.items():
        for key in (line[1], *members):
            containing.setdefault(key, []).append(line)
    pending = deque(sorted(all_lines, key=repr))
    queued = set(pending)
    while pending:
        line = pending.popleft()
        queued.discard(line)
        total, members = line[1], all_lines[line]
        hidden = [key for key in (total, *members) if key in suppressed]
        if len(hidden) != 1:
            continue
        open_members = [key for key in members if key not in suppressed]
        pick = min(open_members, key=lambda key: _order(cells, key)) if open_members else total
        suppressed[pick] = "complementary"
        for other in containing[pick]:
            if other not in queued:
                pending.append(other)
                queued.add(other)
    published = {key: cell for key, cell in cells.items() if key not in suppressed}
    return Protected(published, suppressed)
