"""Contribution years from the record: distinct paid pension months across employers, plus deemed months."""

import pytest

from sirecords.accounts import years

pytestmark = pytest.mark.django_db

P = "d" * 32


def test_overlapping_employers_count_each_month_once(add_contributions):
    rows = [(P, "e1", f"2023-{m:02d}", 1000) for m in range(1, 13)]
    rows += [(P, "e2", f"2023-{m:02d}", 500) for m in range(7, 13)] + [(P, "e2", f"2024-{m:02d}", 500) for m in range(1, 4)]
    rows += [(P, "e3", "2025-06", 700)]  # after a gap: the count goes on
    add_contributions(rows)
    add_contributions([(P, "e1", "2025-07", 100)], insurance_type="medical")  # not a pension month
    add_contributions([(P, "e1", "2025-08", 100)], paid_on="")  # in arrears: not yet a contribution month
    result = years.contribution_years(P)
    assert result.value.actual_months == 12 + 3 + 1
    assert result.value.overlap_months == 0  # distinct months are read; overlaps never reach the count
    assert result.value.deemed_months == 0 and result.value.contribution_months == 16
    assert result.value.years_months == "1y4m"
    assert [str(p) for p in result.value.periods] == ["2023-01..2024-03", "2025-06..2025-06"]


def test_deemed_months_hook_is_added(add_contributions, monkeypatch):
    add_contributions([(P, "e1", f"2020-{m:02d}", 1000) for m in range(1, 13)])
    monkeypatch.setattr(years, "deemed_months_for", lambda uid: 60)
    assert years.contribution_years(P).value.contribution_months == 72


def test_nobody_has_no_months(db):
    assert years.contribution_years("0" * 32).value.contribution_months == 0
