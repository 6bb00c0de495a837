"""Finding 1 of issue 9: nothing in clear rebuilds an ID number. A database thief (tests/registry/thief.py) reads every
table and every ledger payload of a database filled through the real reviewed transactions, and for every person —
registered, corrected, employed, retired, or still waiting for review — finds at least 1,000 ID numbers consistent
with what is in clear (docs/privacy.md). Before the fix, a summary's `440305********1233` and the clear birth date
left exactly one."""

from datetime import date

import pytest

from sirecords.core.identifiers import id_check_char, make_id_number, make_uscc

from ..conftest import outer_transaction, staff_factory
from . import thief

MIN_CANDIDATES = 1000
pytestmark = pytest.mark.django_db
REGION = "440300"
# (address code = household region, birth date, sequence): men have an odd sequence, women an even one.
PEOPLE = [("440305", date(1980, 1, 31), 101), ("440304", date(1975, 2, 28), 202), ("440306", date(1992, 2, 29), 303),
          ("110105", date(1988, 12, 1), 404), ("440305", date(2000, 7, 15), 505), ("430102", date(1966, 10, 9), 606)]
CORRECTED_TO = date(1980, 1, 13)  # the first person's ID number is corrected: another birth day, same sequence
WAITING = [("440305", date(1995, 5, 5), 707), ("440303", date(1999, 9, 9), 808)]  # submitted; a draft


@pytest.fixture(scope="module")
def stolen(django_db_setup, django_db_blocker):
    """A database filled through the reviewed transactions, as a thief reads it, and each person's true ID number
    (which the test knows, the thief does not): {key: (true ID number, clues)}."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            truth = _fill(staff_factory())
            tables = thief.read_everything()
            yield {key: (truth[key], clues) for key, clues in thief.dossiers(tables).items()}


def _fill(staff) -> dict[str, str]:
    from sirecords.demo.crew import crew
    from sirecords.demo.documents import scan
    from sirecords.demo.sample_benefits import post_sample_award
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.records.access_log import record_access
    from sirecords.registry.models import Person
    from sirecords.registry.queries import find_person_by_id_number
    from sirecords.workflow import services

    team = crew(staff, "thief", REGION)
    employer = team.open_approved("register_employer", {"uscc": make_uscc("9", "1", REGION, "MA5T0001"), "name": "某公司",
                                                        "region": "440305"}, "business_licence")
    employer = services.payload_of(employer)["uscc"]
    from sirecords.registry.models import Employer

    employer = Employer.objects.get(uscc=employer).uid
    numbers = [make_id_number(region, birth, sequence) for region, birth, sequence in PEOPLE]
    for number, (region, _, _) in zip(numbers, PEOPLE, strict=True):
        team.open_approved("register_person", {"id_number": number, "name": "测试", "phone": "13800000000",
                                               "address": "深圳市南山区", "region": region}, "id_card")
    uids = [find_person_by_id_number(number).uid for number in numbers]
    for uid, (_, birth, _) in zip(uids, PEOPLE, strict=True):
        start = date(birth.year + 18, birth.month, min(birth.day, 28))  # the demo's people start work at 18 or later
        team.open_approved("start_employment", {"person": uid, "employer": employer, "start": start.isoformat()},
                           "labour_contract")
    job = Person.objects.get(pk=uids[1]).employments.get()
    team.open_approved("end_employment", {"employment": job.uid, "end": "2020-06-30"}, "termination_proof")
    team.open_approved("change_person_details", {"person": uids[2], "phone": "13900000000", "region": "440307"},
                       "change_application")
    corrected = make_id_number(PEOPLE[0][0], CORRECTED_TO, PEOPLE[0][2])
    txn = services.open_transaction(team.maintainer, "correction", {
        "target": "person", "uid": uids[0], "changes": {"id_number": corrected}, "method": "依据户籍证明更正"},
        region=REGION, reason="参保人书面申请", channel="counter")
    services.attach(team.maintainer, txn, "evidence", scan("household register"), "evidence.pdf")
    team.approve(services.submit(team.maintainer, txn))
    numbers[0] = corrected
    for n, (region, birth, sequence) in enumerate(WAITING):
        txn = services.open_transaction(team.clerk, "register_person", {
            "id_number": make_id_number(region, birth, sequence), "name": "等待", "region": region},
            region=REGION, reason="窗口登记", channel="counter")
        services.attach(team.clerk, txn, "id_card", scan(f"waiting {n}"), "id.pdf")
        if n == 0:
            services.submit(team.clerk, txn)
    for uid in uids:
        record_access(team.clerk.username, f"person:{uid}", "person.detail", "web", "counter enquiry")
    post_sample_batch(staff)  # contributions, a crediting run
    post_sample_award(staff)  # a retiree: contributions, deemed service, an award
    truth = {uid: Person.objects.get(pk=uid).id_number for uid in Person.objects.values_list("uid", flat=True)}
    from sirecords.workflow.models import BusinessTransaction

    for txn in BusinessTransaction.objects.filter(type="register_person").exclude(state="posted"):
        truth[txn.uid] = services.payload_of(txn)["id_number"]
    return truth


def test_the_thief_sees_every_person_registered_or_waiting(stolen):
    assert len(stolen) == len(PEOPLE) + len(WAITING) + 2  # and the sample batch's person and the retiree


def test_no_person_is_narrowed_to_fewer_than_a_thousand_id_numbers(stolen):
    counts = {key: thief.count_candidates(clues) for key, (_, clues) in stolen.items()}
    narrowed = {key: count for key, count in counts.items() if count < MIN_CANDIDATES}
    assert not narrowed, f"ID numbers narrowed to fewer than {MIN_CANDIDATES} candidates from clear data: {narrowed}"
    for key, (true_number, clues) in stolen.items():  # and the count is of the right numbers
        assert thief.fits(clues, true_number), f"the thief's reasoning excludes the true number of {key}: {clues}"


def test_what_stays_in_clear_is_the_birth_year_month_the_sex_and_the_address_code(stolen):
    for true_number, clues in stolen.values():
        assert not clues.birth_dates, "a full birth date is in clear"
        assert all(set(mask[6:]) == {"*"} for mask in clues.masks), f"a mask shows more than the address code: {clues.masks}"
        assert true_number[:6] not in {m for m in clues.masks if "*" not in m}, "an ID number is in clear"


# The counting itself, against docs/privacy.md's arithmetic and a brute-force enumeration.

def test_the_count_is_the_arithmetic_of_the_privacy_policy():
    june_man = thief.Clues(birth_months={(1985, 6)}, sexes={"M"}, household_regions={"440305"})
    assert thief.count_candidates(june_man) == 30 * 500
    february_woman = thief.Clues(birth_months={(1985, 2)}, sexes={"F"}, masks={"440305" + "*" * 12})
    assert thief.count_candidates(february_woman) == 28 * 500
    # What the finding saw: the old mask (sequence and check character shown) beside the clear birth date.
    number = make_id_number("440305", date(1985, 6, 15), 123)
    old = thief.Clues(birth_dates={date(1985, 6, 15)}, sexes={"M"}, masks={number[:6] + "*" * 8 + number[-4:]})
    assert thief.count_candidates(old) == 1 and thief.fits(old, number)
    # The one corner below 1,000: a first job that started on the 1st of the month of the 16th birthday.
    corner = thief.Clues(birth_months={(1985, 6)}, sexes={"M"}, household_regions={"440305"}, starts={date(2001, 6, 1)})
    assert thief.count_candidates(corner) == 500
    corner.starts = {date(2001, 6, 2)}
    assert thief.count_candidates(corner) == 1000


def test_the_count_agrees_with_brute_force():
    clues = thief.Clues(birth_months={(1990, 2)}, sexes={"F"}, masks={"4403051990********", "440305" + "*" * 11 + "7"})
    brute = 0
    for day in range(1, 29):
        for sequence in range(0, 1000, 2):
            first17 = f"440305199002{day:02d}{sequence:03d}"
            brute += id_check_char(first17) == "7"
    assert thief.count_candidates(clues) == brute and 1000 < brute < 1500
