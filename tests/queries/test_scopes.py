"""Scopes as data (queries/scopes.toml) and the one function that decides (queries/scopes.py, 第十四条–第十五条)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sirecords.queries import scopes
from sirecords.queries.scopes import OutOfScope, Requester, employees, employer_contributions, person_view, scope_of
from sirecords.records.personal import full_record
from sirecords.transactions.posting import InvalidTransaction

from .conftest import FIRST_NAME, LATER_NAME, LATER_WAGE, module_two_employers

pytestmark = pytest.mark.django_db
two_employers = module_two_employers()  # made once for the module; each test in a rolled-back savepoint
ALL = set(scopes.ITEMS)


def dumped(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def test_scopes_file_names_every_kind_and_item_of_article_2():
    data = scopes.load_scopes()
    assert tuple(data["items"]) == scopes.ITEMS
    assert set(data["kinds"]["self"]["items"]) == ALL and data["kinds"]["self"]["window"] == "all"
    assert set(data["kinds"]["employer"]["items"]) == {"registration", "contributions"}
    assert data["kinds"]["employer"]["window"] == "employment"
    assert data["kinds"]["delegate"]["window"] == "authorised"
    assert data["kinds"]["counter"]["window"] == "served"


def test_self_sees_everything_of_all_time(two_employers):
    scope = scope_of(Requester("self", person_uid=two_employers.person.uid), two_employers.person)
    assert scope.items == ALL and scope.all_time
    view = person_view(two_employers.person, Requester("self", person_uid=two_employers.person.uid))
    assert {c["employer"] for c in view["contributions"]} == {FIRST_NAME, LATER_NAME}
    assert "contribution_years" in view and "pension" in view and "birth_date" in view["person"]


def test_a_person_may_not_query_another_persons_record(two_employers):
    with pytest.raises(OutOfScope):
        scope_of(Requester("self", person_uid="someone-else"), two_employers.person)


def test_employer_sees_registration_and_contributions_of_its_employment_period_only(two_employers):
    scope = scope_of(Requester("employer", employer_uid=two_employers.first.uid), two_employers.person)
    assert scope.items == {"registration", "contributions"}
    assert scope.windows == (("2022-01", "2022-06"),)
    view = person_view(two_employers.person, Requester("employer", employer_uid=two_employers.first.uid))
    assert [c["period"] for c in view["contributions"]] == ["2022-05", "2022-06"]
    for absent in ("account_years", "contribution_years", "pension", "deemed_service", "account_closure"):
        assert absent not in view, f"{absent} is out of an employer's scope and must be absent, not blank"
    text = dumped(view)
    assert LATER_NAME not in text, "a former employee's later employer never appears"
    # The later wage as the view would write it (yuan with its fen): not the bare digits, which a timestamp's
    # microseconds or a uid may hold by chance.
    assert f"{LATER_WAGE // 100}.{LATER_WAGE % 100:02d}" not in text.replace(",", "")


def test_an_open_employment_ends_at_the_current_month(two_employers):
    scope = scope_of(Requester("employer", employer_uid=two_employers.later.uid), two_employers.person, today=date(2023, 3, 9))
    assert scope.windows == (("2022-07", "2023-03"),)
    assert scope_of(Requester("employer", employer_uid=two_employers.later.uid), two_employers.person).windows[0][1] \
        == scopes.current_month()


def test_an_employer_that_never_employed_the_person_sees_nothing(two_employers, post_txn):
    from sirecords.core.identifiers import make_uscc
    from sirecords.registry.models import Employer

    uid = post_txn("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5Q0009"), "name": "丙无关公司",
                                         "region": "440305"})[0].payload["employer"]
    with pytest.raises(OutOfScope):
        scope_of(Requester("employer", employer_uid=Employer.objects.get(uid=uid).uid), two_employers.person)


def test_delegate_sees_only_the_authorised_items_and_months(two_employers):
    requester = Requester("delegate", delegate_index="x" * 64, items=frozenset({"contributions"}), months=("2022-06", "2022-07"))
    view = person_view(two_employers.person, requester)
    assert [c["period"] for c in view["contributions"]] == ["2022-06", "2022-07"]
    assert set(view["person"]) == set(scopes.IDENTIFYING), "registration not authorised: the header only names the person"
    assert view["timeline"] == [], "registration events are not authorised"
    for absent in ("account_years", "contribution_years", "pension"):
        assert absent not in view
    assert view["scope"]["windows"] == [{"start": "2022-06", "end": "2022-07"}]
    assert [item["code"] for item in view["scope"]["items"]] == ["contributions"]


def test_delegate_without_identity_or_with_bad_months_is_refused(two_employers):
    with pytest.raises(OutOfScope):
        scope_of(Requester("delegate"), two_employers.person)
    with pytest.raises(InvalidTransaction) as bad:
        scope_of(Requester("delegate", delegate_index="x" * 64, months=("2022-08", "2022-01")), two_employers.person)
    assert "months" in bad.value.errors
    with pytest.raises(InvalidTransaction) as unknown:
        scope_of(Requester("delegate", delegate_index="x" * 64, items=frozenset({"salary"})), two_employers.person)
    assert "items" in unknown.value.errors


def test_counter_serves_the_scope_of_the_requester_served(two_employers):
    person = two_employers.person
    counter = scope_of(Requester("counter", person_uid=person.uid, employer_uid=two_employers.first.uid), person)
    direct = scope_of(Requester("employer", employer_uid=two_employers.first.uid), person)
    assert (counter.items, counter.windows, counter.served, counter.kind) == (direct.items, direct.windows, "employer", "counter")
    assert scope_of(Requester("counter", person_uid=person.uid), person).served == "self"


def test_apply_drops_rows_and_items_out_of_scope():
    record = {"person": {"uid": "u", "id_number": "4403**********1234", "name": "某", "birth_date": "1988-08-08"},
              "timeline": [{"kind": "employment.started", "date": "2021-12-01", "detail": "A", "reason": "r", "txn": "t",
                            "employer_uid": "a-uid"},
                           {"kind": "employment.started", "date": "2022-02-01", "detail": "A", "reason": "r", "txn": "t",
                            "employer_uid": "a-uid"},
                           {"kind": "employment.started", "date": "2022-03-01", "detail": "A", "reason": "r", "txn": "t",
                            "employer_uid": "b-uid"},
                           {"kind": "eligibility.approved", "date": "2022-02-01", "detail": "e", "reason": "", "txn": "t"}],
              "contributions": [{"period": "2021-12", "employer": "A", "employer_uid": "a-uid"},
                                {"period": "2022-02", "employer": "A", "employer_uid": "a-uid"},
                                {"period": "2022-02", "employer": "A", "employer_uid": "b-uid"},
                                {"period": "2022-03", "employer": "A", "employer_uid": ""}],
              "subsidies": [{"period": "2022-02"}, {"period": "2023-01"}],
              "account_years": [{"year": 2022}], "contribution_years": {"total_months": 3}, "deemed_service": [],
              "pension": {"start_month": "2022-01"}, "account_closure": None}
    scope = scopes.Scope("employer", "employer", frozenset({"registration", "contributions"}), (("2022-01", "2022-06"),),
                         employer_uid="a-uid", employer_name="A")
    out = scope.apply(record)
    assert [c["period"] + c["employer_uid"] for c in out["contributions"]] == ["2022-02a-uid"], \
        "by month and by the employer's uid: another unit of the same name, or a row naming no unit, is not its own"
    assert [e["date"] for e in out["timeline"]] == ["2022-02-01"] and "reason" not in out["timeline"][0]
    assert [s["period"] for s in out["subsidies"]] == ["2022-02"]
    assert set(out) == {"person", "timeline", "contributions", "subsidies"}
    assert len(record["contributions"]) == 4, "apply copies; the record is left as it was"


def test_employer_contributions_are_its_own_rows_per_month_and_type(two_employers):
    answer = employer_contributions(two_employers.first, None)
    assert [(m["period"], m["insurance_type"], m["persons"]) for m in answer["months"]] == [
        ("2022-05", "pension", 1), ("2022-06", "pension", 1)]
    assert LATER_NAME not in dumped(answer)
    assert all(isinstance(m["base"], str) and "." in m["base"] for m in answer["months"])
    assert [m["period"] for m in employer_contributions(two_employers.first, "２０２２－０６")["months"]] == ["2022-06"]
    assert employer_contributions(two_employers.first, "2022-07")["months"] == []


@pytest.mark.parametrize("month", ["2022-13", "22-06", "2022/06", "٢٠٢٢-٠٦", "2022-6"])
def test_employer_contributions_month_is_checked(two_employers, month):
    with pytest.raises(InvalidTransaction) as bad:
        employer_contributions(two_employers.first, month)
    assert "month" in bad.value.errors


def test_employees_never_show_a_former_employees_later_periods(two_employers):
    listed = employees(two_employers.first)
    assert len(listed) == 1
    entry = listed[0]
    assert entry["periods"] == [{"start": "2022-01-01", "end": "2022-06-30"}]
    assert "*" in entry["id_number"] and entry["name"] == "李查询"
    assert [c["period"] for c in entry["record"]["contributions"]] == ["2022-05", "2022-06"]
    text = dumped(listed)
    assert LATER_NAME not in text and two_employers.later.uid not in text and two_employers.later.uscc not in text
    assert [e["period"] for e in employees(two_employers.later)[0]["record"]["contributions"]] == ["2022-07", "2022-08"]


def test_full_record_holds_the_markers_the_scopes_must_drop(two_employers):
    """The markers are real: the unfiltered record holds them, so their absence above is the scope's doing."""
    text = dumped(full_record(two_employers.person))
    assert LATER_NAME in text and FIRST_NAME in text


def test_the_counter_querys_purpose_must_stay_configured(settings):
    from sirecords.queries.apps import check_query_purpose

    assert check_query_purpose(None) == []
    settings.SIRECORDS_READ_PURPOSES = {k: v for k, v in settings.SIRECORDS_READ_PURPOSES.items() if k != "counter_query"}
    assert [error.id for error in check_query_purpose(None)] == ["sirecords.E111"]
