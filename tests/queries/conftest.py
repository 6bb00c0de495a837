"""A person with two employers, one after the other, and contributions under each (tests/queries).

甲公司 (FIRST_NAME) employed the person from 2022-01 to 2022-06; 乙公司 (LATER_NAME) from 2022-07, still open. The
contributions of 2022-05 and 2022-06 name the first, those of 2022-07 and 2022-08 the later one, with a wage
(LATER_WAGE) no row of the first has: a marker that only the later employer's rows hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from sirecords.contributions.services import import_file, review_all
from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.demo.sample_contributions import collection_csv
from sirecords.parameters.queries import params_for_month
from sirecords.parameters.services import open_parameter_load
from sirecords.registry.models import Employer, Person
from sirecords.workflow.services import review

REGION = "440300"
PERSON_ID = make_id_number("440305", date(1988, 8, 8), 808)
DELEGATE_ID = make_id_number("440306", date(1970, 1, 2), 311)
FIRST_USCC = make_uscc("9", "1", REGION, "MA5Q0001")
LATER_USCC = make_uscc("9", "1", REGION, "MA5Q0002")
FIRST_NAME = "甲方先前科技有限公司"
LATER_NAME = "乙方后来贸易有限公司"
FIRST_WAGE, LATER_WAGE = 612345, 987654  # fen; the later employer's wage is a marker of out-of-scope rows


@dataclass
class TwoEmployers:
    person: Person
    first: Employer
    later: Employer


@pytest.fixture
def two_employers(staff, post_txn) -> TwoEmployers:
    return make_two_employers(staff, post_txn)


def module_two_employers():
    """`two_employers` made once per test module: in a test module, `two_employers = module_two_employers()`. Built in
    an outer_transaction (tests/conftest.py), each test in a rolled-back savepoint of it."""
    from ..conftest import outer_transaction, post_entries, staff_factory

    @pytest.fixture(scope="module")
    def two_employers(django_db_setup, django_db_blocker):
        with outer_transaction(django_db_blocker):
            with django_db_blocker.unblock():
                made = make_two_employers(staff_factory(), post_entries)
            yield made

    return two_employers


def make_two_employers(staff, post_txn) -> TwoEmployers:
    """The set-up of `two_employers`, as a plain function of a staff maker and a posting function (tests/conftest.py's
    staff_factory() and post_entries), so that module-scoped fixtures can build it once."""
    reviewers = {stage: staff(f"q.{stage}", role) for stage, role in
                 (("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver"))}
    txn = open_parameter_load(staff("q.maint", "maintainer"), REGION, 2022, "年度参数", params=params_for_month(REGION, 2022, 12))
    for stage in txn.stage_list:
        txn = review(reviewers[stage], txn, "approve", "ok")
    person = post_txn("register_person", {"id_number": PERSON_ID, "name": "李查询", "region": "440305"})[0].payload["person"]
    first = post_txn("register_employer", {"uscc": FIRST_USCC, "name": FIRST_NAME, "region": "440305"})[0].payload["employer"]
    later = post_txn("register_employer", {"uscc": LATER_USCC, "name": LATER_NAME, "region": "440305"})[0].payload["employer"]
    job = post_txn("start_employment", {"person": person, "employer": first, "start": "2022-01-01"})[0].payload["employment"]
    post_txn("end_employment", {"employment": job, "end": "2022-06-30"})
    post_txn("start_employment", {"person": person, "employer": later, "start": "2022-07-01"})
    rows = [(PERSON_ID, FIRST_USCC, f"2022-{m:02d}", "pension", FIRST_WAGE, f"2022-{m:02d}-15") for m in (5, 6)]
    rows += [(PERSON_ID, LATER_USCC, f"2022-{m:02d}", "pension", LATER_WAGE, f"2022-{m:02d}-15") for m in (7, 8)]
    outcome = import_file(staff("q.clerk", "clerk"), collection_csv(rows, REGION), reason="2022 征收数据", file_name="q.csv",
                          region=REGION)
    assert outcome.ok, outcome.prepared.report_lines() or outcome.refused
    review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    return TwoEmployers(Person.objects.get(uid=person), Employer.objects.get(uid=first), Employer.objects.get(uid=later))
