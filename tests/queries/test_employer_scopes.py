"""The employer's paged and per-year functions of queries/scopes.py: employee_uids / employees(offset, limit) /
employees_page, employee (OutOfScope for a person never employed), employer_years and the year filter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sirecords.contributions.models import Contribution
from sirecords.core.money import fen_to_yuan
from sirecords.queries import scopes
from sirecords.queries.scopes import OutOfScope
from sirecords.transactions.posting import InvalidTransaction

from .conftest import LATER_NAME, module_two_employers

pytestmark = pytest.mark.django_db
two_employers = module_two_employers()  # made once for the module; each test in a rolled-back savepoint


@pytest.fixture
def second(two_employers, post_txn):
    """A second employee of the first unit, from 2022-03 (after the first's 2022-01): the Person's uid."""
    from datetime import date

    from sirecords.core.identifiers import make_id_number

    uid = post_txn("register_person", {"id_number": make_id_number("440305", date(1990, 1, 1), 101), "name": "赵二",
                                       "region": "440305"})[0].payload["person"]
    post_txn("start_employment", {"person": uid, "employer": two_employers.first.uid, "start": "2022-03-01"})
    return uid


def test_employee_uids_in_the_order_of_the_first_employment(two_employers, second):
    assert scopes.employee_uids(two_employers.first) == [two_employers.person.uid, second]
    assert scopes.employee_uids(two_employers.later) == [two_employers.person.uid]


def test_employees_builds_only_the_slice_asked(two_employers, second, monkeypatch):
    built = []
    real = scopes.person_view
    monkeypatch.setattr(scopes, "person_view", lambda person, requester: built.append(person.uid) or real(person, requester))
    page = scopes.employees_page(two_employers.first, 2, 1)
    assert (page["total"], page["page"], page["per_page"], page["pages"]) == (2, 2, 1, 2)
    assert [e["uid"] for e in page["employees"]] == [second] and built == [second]
    assert scopes.employees_page(two_employers.first, 3, 1)["employees"] == []
    whole = scopes.employees(two_employers.first)
    assert [e["uid"] for e in whole] == [two_employers.person.uid, second]


def test_employee_is_the_listed_entry_or_out_of_scope(two_employers, second):
    entry = scopes.employee(two_employers.first, two_employers.person.uid)
    assert entry == scopes.employees(two_employers.first, limit=1)[0]
    assert LATER_NAME not in str(entry)
    for stranger in (second, "no-such-uid", ""):
        with pytest.raises(OutOfScope):
            scopes.employee(two_employers.later, stranger)


def test_employer_years_sum_the_units_own_rows(two_employers):
    years = scopes.employer_years(two_employers.first)
    rows = Contribution.objects.filter(employer_id=two_employers.first.uid)
    assert [(y["year"], y["insurance_type"], y["months"]) for y in years] == [("2022", "pension", 2)]
    assert Decimal(years[0]["base"]) == Decimal(fen_to_yuan(sum(r.base_fen for r in rows)))
    assert Decimal(years[0]["employer_amount"]) == Decimal(fen_to_yuan(sum(r.employer_fen for r in rows)))
    later = scopes.employer_years(two_employers.later)
    assert later[0]["base"] != years[0]["base"] and later[0]["months"] == 2


def test_the_year_filter(two_employers):
    assert [m["period"] for m in scopes.employer_contributions(two_employers.first, year="２０２２")["months"]] == [
        "2022-05", "2022-06"]
    assert scopes.employer_contributions(two_employers.first, year=2021)["months"] == []
    for bad in ("22", "2022-01", "٢٠٢٢", "0000", "year"):
        with pytest.raises(InvalidTransaction) as refused:
            scopes.employer_contributions(two_employers.first, year=bad)
        assert "year" in refused.value.errors


def test_a_list_without_records_builds_none(two_employers, second, monkeypatch):
    monkeypatch.setattr(scopes, "person_view", lambda *args: pytest.fail("no record is built for a list of names"))
    page = scopes.employees_page(two_employers.first, 1, 20, records=False)
    assert [set(e) for e in page["employees"]] == [{"uid", "id_number", "name", "periods"}] * 2
