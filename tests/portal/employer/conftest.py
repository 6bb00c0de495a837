"""An employer with portal accounts, two employees and a former one (tests/portal/employer).

The first employer of tests/queries' two_employers (甲, FIRST_NAME) employed the person there from 2022-01 to
2022-06, who then works for 乙 (LATER_NAME) from 2022-07 with contributions of 2022-07 and 2022-08 naming 乙 (wage
LATER_WAGE, a marker). Here 甲 also employs a second person from 2022-03, still open, with 2022-05 paid and
2022-06 unpaid (arrears). 甲 and 乙 each have a portal user "hr" activated with PORTAL_PASSWORD and the seed KEY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client

from sirecords.contributions.services import import_file, review_all
from sirecords.core.identifiers import make_id_number
from sirecords.demo.sample_contributions import collection_csv
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.registry.models import Employer, Person
from sirecords.workflow.services import review

from ...conftest import outer_transaction, post_entries, staff_factory
from ...queries.conftest import (  # noqa: F401 (two_employers: a fixture, for the tests here that want their own)
    FIRST_NAME,
    FIRST_USCC,
    LATER_NAME,
    LATER_USCC,
    LATER_WAGE,
    REGION,
    make_two_employers,
    two_employers,
)
from ..conftest import KEY, PORTAL_PASSWORD, fresh, totp

CURRENT_ID = make_id_number("440305", date(1992, 2, 2), 222)
CURRENT_WAGE = 734500  # fen


@dataclass
class Unit:
    first: Employer
    later: Employer
    former: Person
    current: Person
    first_device: object
    later_device: object


def _account(clerk, reviewer, employer: Employer):
    created = portal.create_employer_account(clerk, employer, "hr", "人事专员", channel="counter")
    review(reviewer, created.txn, "approve", "ok")
    return portal.activate_with_code(employer_username(employer.uid, "hr"), created.code, password=PORTAL_PASSWORD,
                                     channel="web", key=KEY)


@pytest.fixture(scope="module")
def unit(django_db_setup, django_db_blocker) -> Unit:
    """Made once per test module, in an outer transaction: each test runs in a savepoint of it that is rolled back, so
    the reads, sessions and tokens of one test are never another's (tests/conftest.py outer_transaction)."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            staff = staff_factory()
            made = make_unit(make_two_employers(staff, post_entries), staff, post_entries)
        yield made


def make_unit(two_employers, staff, post_txn) -> Unit:  # noqa: F811 (a parameter, not the fixture)
    """The set-up of `unit` as a plain function of tests/queries' TwoEmployers, a staff maker and a posting function."""
    first, later = two_employers.first, two_employers.later
    current = post_txn("register_person", {"id_number": CURRENT_ID, "name": "王在职", "region": "440305"})[0].payload["person"]
    post_txn("start_employment", {"person": current, "employer": first.uid, "start": "2022-03-01"})
    rows = [(CURRENT_ID, FIRST_USCC, "2022-05", "pension", CURRENT_WAGE, "2022-05-15"),
            (CURRENT_ID, FIRST_USCC, "2022-06", "pension", CURRENT_WAGE, "")]
    clerk, review1, review2 = staff("e.clerk", "clerk"), staff("e.review1", "reviewer1"), staff("e.review2", "reviewer2")
    outcome = import_file(clerk, collection_csv(rows, REGION), reason="2022 征收数据（在职）", file_name="e.csv", region=REGION)
    assert outcome.ok, outcome.prepared.report_lines() or outcome.refused
    review_all(outcome.txn, review1, review2)
    return Unit(first, later, two_employers.person, Person.objects.get(uid=current), _account(clerk, review1, first),
                _account(clerk, review1, later))


def employer_client(device, uscc: str, *, language: str = "en") -> Client:
    """A browser signed in as the user "hr" of the unit with this USCC."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/employer/login/", {"uscc": uscc, "username": "hr", "password": PORTAL_PASSWORD,
                                                "code": totp(fresh(device))})
    assert response.status_code == 302, response.content
    return client


def employer_token(device, uscc: str) -> str:
    response = Client().post("/api/employer/session", {"uscc": uscc, "username": "hr", "password": PORTAL_PASSWORD,
                                                       "code": totp(fresh(device))}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


__all__ = ["FIRST_NAME", "FIRST_USCC", "LATER_NAME", "LATER_USCC", "LATER_WAGE", "Unit", "employer_client", "employer_token",
           "make_unit", "two_employers", "unit"]
