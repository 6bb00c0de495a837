"""The employer portal's record pages (web/views/portal_employer.py; 第十四条, 第十五条第三款): the unit's contributions,
their CSV, its employees and one employee's page — its own rows only, each employee within the time with the unit,
every employee shown access-logged under the employer actor, and a former employee's later employer never shown."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from django.test import Client

from sirecords.contributions.models import Contribution
from sirecords.core.money import fen_to_yuan
from sirecords.records.models import AccessEvent

from .conftest import FIRST_NAME, FIRST_USCC, LATER_NAME, LATER_USCC, employer_client

pytestmark = pytest.mark.django_db


def later_markers(unit) -> set[str]:
    """What only the later employer's rows hold: its name, USCC, months and amounts."""
    markers = {LATER_NAME, LATER_USCC, unit.later.uid, "2022-07", "2022-08"}
    for row in Contribution.objects.filter(employer_id=unit.later.uid):
        markers |= {fen_to_yuan(row.base_fen), fen_to_yuan(row.employer_fen), fen_to_yuan(row.individual_fen)}
    return markers


def assert_nothing_later(unit, text: str) -> None:
    leaked = sorted(marker for marker in later_markers(unit) if marker in text)
    assert leaked == [], f"the later employer's data leaked: {leaked}"


def reads_of(person) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(subject=f"person:{person.uid}").order_by("seq"))


def test_the_home_page_links_to_the_records(unit):
    html = employer_client(unit.first_device, FIRST_USCC).get("/employer/").content.decode()
    assert 'href="/employer/contributions/"' in html and 'href="/employer/employees/"' in html


def test_contributions_per_month_type_and_year_with_arrears(unit):
    client = employer_client(unit.first_device, FIRST_USCC)
    response = client.get("/employer/contributions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert FIRST_NAME in html and "2022-05" in html and "2022-06" in html and "Pension insurance" in html
    arrears = Contribution.objects.get(person_id=unit.current.uid, period="2022-06").arrears_fen
    assert arrears > 0 and fen_to_yuan(arrears) in html
    assert 'href="?year=2022"' in html  # the per-year overview
    assert_nothing_later(unit, html)
    assert "<script" not in html and "style=" not in html and 'name="viewport"' in html


def test_the_month_filter_is_canonicalised_and_a_bad_month_is_named(unit):
    client = employer_client(unit.first_device, FIRST_USCC)
    html = client.get("/employer/contributions/", {"month": "２０２２-０６"}).content.decode()  # full-width digits
    assert "Month 2022-06" in html and "<th scope=\"row\">2022-05</th>" not in html
    bad = client.get("/employer/contributions/", {"month": "2022-13"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert 'id="id_month_error"' in html and "must be a month written YYYY-MM" in html
    assert "Per month and insurance type" in html and "<tfoot>" not in html  # no rows answered for a bad filter


@pytest.mark.parametrize("query", [{"month": "2022-07"}, {"month": "2022-08"}, {"year": "2022"}, {"year": "2023"},
                                   {"employer": "LATER"}, {"uscc": LATER_USCC}])
def test_no_parameter_shows_the_later_employer(unit, query):
    client = employer_client(unit.first_device, FIRST_USCC)
    query = {key: (unit.later.uid if value == "LATER" else value) for key, value in query.items()}
    for path in ("/employer/contributions/", "/employer/contributions.csv", "/employer/employees/",
                 f"/employer/employees/{unit.former.uid}/"):
        response = client.get(path, query)
        assert response.status_code == 200, (path, query)
        text = response.content.decode("utf-8-sig")
        for value in query.values():  # the filter echoed back (its field, "Month 2022-07", the file name) is no data
            text = text.replace(value, "")
        assert_nothing_later(unit, text)


def test_the_csv_holds_the_same_rows_formula_safe(unit):
    client = employer_client(unit.first_device, FIRST_USCC)
    response = client.get("/employer/contributions.csv", {"month": "2022-06"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="contributions-2022-06.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["employer", FIRST_NAME, FIRST_USCC]
    body = [row for row in rows[2:] if row[0] != "total"]
    assert [row[0] for row in body] == ["2022-06"] and body[0][3] == "2"  # the former and the current employee
    assert client.get("/employer/contributions.csv", {"month": "nope"}).status_code == 400
    assert_nothing_later(unit, response.content.decode("utf-8-sig"))


def test_the_employees_list_shows_masked_numbers_and_logs_each_person(unit):
    client = employer_client(unit.first_device, FIRST_USCC)
    before = {p.uid: len(reads_of(p)) for p in (unit.former, unit.current)}
    html = client.get("/employer/employees/").content.decode()
    for person in (unit.former, unit.current):
        assert person.masked_id_number in html and person.name in html and person.id_number not in html
        events = reads_of(person)[before[person.uid]:]
        assert [(e.actor, e.channel, e.what) for e in events] == [
            (f"employer:{unit.first.uid}:hr", "portal", "employer.employees")]
    assert "2022-01-01 – 2022-06-30" in html and "2022-03-01 – now" in html
    assert_nothing_later(unit, html)


def test_the_employees_list_is_paged_before_records_are_built(unit, monkeypatch):
    from sirecords.portal import employer_reads

    monkeypatch.setattr(employer_reads, "PER_PAGE", 1)
    client = employer_client(unit.first_device, FIRST_USCC)
    first = client.get("/employer/employees/").content.decode()
    second = client.get("/employer/employees/", {"page": "2"}).content.decode()
    assert unit.former.name in first and unit.current.name not in first and 'rel="next"' in first
    assert unit.current.name in second and unit.former.name not in second and 'rel="prev"' in second
    assert len(reads_of(unit.current)) == 1  # only the page that showed the person logged a read of them


def test_a_former_employees_page_holds_their_time_with_the_unit_only(unit):
    client = employer_client(unit.first_device, FIRST_USCC)
    response = client.get(f"/employer/employees/{unit.former.uid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert unit.former.masked_id_number in html and "2022-05" in html and "2022-06" in html
    assert "2022-01 – 2022-06" in html
    assert_nothing_later(unit, html)
    assert [(e.actor, e.what) for e in reads_of(unit.former)] == [(f"employer:{unit.first.uid}:hr", "employer.employee")]


def test_a_person_never_employed_is_a_404_like_an_unknown_uid_and_is_logged(unit, caplog):
    client = employer_client(unit.later_device, LATER_USCC)
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        never = client.get(f"/employer/employees/{unit.current.uid}/")
        unknown = client.get("/employer/employees/no-such-person-uid/")
    assert never.status_code == unknown.status_code == 404
    assert never.content == unknown.content.replace(b"no-such-person-uid", unit.current.uid.encode())
    assert unit.current.name.encode() not in never.content
    refusals = [r for r in caplog.records if "never employed" in r.getMessage()]
    assert len(refusals) == 2 and unit.current.uid in refusals[0].getMessage()
    assert reads_of(unit.current) == []


def test_the_later_employer_sees_its_own_months_of_the_former_employee_only(unit):
    html = employer_client(unit.later_device, LATER_USCC).get(f"/employer/employees/{unit.former.uid}/").content.decode()
    assert "2022-07" in html and LATER_NAME not in html.replace(f"<p>{LATER_NAME}</p>", "")
    assert FIRST_NAME not in html and FIRST_USCC not in html and "2022-05" not in html


def test_the_pages_are_chinese_first(unit):
    client = employer_client(unit.first_device, FIRST_USCC, language="zh-CN")
    html = client.get("/employer/contributions/").content.decode()
    assert 'lang="zh-Hans"' in html and "按年" in html and "欠费" in html
    html = client.get("/employer/employees/").content.decode()
    assert "职工" in html


def test_the_pages_need_an_employer_session(unit, person, person_device):
    from ..test_pages import person_login

    for path in ("/employer/contributions/", "/employer/contributions.csv", "/employer/employees/",
                 f"/employer/employees/{unit.former.uid}/"):
        assert Client().get(path).status_code == 302
        client = Client()
        person_login(client, person_device)
        assert client.get(path).status_code == 302, path
    assert reads_of(unit.former) == []


def test_the_signed_in_pages_are_not_kept(unit):
    from ...permissions import kept_by_no_cache

    client = employer_client(unit.first_device, FIRST_USCC)
    for path in ("/employer/contributions/", "/employer/contributions.csv", "/employer/employees/",
                 f"/employer/employees/{unit.former.uid}/"):
        assert kept_by_no_cache(client.get(path)), path


def test_no_url_names_another_unit(unit):
    """The unit comes only from the session: a URL that puts another unit's uid or USCC in the path finds no page, and
    the employee page of the former employee stays the first unit's whatever the path or parameters add."""
    client = employer_client(unit.first_device, FIRST_USCC)
    for crafted in (f"/employer/{unit.later.uid}/contributions/", f"/employer/{LATER_USCC}/employees/",
                    f"/employer/employees/{unit.former.uid}/{unit.later.uid}/",
                    f"/employer/employees/{unit.later.uid}/"):
        response = client.get(crafted)
        assert response.status_code == 404, crafted
        assert_nothing_later(unit, response.content.decode())
    response = client.get(f"/employer/employees/{unit.former.uid}/", {"employer": unit.later.uid, "month": "2022-08",
                                                                      "year": "2022", "uid": unit.later.uid})
    assert response.status_code == 200
    # The language switch's form echoes the page's own URL (its parameters): that is not data of the later unit.
    text = response.content.decode().replace(unit.later.uid, "").replace("2022-08", "")
    assert_nothing_later(unit, text)
