"""The maintainers' pages (第十一条, 第十二条): a correction made through the pages, approved through the
review chain, changes the record and shows in the supervisors' maintenance log and its CSV export."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sirecords.ledger.models import Entry
from sirecords.records.models import AccessEvent
from sirecords.registry.maintenance_log import CSV_HEADER
from sirecords.registry.models import Employer, Employment, Person
from sirecords.users.access import permits
from sirecords.web.rules import RULES
from sirecords.web.views.admin_common import TRANSACTION_PAGES
from sirecords.workflow.models import BusinessTransaction, State

from .test_admin_helpers import (
    ID,
    OTHER_ID,
    USCC,
    approve_all,
    evidence,
    field_error,
    login_as,
    register_employer,
    register_person,
    start_employment,
)

pytestmark = pytest.mark.django_db


def maintenance():
    return BusinessTransaction.objects.filter(type__in=("correction", "supplement"))


def correction(**changes):
    data = {"kind": "correction", "field": "name", "new_value": "张玮", "reason": "本人申请更正姓名（2026-03-02 申请表）",
            "method": "核对户口簿原件", "evidence": evidence("hukou.pdf"), "region": "440300"}
    data.update(changes)
    return data


def test_find_a_person_by_id_number_records_the_read(signed_in, post_txn):
    uid = register_person(post_txn)
    client = signed_in("maint.a", "maintainer")
    home = client.get("/maintenance/")
    assert home.status_code == 200 and 'autofocus' in home.content.decode()
    found = client.post("/maintenance/", {"kind": "person", "identifier": ID.lower()})
    assert found.status_code == 302 and found["Location"] == f"/maintenance/person/{uid}/"
    page = client.get(found["Location"]).content.decode()
    assert "张伟" in page and "13812345678" in page
    assert ID not in page and ID[:6] + "************" in page  # the ID number is masked on screen
    event = AccessEvent.objects.get(actor="maint.a", subject=f"person:{uid}")
    assert (event.what, event.channel, event.purpose) == ("person.detail", "web", "maintenance")


def test_find_explains_what_is_wrong_next_to_the_field(signed_in, post_txn):
    register_employer(post_txn)
    client = signed_in("maint.a", "maintainer")
    bad = client.post("/maintenance/", {"kind": "person", "identifier": ID[:-1] + ("0" if ID[-1] != "0" else "1")})
    assert bad.status_code == 400 and "check" in field_error(bad, "identifier").lower()
    missing = client.post("/maintenance/", {"kind": "person", "identifier": OTHER_ID})
    assert "No insured person" in field_error(missing, "identifier")
    employer = client.post("/maintenance/", {"kind": "employer", "identifier": USCC.lower()})
    assert employer.status_code == 302 and employer["Location"] == f"/maintenance/employer/{Employer.objects.get().uid}/"
    assert client.get(employer["Location"]).status_code == 200
    assert AccessEvent.objects.count() == 0  # an employer's record is not personal data


def test_correction_through_the_pages_reaches_the_record_and_the_maintenance_log(signed_in, make_staff, post_txn):
    uid = register_person(post_txn)
    other = register_person(post_txn, id_number=OTHER_ID, name="李娜")
    client = signed_in("maint.a", "maintainer")
    response = client.post(f"/maintenance/person/{uid}/", correction())
    assert response.status_code == 302 and response["Location"] == "/maintenance/"
    txn = BusinessTransaction.objects.get(created_by="maint.a")
    assert (txn.type, txn.state, txn.region) == ("correction", State.SUBMITTED, "440300")
    assert txn.attachments.get().kind == "evidence"
    listing = client.get("/maintenance/").content.decode()
    assert txn.uid in listing and "审核中" in listing and "姓名/名称" in listing  # own list: record, field and state
    assert Person.objects.get(pk=uid).name == "张伟"  # nothing changes before the review chain approves

    approve_all(make_staff, txn)
    assert txn.state == State.POSTED
    assert Person.objects.get(pk=uid).name == "张玮"
    assert client.get("/maintenance/").content.decode().count("已生效") == 1

    # A second maintainer corrects the other person: the filters below must tell them apart.
    login_as(client, "maint.a")
    client.post(f"/maintenance/person/{other}/", correction(field="phone", new_value="13900000000", evidence=evidence(text="2")))
    approve_all(make_staff, BusinessTransaction.objects.get(created_by="maint.a", state=State.SUBMITTED))

    signed_in("super.a", "supervisor")
    search = client.post("/supervision/maintenance-log/", {"id_number": ID, "actor": "", "since": "", "until": ""})
    assert search.status_code == 302 and f"subject=person%3A{uid}" in search["Location"] and ID not in search["Location"]
    page = client.get(search["Location"]).content.decode()
    for shown in ("修正", "张伟", "张玮", "本人申请更正姓名（2026-03-02 申请表）", "核对户口簿原件", "maint.a", "初审 rev.review1",
                  "审批 rev.approval", txn.uid):
        assert shown in page, shown
    assert "13900000000" not in page  # the other person's correction is filtered out
    assert list(AccessEvent.objects.filter(actor="super.a").values_list("subject", "what", "purpose")) == [
        (f"person:{uid}", "maintenance_log", "supervision [maintenance-log]: review of the maintenance log (第十二条)")]

    everything = client.get("/supervision/maintenance-log/").content.decode()
    assert "13900000000" in everything and "张玮" in everything
    assert AccessEvent.objects.filter(actor="super.a", subject=f"person:{other}").count() == 1

    export = client.get("/supervision/maintenance-log.csv", {"subject": f"person:{uid}"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "attachment" in export["Content-Disposition"]
    assert export.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER and len(rows) == 2
    row = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert row["类型 kind"] == "修正" and row["字段 field"] == "姓名/名称"
    assert (row["原值 before"], row["新值 after"]) == ("张伟", "张玮")
    assert row["维护原因 reason"] == "本人申请更正姓名（2026-03-02 申请表）" and row["处理方法 method"] == "核对户口簿原件"
    assert row["责任人 responsible"] == "maint.a" and "复核 rev.review3" in row["审核 reviewers"]
    assert row["业务流水 transaction"] == txn.uid
    assert AccessEvent.objects.filter(actor="super.a", what="maintenance_log.csv", subject=f"person:{uid}").count() == 1

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = client.get("/supervision/maintenance-log.csv", {"since": tomorrow})
    assert list(csv.reader(io.StringIO(later.content.decode("utf-8-sig")))) == [CSV_HEADER]
    by_actor = client.get("/supervision/maintenance-log.csv", {"actor": "nobody.else"})
    assert len(by_actor.content.decode("utf-8-sig").splitlines()) == 1


def test_the_id_number_correction_is_masked_in_the_log(signed_in, make_staff, post_txn):
    uid = register_person(post_txn)
    client = signed_in("maint.a", "maintainer")
    client.post(f"/maintenance/person/{uid}/", correction(field="id_number", new_value=OTHER_ID))
    approve_all(make_staff, BusinessTransaction.objects.get(created_by="maint.a"))
    assert Person.objects.get(pk=uid).id_number == OTHER_ID
    signed_in("super.a", "supervisor")
    page = client.get("/supervision/maintenance-log/").content.decode()
    export = client.get("/supervision/maintenance-log.csv").content.decode("utf-8-sig")
    for text in (page, export):
        assert ID not in text and OTHER_ID not in text
        assert OTHER_ID[:6] + "************" in text


def test_errors_are_shown_next_to_the_field_and_nothing_is_kept(signed_in, post_txn):
    uid = register_person(post_txn, phone=None)
    client = signed_in("maint.a", "maintainer")
    bad_id = client.post(f"/maintenance/person/{uid}/", correction(field="id_number", new_value="110105194912310021"))
    assert bad_id.status_code == 400 and "check" in field_error(bad_id, "new_value").lower()
    assert "choose the file again" in field_error(bad_id, "evidence")
    same = client.post(f"/maintenance/person/{uid}/", correction(new_value="张伟"))
    assert "already this value" in field_error(same, "new_value")
    no_file = correction()
    del no_file["evidence"]
    missing = client.post(f"/maintenance/person/{uid}/", no_file)
    assert missing.status_code == 400 and field_error(missing, "evidence")
    no_reason = client.post(f"/maintenance/person/{uid}/", correction(reason="", method=""))
    assert field_error(no_reason, "reason") and field_error(no_reason, "method")
    assert 'aria-invalid="true"' in no_reason.content.decode()
    filled = client.post(f"/maintenance/person/{uid}/", correction(kind="supplement", field="address", new_value="新地址"))
    assert "already has a value" in field_error(filled, "new_value")
    wrong_kind = client.post(f"/maintenance/person/{uid}/", correction(kind="supplement", field="name"))
    assert "only fills an empty field" in field_error(wrong_kind, "field")
    disguised = client.post(f"/maintenance/person/{uid}/", correction(
        evidence=SimpleUploadedFile("scan.pdf", b"just text, not a scan", content_type="application/pdf")))
    assert "only PDF, JPEG or PNG" in field_error(disguised, "evidence")
    assert not maintenance().exists()  # every refusal rolled the draft back

    supplement = client.post(f"/maintenance/person/{uid}/", correction(kind="supplement", field="phone", new_value="13700000000"))
    assert supplement.status_code == 302
    assert maintenance().get().type == "supplement"


def test_employer_correction_and_employment_periods(signed_in, make_staff, post_txn):
    person = register_person(post_txn)
    employer = register_employer(post_txn)
    period = start_employment(post_txn, person, employer)
    client = signed_in("maint.a", "maintainer")
    status = client.post(f"/maintenance/employer/{employer}/", correction(field="status", new_value="bogus"))
    assert "must be one of" in field_error(status, "new_value")
    assert client.post(f"/maintenance/employer/{employer}/", correction(field="name", new_value="某某科技股份有限公司")).status_code == 302

    page = client.get(f"/maintenance/employment/{period}/")
    assert page.status_code == 200 and "某某科技有限公司" in page.content.decode()
    early = client.post(f"/maintenance/employment/{period}/", correction(field="start", new_value="2009-09-01",
                                                                         evidence=evidence(text="contract")))
    assert early.status_code == 302

    overlap = client.post(f"/maintenance/person/{person}/add-employment/", {
        "employer_uscc": USCC, "start": "2010-05-01", "end": "2011-01-01", "reason": "档案补录", "method": "单位工资档案",
        "evidence": evidence(text="payroll"), "region": "440300"})
    assert "overlaps" in field_error(overlap, "start")
    backwards = client.post(f"/maintenance/person/{person}/add-employment/", {
        "employer_uscc": USCC, "start": "2008-05-01", "end": "2007-01-01", "reason": "档案补录", "method": "单位工资档案",
        "evidence": evidence(text="payroll"), "region": "440300"})
    assert "before the start" in field_error(backwards, "end")
    added = client.post(f"/maintenance/person/{person}/add-employment/", {
        "employer_uscc": USCC, "start": "2005-05-01", "end": "2007-01-31", "reason": "档案补录", "method": "单位工资档案",
        "evidence": evidence(text="payroll"), "region": "440300"})
    assert added.status_code == 302
    for txn in maintenance().order_by("created_at"):
        approve_all(make_staff, txn)
        assert txn.state == State.POSTED
    assert Employer.objects.get().name == "某某科技股份有限公司"
    assert str(Employment.objects.get(pk=period).start) == "2009-09-01"
    assert Employment.objects.filter(person_id=person).count() == 2
    assert Entry.objects.filter(kind="supplement.applied").count() == 1


def test_external_maintainer_acts_only_under_a_recorded_agreement(signed_in, post_txn):
    uid = register_person(post_txn)
    client = signed_in("ext.a", "maintainer", organisation="深圳某某外包有限公司")
    refused = client.get("/maintenance/")
    assert refused.status_code == 403 and "confidentiality agreement" in refused.content.decode()
    assert client.post(f"/maintenance/person/{uid}/", correction()).status_code == 403
    assert not maintenance().exists() and AccessEvent.objects.count() == 0

    signed_in("admin.a", "sysadmin")
    today = date.today()
    recorded = client.post("/sysadmin/accounts/ext.a/agreement/", {
        "organisation": "深圳某某外包有限公司", "signed_on": today.isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat(), "reason": "外协维护保密协议已签订"})
    assert recorded.status_code == 302

    login_as(client, "ext.a")
    assert client.get("/maintenance/").status_code == 200
    assert client.post(f"/maintenance/person/{uid}/", correction()).status_code == 302
    assert maintenance().get().created_by == "ext.a"


def test_a_maintainer_sees_only_their_own_transactions(signed_in, post_txn):
    uid = register_person(post_txn)
    client = signed_in("maint.a", "maintainer")
    done = client.post(f"/maintenance/person/{uid}/", correction(), follow=True)
    mine = maintenance().get().uid
    assert f"transaction {mine}" in done.content.decode()  # the confirmation names the transaction
    signed_in("maint.b", "maintainer")
    page = client.get("/maintenance/").content.decode()
    assert mine not in page and "no correction or supplement yet" in page


def test_transactions_link_to_the_desk_page_only_for_those_it_admits(signed_in, post_txn):
    uid = register_person(post_txn)
    client = signed_in("maint.a", "maintainer")
    client.post(f"/maintenance/person/{uid}/", correction(), follow=True)
    txn = maintenance().get().uid
    page = client.get("/maintenance/").content.decode()
    name = next((n for n in TRANSACTION_PAGES if n in RULES), None)
    if name is None:
        assert f"<code>{txn}</code>" in page  # no desk page yet: the uid alone
    else:
        link = f'href="{reverse(name, kwargs={"uid": txn})}"'
        assert (link in page) == permits(RULES[name], {"maintainer"})
