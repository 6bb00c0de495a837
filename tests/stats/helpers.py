"""Checks on a published table: what a reader of the output alone can and cannot work out."""

from __future__ import annotations

from decimal import Decimal

from sirecords.engine.disclosure_control import lines


def keyed(table: dict) -> dict[tuple, dict]:
    return {tuple(row[name] for name in table["by"]): row for row in table["rows"]}


def assert_nothing_derivable(table: dict) -> None:
    """No line (a total and its members, as published) has exactly one withheld value: none can be recomputed by
    subtraction from a published total and the published cells of its line."""
    rows = keyed(table)
    for (_, total), members in lines(list(rows)).items():
        assert total in rows, f"the total {total} of a published line is missing"
        hidden = [key for key in (total, *members) if rows[key]["suppressed"]]
        assert len(hidden) != 1, f"{hidden[0]} = {total} minus the rest of its line"
        if not hidden:
            # Every total is the sum of its line: a smaller one would give away an overlap (persons in two years).
            assert Decimal(rows[total]["value"]) == sum(Decimal(rows[key]["value"]) for key in members), total
        for key in (total, *members):
            assert (rows[key]["value"] is None) == rows[key]["suppressed"]
