"""The dispute pages (第十六条, web/views/portal_disputes.py and desk_disputes.py): each renders for who may see it and
is refused to the others (the portal's sign-in redirect, the desk's 403, another person's case a 404 that is
security-logged); a person files about a month with a scan, a fake PNG is refused with the reason shown; whoever
posted the disputed month is refused the re-examination on the page, naming the entry; an examiner refuses (the
person sees the reasons and the right to review) or corrects (the correction in review); an employer files within its
employee's period only; the counter needs the signed written request."""

from __future__ import annotations

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from sirecords.contributions.models import Contribution
from sirecords.demo.documents import scan
from sirecords.disputes import services
from sirecords.disputes.models import Case, Evidence
from sirecords.ledger.models import Entry
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.portal.services import holder
from sirecords.records.models import AccessEvent
from sirecords.registry.models import Employer
from sirecords.users import services as staff_accounts
from sirecords.workflow.services import review

from ..conftest import sign_in, test_admin
from ..portal.conftest import KEY, PORTAL_PASSWORD, fresh, totp
from ..portal.record_setup import me, other, signed_in, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
MONTH = "2024-02"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def upload(name="payslip.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, png() if data is None else data, content_type=content_type)


def filed(holder_of, **options) -> Case:
    options.setdefault("scans", (services.Document("evidence", png(), "payslip.png"),))
    return services.file(holder(f"person:{holder_of.person.uid}"), person=holder_of.person.uid, item="contribution",
                         period=MONTH, claim="二月工资为9000元，记录为8000元", channel="web", **options)


def as_staff(username: str) -> Client:
    """A client signed in as an existing staff account (the sample crew's posters), an authenticator enrolled."""
    staff_accounts.enrol_authenticator(username, name="test", actor=test_admin(), reason="test", channel="cli")
    return sign_in(Client(), get_user_model().objects.get(username=username))


# --- the insured person --------------------------------------------------------------------------------------------------

def test_a_person_files_about_a_month_with_a_scan_sees_it_and_adds_evidence(me):  # noqa: F811
    client = signed_in(me)
    page = client.get("/my/disputes/")
    assert page.status_code == 200 and 'aria-current="page"' in page.content.decode()
    response = client.post("/my/disputes/", {"item": "contribution", "period": MONTH, "claim": "二月工资为9000元",
                                             "evidence": upload()})
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get(person=me.person.uid)
    assert (case.state, case.period, case.channel) == ("received", MONTH, "web")
    html = client.get("/my/disputes/").content.decode()
    assert "二月工资为9000元" in html and "Received" in html and case.due_on in html and "Contribution record" in html
    response = client.post(f"/my/disputes/{case.uid}/evidence/", {"evidence": upload("letter.pdf", scan("letter"),
                                                                                     "application/pdf")})
    assert response.status_code == 302, response.content.decode()
    assert Evidence.objects.filter(case=case.uid).count() == 2


def test_a_fake_png_is_refused_with_the_reason_and_nothing_is_recorded(me):  # noqa: F811
    response = signed_in(me).post("/my/disputes/", {"item": "contribution", "period": MONTH, "claim": "工资有误",
                                                    "evidence": upload(data=b"\x89PNG\r\n\x1a\n not really")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "payslip.png" in html and 'class="error"' in html
    assert not Case.objects.exists()


def test_a_contribution_dispute_needs_its_month(me):  # noqa: F811
    response = signed_in(me).post("/my/disputes/", {"item": "contribution", "claim": "工资有误"})
    assert response.status_code == 400 and "names the month" in response.content.decode()


def test_another_persons_case_is_a_logged_404(me, other, caplog):  # noqa: F811
    case = filed(me)
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        response = signed_in(other).post(f"/my/disputes/{case.uid}/evidence/", {"evidence": upload()})
    assert response.status_code == 404
    assert any(case.uid in record.getMessage() for record in caplog.records)
    assert "二月工资" not in signed_in(other).get("/my/disputes/").content.decode()


def test_the_portal_pages_need_a_portal_session(me, staff_client):  # noqa: F811
    for path in ("/my/disputes/", "/employer/disputes/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    staff = staff_client("dp.rev", "reviewer1")
    assert staff.get("/my/disputes/").status_code == 302
    person = signed_in(me)
    assert person.get("/employer/disputes/").status_code == 302
    assert person.get("/desk/disputes/").status_code in (302, 403)


def test_a_refusal_shows_its_reasons_and_the_right_to_review(me, staff_client):  # noqa: F811
    case = filed(me)
    examiner = staff_client("dp.exam", "reviewer1")
    response = examiner.post(f"/desk/disputes/{case.uid}/refuse/", {"reason": ""})
    assert response.status_code == 400  # the reasons are required
    response = examiner.post(f"/desk/disputes/{case.uid}/refuse/", {"reason": "工资单与单位申报一致，记录无误"})
    assert response.status_code == 302
    html = signed_in(me, "zh-hans").get("/my/disputes/").content.decode()
    assert "工资单与单位申报一致，记录无误" in html and "行政复议" in html and "行政诉讼" in html and "不予更正" in html


# --- the desk -----------------------------------------------------------------------------------------------------------

def test_the_queue_and_case_page_render_for_examiners_and_supervisors_and_log_the_read(me, staff_client):  # noqa: F811
    case = filed(me)
    reviewer = staff_client("dp.rev", "reviewer1")
    queue = reviewer.get("/desk/disputes/")
    assert queue.status_code == 200
    html = queue.content.decode()
    assert case.uid in html and me.person.masked_id_number in html and me.person.id_number not in html
    assert reviewer.get("/desk/disputes/?state=refused").content.decode().count(case.uid) == 0
    page = reviewer.get(f"/desk/disputes/{case.uid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "二月工资为9000元" in html and 'id="dispute-month"' in html and "8000.00" in html
    read = AccessEvent.objects.filter(subject=f"person:{me.person.uid}", actor="dp.rev").get()
    assert read.purpose.startswith("dispute") and case.uid in read.purpose
    # The scan opens for whoever handles the case — a clerk examining it too — as a download, the read logged.
    sha256 = Evidence.objects.get(case=case.uid).sha256
    assert f"/desk/disputes/{case.uid}/scans/{sha256}/" in html
    clerk = staff_client("dp.clerk", "clerk")
    scan_file = clerk.get(f"/desk/disputes/{case.uid}/scans/{sha256}/")
    assert scan_file.status_code == 200 and scan_file["Content-Type"] == "image/png"
    assert scan_file["Content-Disposition"].startswith("attachment") and scan_file.content == png()
    assert AccessEvent.objects.filter(actor="dp.clerk", what__startswith="scan evidence").count() == 1
    assert clerk.get(f"/desk/disputes/{case.uid}/scans/{'0' * 64}/").status_code == 404
    assert reviewer.get("/desk/disputes/overdue/").status_code == 403  # supervisors'
    supervisor = staff_client("dp.sup", "supervisor")
    assert supervisor.get("/desk/disputes/overdue/").status_code == 200
    assert supervisor.get(f"/desk/disputes/{case.uid}/").status_code == 200
    assert supervisor.post(f"/desk/disputes/{case.uid}/examine/").status_code == 403  # supervisors read only
    officer = staff_client("dp.q", "query_officer")
    assert officer.get("/desk/disputes/").status_code == 403 and officer.get(f"/desk/disputes/{case.uid}/").status_code == 403
    assert Client().get("/desk/disputes/").status_code == 302
    assert reviewer.get("/desk/disputes/" + "0" * 32 + "/").status_code == 404


def test_another_regions_reviewer_neither_sees_nor_opens_the_case(me, caplog):  # noqa: F811
    from ..conftest import make_signed_in_staff

    case = filed(me)
    far = sign_in(Client(), make_signed_in_staff("dp.far", "reviewer1", region="110105"))
    assert case.uid not in far.get("/desk/disputes/").content.decode()
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        assert far.get(f"/desk/disputes/{case.uid}/").status_code == 404
        assert far.post(f"/desk/disputes/{case.uid}/examine/").status_code == 404
    assert any(case.uid in r.getMessage() for r in caplog.records if r.name == "sirecords.security")
    assert Case.objects.get(uid=case.uid).state == "received"
    assert not AccessEvent.objects.filter(actor="dp.far").exists()


def test_whoever_posted_the_disputed_month_sees_the_refusal_on_the_page(me):  # noqa: F811
    case = filed(me)
    batch_seq = Entry.objects.get(kind="contribution_batch.posted").seq
    response = as_staff("sample.review1").post(f"/desk/disputes/{case.uid}/examine/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f"entry #{batch_seq}" in html and 'id="dispute-refusal"' in html and 'id="dispute-claim"' in html
    assert Case.objects.get(uid=case.uid).state == "received"


def test_an_examiner_corrects_the_wage_and_the_correction_goes_to_review(me, staff_client):  # noqa: F811
    case = filed(me)
    row = Contribution.objects.get(person_id=me.person.uid, period=MONTH)
    examiner = staff_client("dp.exam", "reviewer1")
    page = examiner.get(f"/desk/disputes/{case.uid}/").content.decode()
    field = f"wage_{row.batch_id}_{row.row_number}"
    assert f'name="{field}"' in page and "correct_contributions" in page
    response = examiner.post(f"/desk/disputes/{case.uid}/correct/", {"type": "correct_contributions",
                                                                      "method": "按工资单更正", field: "9000"})
    assert response.status_code == 302 and response["Location"].startswith("/desk/t/")
    txn = services.in_review([case.uid])[case.uid]
    assert response["Location"] == f"/desk/t/{txn}/"
    queue = examiner.get("/desk/disputes/").content.decode()
    assert "correction in review" in queue
    again = examiner.post(f"/desk/disputes/{case.uid}/refuse/", {"reason": "不成立"})
    assert again.status_code == 400 and "in review" in again.content.decode()
    bad = staff_client("dp.exam2", "reviewer2").post(f"/desk/disputes/{filed(me).uid}/correct/", {
        "type": "correct_contributions", "method": "x", "payload": "not json"})
    assert bad.status_code == 400 and "JSON object" in bad.content.decode()


def test_the_counter_needs_the_signed_written_request(me, staff_client):  # noqa: F811
    clerk = staff_client("dp.clerk", "clerk")
    assert clerk.get("/desk/disputes/new/").status_code == 200
    form = {"id_number": me.person.id_number, "item": "registration", "claim": "姓名有误", "requester_kind": "person"}
    response = clerk.post("/desk/disputes/new/", form)
    assert response.status_code == 400 and "written_request" in response.content.decode()
    assert not Case.objects.exists()
    response = clerk.post("/desk/disputes/new/", {**form, "requester_kind": "delegate", "delegate": "李四",
                                                  "written_request": upload("request.pdf", scan("r"), "application/pdf")})
    assert response.status_code == 400 and "written_authorisation" in response.content.decode()
    response = clerk.post("/desk/disputes/new/", {**form, "written_request": upload("request.pdf", scan("r"),
                                                                                    "application/pdf")})
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert (case.channel, case.requester_kind, case.person) == ("counter", "person", me.person.uid)
    assert staff_client("dp.rev", "reviewer1").get("/desk/disputes/new/").status_code == 403


# --- the employer ---------------------------------------------------------------------------------------------------------

def employer_client(staff_client) -> tuple[Client, Employer]:
    from sirecords.users.actors import actor_for

    unit = Employer.objects.get(name="样例公司")
    staff_client("dp.eclerk", "clerk")
    staff_client("dp.erev", "reviewer1")
    created = portal.create_employer_account(actor_for("dp.eclerk"), unit, "hr", "人事专员", channel="counter")
    review(actor_for("dp.erev"), created.txn, "approve", "ok")
    device = portal.activate_with_code(employer_username(unit.uid, "hr"), created.code, password=PORTAL_PASSWORD,
                                       channel="web", key=KEY)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/employer/login/", {"uscc": unit.uscc, "username": "hr", "password": PORTAL_PASSWORD,
                                                "code": totp(fresh(device))})
    assert response.status_code == 302, response.content
    return client, unit


def test_an_employer_files_about_its_employees_month_only(me, other, staff_client):  # noqa: F811
    client, unit = employer_client(staff_client)
    assert client.get("/employer/disputes/").status_code == 200
    assert "/employer/disputes/" in client.get("/employer/").content.decode()
    response = client.post("/employer/disputes/", {"item": "contribution", "id_number": other.person.id_number,
                                                   "period": MONTH, "claim": "申报有误"})
    assert response.status_code == 400 and "never employed" in response.content.decode()
    response = client.post("/employer/disputes/", {"item": "contribution", "id_number": me.person.id_number,
                                                   "period": "2023-01", "claim": "申报有误"})
    assert response.status_code == 400 and "not employed by this unit in 2023-01" in response.content.decode()
    response = client.post("/employer/disputes/", {"item": "contribution", "id_number": me.person.id_number,
                                                   "period": MONTH, "claim": "申报工资有误"})
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert (case.requester_kind, case.employer, case.person) == ("employer", unit.uid, me.person.uid)
    html = client.get("/employer/disputes/").content.decode()
    assert "申报工资有误" in html and me.person.masked_id_number in html and me.person.id_number not in html
    # The person's own case, not the unit's: another's case id is a 404.
    mine = filed(me)
    assert client.post(f"/employer/disputes/{mine.uid}/evidence/", {"evidence": upload()}).status_code == 404
