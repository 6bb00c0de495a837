"""Contribution months: actual (distinct across employers and regions) plus deemed."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.years import Period, contribution_months, distinct_months, merge_periods


def test_overlapping_employers_count_once():
    # employer A 2010-01..2015-12 (72 months), employer B 2015-06..2016-03 (10 months); 7 months overlap
    # (2015-06..2015-12) → 72 + 10 − 7 = 75 distinct months
    c = contribution_months([("2010-01", "2015-12"), ("2015-06", "2016-03")]).value
    assert (c.actual_months, c.overlap_months, c.contribution_months) == (75, 7, 75)
    assert [str(p) for p in c.periods] == ["2010-01..2016-03"]


def test_regions_gaps_and_deemed_months():
    # region 110000 2000-07..2004-06 (48), gap, region 440300 2008-01..2012-12 (60), again 2012-07..2013-06 in a
    # second job (12, of which 6 overlap) → 48 + 60 + 6 = 114 actual; the gap does not reset the count;
    # plus 36 deemed months (视同缴费) → 150 = 12y6m
    c = contribution_months([("2000-07", "2004-06"), ("2008-01", "2012-12"), ("2012-07", "2013-06")], deemed_months=36).value
    assert (c.actual_months, c.deemed_months, c.contribution_months, c.years_months) == (114, 36, 150, "12y6m")
    assert c.years * 12 == 150


def test_deemed_periods_overlapping_actual_months_count_once():
    # deemed 1990-01..1995-12 (72); the first actual period starts 1995-07 → 6 deemed months are also actual
    c = contribution_months([("1995-07", "1999-12")], deemed_months=[("1990-01", "1995-12")]).value
    assert (c.actual_months, c.deemed_months, c.contribution_months) == (54, 66, 120)


def test_adjacent_periods_join_and_input_forms():
    # dates, Months and objects with .start/.end are accepted; 2020-01..2020-06 + 2020-07..2020-12 = one year
    periods = [(date(2020, 1, 15), Month(2020, 6)), Period(Month(2020, 7), Month(2020, 12))]
    assert merge_periods(periods) == (Period(Month(2020, 1), Month(2020, 12)),)
    assert distinct_months(periods) == 12
    assert distinct_months([("2020-03", "2020-03")]) == 1
    assert contribution_months([]).value.contribution_months == 0


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([("2020-06", "2020-01")], "ends"),
        ([("2020-13", "2020-12")], "between 1 and 12"),
        ([("2020/01", "2020-12")], "YYYY-MM"),
        ([("2020-01",)], "period 1"),
        (["2020-01"], "period 1"),
    ],
)
def test_invalid_periods(periods, message):
    with pytest.raises(InvalidInput, match=message):
        contribution_months(periods)


def test_negative_deemed_months():
    with pytest.raises(InvalidInput, match="negative"):
        contribution_months([], deemed_months=-1)


def test_trace_mentions_overlaps():
    trace = contribution_months([("2010-01", "2015-12"), ("2015-06", "2016-03")], deemed_months=12).trace
    assert "7 overlapping months counted once" in trace.steps[0].formula
    assert trace.steps[-1].formula == "75 + 12 = 87 (7y3m)"


months = st.integers(min_value=1990 * 12, max_value=2040 * 12).map(Month.from_ordinal)
period = st.tuples(months, st.integers(min_value=0, max_value=200)).map(lambda p: (p[0], p[0] + p[1]))


@given(st.lists(period, min_size=1, max_size=12))
def test_never_more_than_the_calendar_span(periods):
    total = distinct_months(periods)
    span = max(end for _, end in periods) - min(start for start, _ in periods) + 1
    longest = max(end - start + 1 for start, end in periods)
    assert longest <= total <= min(span, sum(end - start + 1 for start, end in periods))
    assert distinct_months(list(reversed(periods))) == total
    merged = merge_periods(periods)
    assert all(a.end.ordinal + 1 < b.start.ordinal for a, b in zip(merged, merged[1:]))  # disjoint, not adjacent
