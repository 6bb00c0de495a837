from collections import defaultdict
from datetime import date, timedelta

import pytest

from sirecords.core.identifiers import parse_id_number, parse_uscc
from sirecords.demo.generate import generate

TODAY = date(2026, 11, 1)
DATA = generate()


def test_same_seed_same_data():
    assert generate() == DATA
    assert generate(seed=7) == generate(seed=7)
    assert generate(seed=7) != DATA


def test_counts():
    assert len(DATA.persons) == 200
    assert len(DATA.employers) == 20
    small = generate(persons=5, employers=3)
    assert (len(small.persons), len(small.employers)) == (5, 3)


def test_person_identifiers_valid_and_unique():
    parsed = [parse_id_number(p.id_number, today=TODAY) for p in DATA.persons]
    assert len({p.normalized for p in parsed}) == len(parsed)
    assert {p.sex for p in parsed} == {"M", "F"}
    assert all(1962 <= p.birth_date.year <= 2004 for p in parsed)
    for person, id_number in zip(DATA.persons, parsed):
        assert id_number.address_code == person.region
        assert 2 <= len(person.name) <= 3
        assert len(person.phone) == 11 and person.phone.isascii() and person.phone.isdigit()
        assert person.phone[0] == "1" and person.phone[1] in "3456789"


def test_most_persons_are_local():
    local = sum(p.region.startswith("4403") for p in DATA.persons)
    assert 0.75 <= local / len(DATA.persons) <= 0.95


def test_employers_valid_and_unique():
    assert all(parse_uscc(e.uscc) == e.uscc for e in DATA.employers)
    assert len({e.uscc for e in DATA.employers}) == len(DATA.employers)
    assert len({e.name for e in DATA.employers}) == len(DATA.employers)
    for employer in DATA.employers:
        assert employer.uscc[:2] == "91" and employer.uscc[2:8] == employer.region
        assert employer.region.startswith("4403")


def _periods_by_person():
    periods = defaultdict(list)
    for employment in DATA.employments:
        periods[employment.person_index].append(employment)
    return periods


def test_every_person_has_one_to_four_periods():
    periods = _periods_by_person()
    assert set(periods) == set(range(len(DATA.persons)))
    assert all(1 <= len(p) <= 4 for p in periods.values())


def test_periods_ordered_non_overlapping_and_month_aligned():
    for periods in _periods_by_person().values():
        periods.sort(key=lambda e: e.start)
        assert len({e.employer_index for e in periods}) == len(periods)
        assert periods[0].start >= date(2000, 1, 1)
        for earlier, later in zip(periods, periods[1:]):
            assert earlier.end is not None and earlier.end < later.start
        for employment in periods:
            assert employment.start.day == 1 and employment.start <= TODAY
            if employment.end is not None:
                assert employment.start < employment.end < TODAY
                assert (employment.end + timedelta(days=1)).day == 1  # last of a month


def test_start_never_before_18th_birthday():
    for employment in DATA.employments:
        person = DATA.persons[employment.person_index]
        birth = parse_id_number(person.id_number, today=TODAY).birth_date
        age_at_start = employment.start.year - birth.year - (
            (employment.start.month, employment.start.day) < (birth.month, birth.day)
        )
        assert age_at_start >= 18


def test_about_eighty_percent_currently_employed():
    employed = {e.person_index for e in DATA.employments if e.end is None}
    assert 0.7 <= len(employed) / len(DATA.persons) <= 0.9


@pytest.mark.django_db
def test_approve_stages_approves_each_stage_by_its_own_reviewer(staff, pdf):
    from sirecords.core.identifiers import make_id_number
    from sirecords.demo.crew import STAGE_ROLES, approve_stages
    from sirecords.workflow import services
    from sirecords.workflow.models import State

    clerk = staff("crew.clerk", "clerk")
    reviewers = {stage: staff(f"crew.{stage}", role) for stage, role in STAGE_ROLES}
    payload = {"id_number": make_id_number("440305", date(1990, 5, 17), 311), "name": "钱七", "region": "440305"}
    txn = services.open_transaction(clerk, "register_person", payload, region="440300", reason="r", channel="counter")
    services.attach(clerk, txn, "id_card", pdf, "id.pdf")
    txn = services.submit(clerk, txn)
    txn = approve_stages(txn, reviewers, until=2)  # a mapping; stop before the third stage
    assert (txn.state, txn.due_stage) == (State.SUBMITTED, txn.stage_list[2])
    txn = approve_stages(txn, lambda stage: reviewers[stage])  # a function; goes on from the stage due
    assert txn.state == State.POSTED
