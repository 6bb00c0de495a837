"""Disclosure control (engine/disclosure_control.py): no published cell below the minimum, no suppressed cell
recoverable by subtraction from any line, on hand-made and random tables."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.engine.disclosure_control import MIN_CELL_FLOOR, TOTAL, Cell, DisclosureError, Rules, lines, protect


def lattice(people: list[tuple[tuple, int]], dimensions: int) -> dict:
    """The full lattice of a table over microdata (one row per person: their cell and their value), as the
    database computes it: persons, the sum, the largest single part."""
    sums: dict[tuple, dict[int, int]] = {}
    for person, (where, value) in enumerate(people):
        for mask in product((True, False), repeat=dimensions):
            key = tuple(v if keep else TOTAL for v, keep in zip(where, mask, strict=True))
            parts = sums.setdefault(key, {})
            parts[person] = parts.get(person, 0) + value
    return {key: Cell(len(parts), sum(parts.values()), max(parts.values())) for key, parts in sums.items()}


def assert_safe(cells: dict, result, rules: Rules) -> None:
    for key, cell in result.published.items():
        assert cell.persons >= rules.min_cell, key
        if rules.dominance_percent is not None and cell.value:
            assert cell.top * 100 <= rules.dominance_percent * cell.value, key
    assert set(result.published) | set(result.suppressed) == set(cells)
    assert not set(result.published) & set(result.suppressed)
    for (_, total), members in lines(list(cells)).items():
        hidden = [key for key in (total, *members) if key in result.suppressed]
        # One unknown in `total = Σ members` is recovered by subtraction; none or two or more are not.
        assert len(hidden) != 1, (total, members, hidden)


def test_a_small_cell_takes_its_row_and_column_partners_with_it():
    people = [(("A", "M"), 1)] * 20 + [(("A", "F"), 1)] * 2 + [(("B", "M"), 1)] * 30 + [(("B", "F"), 1)] * 25
    cells = lattice(people, 2)
    result = protect(2, cells, Rules(min_cell=10))
    assert result.suppressed[("A", "F")] == "persons"
    # The rest of row A and column F, then column M's and row B's partners: every interior cell.
    assert set(result.suppressed) == {("A", "F"), ("A", "M"), ("B", "M"), ("B", "F")}
    assert result.value(("A", TOTAL)) == 22 and result.value((TOTAL, "F")) == 27 and result.value((TOTAL, TOTAL)) == 77
    assert_safe(cells, result, Rules(min_cell=10))


def test_a_line_of_one_member_hides_its_total():
    people = [(("A", "M"), 1)] * 3 + [(("B", "M"), 1)] * 30 + [(("B", "F"), 1)] * 30
    cells = lattice(people, 2)
    result = protect(2, cells, Rules(min_cell=10))
    # Region A has men only: its total would be its one cell.
    assert ("A", "M") in result.suppressed and ("A", TOTAL) in result.suppressed
    assert_safe(cells, result, Rules(min_cell=10))


def test_a_dominated_sum_is_suppressed():
    people = [(("A",), 100)] * 10 + [(("A",), 100_000)] + [(("B",), 10_000)] * 12
    cells = lattice(people, 1)
    rules = Rules(min_cell=10, dominance_percent=85)
    result = protect(1, cells, rules)
    assert result.suppressed[("A",)] == "dominance"
    assert ("B",) in result.suppressed  # else A = total − B
    assert_safe(cells, result, rules)


def test_the_floor_cannot_be_lowered():
    with pytest.raises(DisclosureError, match="below 5"):
        Rules(min_cell=MIN_CELL_FLOOR - 1)
    with pytest.raises(DisclosureError, match="dominance"):
        Rules(min_cell=10, dominance_percent=40)


def test_a_missing_total_is_refused():
    with pytest.raises(DisclosureError, match="total"):
        protect(1, {("A",): Cell(20, 20)}, Rules(min_cell=10))


@st.composite
def tables(draw):
    dimensions = draw(st.integers(1, 3))
    domains = [draw(st.integers(1, 4)) for _ in range(dimensions)]
    where = st.tuples(*(st.integers(0, size - 1) for size in domains))
    people = draw(st.lists(st.tuples(where, st.integers(0, 1000)), min_size=0, max_size=120))
    return dimensions, people


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(MIN_CELL_FLOOR, 15), st.sampled_from([None, 60, 85]))
def test_random_tables_are_safe(table, min_cell, dominance):
    dimensions, people = table
    cells = lattice(people, dimensions)
    rules = Rules(min_cell=min_cell, dominance_percent=dominance)
    assert_safe(cells, protect(dimensions, cells, rules), rules)


@settings(max_examples=100, deadline=None)
@given(tables())
def test_cells_at_or_above_the_minimum_without_neighbours_in_trouble_stay(table):
    # Nothing is suppressed in a table where every cell reaches the minimum: suppression is not gratuitous.
    dimensions, people = table
    cells = lattice(people, dimensions)
    result = protect(dimensions, cells, Rules(min_cell=MIN_CELL_FLOOR))
    if all(cell.persons >= MIN_CELL_FLOOR for cell in cells.values()):
        assert not result.suppressed
