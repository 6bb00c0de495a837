"""stats/services.py over a real (small) population: the figures, the suppression, the refusals and the log."""

from __future__ import annotations

import pytest

from sirecords.records.models import AccessEvent
from sirecords.stats.aggregate import lattice
from sirecords.stats.catalogue import DIMENSIONS, MEASURES
from sirecords.stats.services import SUBJECT, StatsRefused, compute

from ..conftest import REGION
from .conftest import BASE, OTHER
from .helpers import assert_nothing_derivable, keyed


def _raw(name, shown):
    """A published dimension value back to the database's (the age band's label to its lower bound)."""
    return int(shown.split("-")[0]) if name == "age_band" and shown is not None else shown


def table(by, measure, **options):
    return compute("stats.tester", by.split(","), measure, channel="cli", **options).as_dict()


def test_persons_by_year_add_up_to_person_years(db, population):
    rows = keyed(table("year", "persons"))
    # Three months each, yet each person counted once per cell; the total over the years counts person-years, the sum
    # of its line (else total − members = the persons in both years, which may be one).
    assert rows[(2023,)]["value"] == 12 and rows[(2024,)]["value"] == 30 and rows[(None,)]["value"] == 42
    # Over region and sex (one per person) the total is of distinct persons.
    assert keyed(table("sex", "persons"))[(None,)]["value"] == 30


def test_a_small_region_is_withheld_with_what_would_reveal_it(db, population):
    result = table("region,sex", "persons")
    rows = keyed(result)
    assert rows[(OTHER, "M")]["suppressed"] and rows[(OTHER, None)]["suppressed"]
    # Else 440400's men = all men − 440300's men.
    assert rows[(REGION, "M")]["suppressed"]
    assert rows[(None, None)]["value"] == 30
    for row in result["rows"]:
        assert row["suppressed"] or row["value"] >= 10
    assert_nothing_derivable(result)


def test_the_only_woman_of_her_age_band_cannot_be_singled_out(db, population):
    result = table("region,sex,age_band", "persons", year=2024)
    rows = keyed(result)
    assert rows[(REGION, "F", "55-59")]["suppressed"]
    assert rows[(REGION, "F", "40-44")]["suppressed"]  # her line's partner: else 12 − 11
    assert rows[(REGION, "F", None)]["value"] in (None, 12)
    assert_nothing_derivable(result)
    for row in result["rows"]:
        assert row["suppressed"] or row["value"] >= 10


def test_sums_in_yuan_with_the_persons_rule(db, population):
    result = table("year", "contribution_total", min_cell=5)
    rows = keyed(result)
    monthly = BASE // 8 + BASE // 12
    assert rows[(2023,)]["value"] == f"{12 * 3 * monthly // 100}.{12 * 3 * monthly % 100:02d}"
    assert rows[(None,)]["value"] == f"{42 * 3 * monthly // 100}.{42 * 3 * monthly % 100:02d}"
    assert result["unit"] == "yuan"


def test_the_current_account_figure_counts(db, population):
    rows = keyed(table("year", "account_balance_total"))
    assert rows[(2023,)]["value"] == "13000.00"  # 11 × 1 000 + the replaced figure 2 000


def test_a_sum_dominated_by_one_person_is_withheld(db, population):
    result = table("region", "pensions_paid_total")
    rows = keyed(result)
    assert rows[(REGION,)]["suppressed"] and rows[(None,)]["suppressed"]
    counts = keyed(table("region", "pensions_paid_count"))
    assert counts[(REGION,)]["value"] == 12


@pytest.mark.parametrize(("by", "measure", "field", "words"), [
    ("region,salary", "persons", "by", "unknown dimension 'salary'"),
    ("region", "names", "measure", "unknown measure 'names'"),
    ("insurance_type", "pensions_paid_total", "by", "cannot be broken down by insurance_type"),
    ("region,region", "persons", "by", "named twice"),
    ("employer_industry", "persons", "by", "unknown dimension"),
])
def test_unknown_names_are_refused_and_nothing_is_logged(db, population, by, measure, field, words):
    before = AccessEvent.objects.filter(subject=SUBJECT).count()
    with pytest.raises(StatsRefused) as refused:
        table(by, measure)
    assert refused.value.field == field and words in refused.value.message
    assert AccessEvent.objects.filter(subject=SUBJECT).count() == before


def test_the_minimum_cannot_go_below_the_floor(db, population):
    with pytest.raises(StatsRefused, match="min_cell: may not be below 5"):
        table("region", "persons", min_cell=4)


def test_each_use_is_in_the_access_log(db, population):
    table("region,year", "persons", year=2024)
    event = AccessEvent.objects.filter(subject=SUBJECT).order_by("-seq").first()
    assert event.actor == "stats.tester" and event.channel == "cli"
    assert event.what == "stats: persons by region,year year 2024 min cell 10"
    assert "第十七条" in event.purpose


def test_regions_limit_the_rows(db, population):
    rows = keyed(table("region", "persons", regions=[REGION]))
    assert set(rows) == {(REGION,), (None,)} and rows[(None,)]["value"] == 24


def _combinations(names):
    from itertools import combinations

    return [list(c) for size in range(1, len(names) + 1) for c in combinations(names, size)]


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_every_combination_of_dimensions_is_safe_on_real_data(db, population, measure):
    found = MEASURES[measure]
    names = [name for name in DIMENSIONS if name in found.dimensions]
    for by in _combinations(names):
        result = compute("stats.tester", by, measure, channel="cli").as_dict()
        assert_nothing_derivable(result)
        cells = lattice(found, by)
        for row in result["rows"]:
            if not row["suppressed"]:
                key = tuple(_raw(name, row[name]) for name in by)
                assert cells[key].persons >= 10, (measure, by, key)


def test_by_insurance_type(db, population):
    rows = keyed(table("insurance_type,year", "persons", year=2024))
    assert rows[("pension", 2024)]["value"] == 30 and rows[(None, None)]["value"] == 30
