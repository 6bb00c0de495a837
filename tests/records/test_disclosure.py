"""Who read my record (records/disclosure.py): others' reads with organisation and role (never the staff member's
name), the person's own and refused reads left out, and reads a 第十八条 order withholds shown only from its date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from sirecords.records import disclosure, reads
from sirecords.records.purposes import implied
from sirecords.records.reads import ReadRefused
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users import services
from sirecords.users.actors import actor_for

from ..api.conftest import person_payload
from .conftest import OTHER_REGION


@pytest.fixture
def person(db, post_txn):
    uid = post_txn("register_person", person_payload())[0].payload["person"]
    return Person.objects.get(uid=uid)


def _read(actor, person, purpose, what="person.record", channel="web"):
    reads.read(reads.Reader(actor, channel), f"person:{person.uid}", what, purpose)


def test_reads_by_others_name_organisation_and_role_never_the_staff_member(person, staff):
    officer = staff("query.wang", "query_officer")
    _read(officer, person, implied("counter", "counter query by the insured person"), channel="counter")
    disclosure.record_own_read(person, "record", "portal")
    disclosure.record_employer_read("emp1", "hr.li", person.uid, "employee.contributions", "portal")
    with translation.override("zh-hans"):
        shown = disclosure.reads_of(person)
    assert [row["channel"] for row in shown] == ["网上服务", "服务窗口"]  # the person's own read is not listed back
    employer_read, counter_read = shown
    assert counter_read["role"] == "查询员"
    assert counter_read["organisation"] == f"社会保险经办机构（统筹区 {person.pooling_region}）"
    assert "窗口查询" in counter_read["purpose"]
    assert employer_read["role"] and "第十四条" in employer_read["purpose"]
    assert all("query.wang" not in str(value) for row in shown for value in row.values())


def test_refused_reads_and_probes_are_not_reads(person, staff):
    elsewhere = staff("clerk.far", "clerk", region=OTHER_REGION)
    with pytest.raises(ReadRefused):
        _read(elsewhere, person, implied("counter", "counter query by the insured person"))
    assert disclosure.reads_of(person) == []


def test_an_external_maintainers_organisation_is_shown(person, staff):
    staff("maint.ext", "maintainer", organisation="某某信息技术有限公司")
    services.execute(staff.admin, "record_agreement", {"username": "maint.ext", "organisation": "某某信息技术有限公司",
                                                       "signed_on": "2026-01-01", "expires_on": "2099-12-31"},
                     region="440300", reason="保密协议", channel="web")
    outsider = actor_for("maint.ext")
    _read(outsider, person, implied("supervision", "data maintenance check", "M-2026-1"))
    [row] = disclosure.reads_of(person)
    assert row["organisation"] == "某某信息技术有限公司"
    assert "M-2026-1" not in row["purpose"]  # the internal reference is not shown, the stated detail is


def _order(post_txn, person, reference="(2026)粤0304刑初123号", days=30):
    return post_txn("withhold_read_disclosure", {"person": person.uid, "reference": reference, "authority": "深圳市福田区人民法院",
                                                 "disclose_on": (date.today() + timedelta(days=days)).isoformat()})


def test_a_bodys_reads_under_an_order_appear_only_from_its_disclosure_date(person, staff, post_txn):
    clerk = staff("clerk.zhao", "clerk")
    reference = "(2026)粤0304刑初123号"
    _read(clerk, person, implied("case", "court enquiry into assets", reference))
    _read(clerk, person, implied("case", "another body's enquiry", "GA-2026-77"))
    _order(post_txn, person, reference)
    _read(clerk, person, implied("case", "court enquiry, second look", reference))  # after the order: kept back too
    today = [row["purpose"] for row in disclosure.reads_of(person)]
    assert len(today) == 1 and "another body" in today[0]
    later = disclosure.reads_of(person, today=date.today() + timedelta(days=30))
    assert len(later) == 3


def test_an_order_is_checked_field_by_field(person, post_txn):
    with pytest.raises(InvalidTransaction) as refused:
        post_txn("withhold_read_disclosure", {"person": person.uid, "reference": "x", "authority": " ",
                                              "disclose_on": date.today().isoformat()})
    assert {"reference", "authority", "disclose_on"} <= set(refused.value.errors)
    with pytest.raises(InvalidTransaction) as refused:
        _order(post_txn, person, days=6 * 366)
    assert "disclose_on" in refused.value.errors
