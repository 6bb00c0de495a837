"""A retiree's pension and individual account (第二条 (三), (四)) reach the person and no employer (第十五条)."""

from __future__ import annotations

import json

import pytest

from sirecords.benefits.models import Award
from sirecords.core.identifiers import make_uscc
from sirecords.core.money import fen_to_yuan
from sirecords.queries.export import view_csv
from sirecords.queries.scopes import Requester, employees, person_view
from sirecords.registry.models import Employer, Person

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401 (fixtures: the retiree and the parameter sets)

RETIRE = {"category": "male", "retirement_month": "2024-06", "flexible": False}


@pytest.fixture
def retiree(person_with_months, post_fresh):  # noqa: F811 (the fixture imported above)
    uid = person_with_months(200)
    employer = post_fresh("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5R0001"), "name": "退休前单位",
                                                "region": "440305"})[0].payload["employer"]
    job = post_fresh("start_employment", {"person": uid, "employer": employer, "start": "2010-01-01"})[0].payload["employment"]
    post_fresh("end_employment", {"employment": job, "end": "2015-12-31"})
    post_fresh("approve_retirement", {"person": uid, **RETIRE})
    return Person.objects.get(uid=uid), Employer.objects.get(uid=employer)


def markers(person: Person) -> list[str]:
    """Values only items (三) and (四) hold: the monthly pension and the account's closing balance."""
    award = Award.objects.get(person_id=person.uid)
    return [fen_to_yuan(award.total_fen), fen_to_yuan(12_000_000)]


def test_the_person_sees_the_pension_and_the_account(retiree):
    person, _employer = retiree
    text = json.dumps(person_view(person, Requester("self", person_uid=person.uid)), ensure_ascii=False)
    assert all(marker in text for marker in markers(person))


def test_no_employer_answer_holds_a_benefit_or_account_figure(retiree):
    person, employer = retiree
    view = person_view(person, Requester("employer", employer_uid=employer.uid))
    assert "pension" not in view and "account_years" not in view and "contribution_years" not in view
    texts = [json.dumps(view, ensure_ascii=False), json.dumps(employees(employer), ensure_ascii=False),
             view_csv(view).decode("utf-8-sig")]
    for text in texts:
        for marker in markers(person):
            assert marker not in text
        assert "eligibility.approved" not in text, "the retirement approval is item (三): not the employer's"


def test_a_delegate_for_contributions_sees_no_benefit(retiree):
    person, _employer = retiree
    view = person_view(person, Requester("delegate", delegate_index="d" * 64, items=frozenset({"contributions"})))
    text = json.dumps(view, ensure_ascii=False) + view_csv(view).decode("utf-8-sig")
    assert view["contributions"] and not any(marker in text for marker in markers(person))
