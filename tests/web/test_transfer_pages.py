"""The transfer pages (第十条, issue #19 point 5; web/views/portal_transfers.py, desk_transfers.py) and the JSON
endpoints (api/transfers.py): a person sees their own transfers only — the steps with their dates, the due date, the
region left's refusal, what moved — and the read is in their access log; an employer sees the transfers of its current
employees only, name and ID number masked, without the refusal or the amounts, each read logged; staff see the
transfers of their regions only, the subject masked, the overdue ones marked and on the supervisors' list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from sirecords.core.identifiers import make_uscc
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.records.models import AccessEvent
from sirecords.registry.models import Employer
from sirecords.transfers import progress
from sirecords.workflow.services import review

from ..conftest import make_signed_in_staff, sign_in
from ..portal.conftest import KEY, PORTAL_PASSWORD, fresh, totp
from ..portal.record_setup import api_token, me, other, signed_in, world  # noqa: F401  (fixtures)
from ..transfers.progress_setup import OLD, OLD_NAME, close, receive, register_region, request

pytestmark = pytest.mark.django_db
REFUSAL = "该人员在我区2019年的缴费尚未结清，结清后再办理"


@pytest.fixture
def transfer(me):  # noqa: F811
    """`me` asked for their record from Beijing Dongcheng today (the request approved): awaiting its answer."""
    register_region()
    return request(me.person.uid)


@pytest.fixture
def later(monkeypatch):
    """Move the day overdue is judged on by `days` (the pages and the API judge it through progress.current_day)."""
    def move(days: int) -> date:
        day = date.today() + timedelta(days=days)
        monkeypatch.setattr(progress, "current_day", lambda: day)
        return day

    return move


def staff(username: str, *roles: str, region: str = "440300") -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), make_signed_in_staff(username, *roles, region=region))


# --- the insured person --------------------------------------------------------------------------------------------------

def test_a_person_sees_their_transfer_s_steps_and_due_date_and_the_read_is_logged(me, other, transfer):  # noqa: F811
    client = signed_in(me)
    assert 'href="/my/transfers/"' in client.get("/my/").content.decode()  # in the portal's menu
    page = client.get("/my/transfers/")
    assert page.status_code == 200
    html = page.content.decode()
    due = progress.due_date(transfer)
    assert 'aria-current="page"' in html and f'id="transfer-{transfer.uid}"' in html
    assert OLD_NAME in html and OLD in html and transfer.requested_on in html and due in html
    assert "Transfer requested" in html and "The region left handles it" in html and "in progress" in html
    assert 'aria-current="step"' in html and "overdue" not in html
    assert "15 working days" in html
    read = AccessEvent.objects.get(actor=f"person:{me.person.uid}", what="transfers")
    assert (read.subject, read.channel) == (f"person:{me.person.uid}", "portal")
    # Another person sees none of it.
    theirs = signed_in(other).get("/my/transfers/").content.decode()
    assert transfer.uid not in theirs and "You have no transfer of your record between regions." in theirs


def test_the_person_s_page_in_chinese(me, transfer):  # noqa: F811
    html = signed_in(me, "zh-hans").get("/my/transfers/").content.decode()
    assert "我的转移接续" in html and "申请转移" in html and "转出地办理" in html and "办理中" in html and "北京市东城区" in html


def test_an_overdue_step_is_marked(me, transfer, later):  # noqa: F811
    due = date.fromisoformat(progress.due_date(transfer))
    later((due - date.today()).days)
    assert "overdue" not in signed_in(me).get("/my/transfers/").content.decode()  # the due day is still in time
    later((due - date.today()).days + 1)
    assert "overdue: the agency is following it up" in signed_in(me).get("/my/transfers/").content.decode()


def test_a_closed_transfer_shows_the_refusal_and_a_received_one_what_moved(me, transfer):  # noqa: F811
    close(transfer, REFUSAL)
    html = signed_in(me).get("/my/transfers/").content.decode()
    assert "Closed by the region left" in html and REFUSAL in html and "Why the region left did not transfer" in html
    assert "due by" not in html
    receive(request(me.person.uid), [("2019-01", 600000), ("2019-02", 600000)])
    html = signed_in(me).get("/my/transfers/").content.decode()
    assert "Record and funds received" in html and "960.00" in html and "1440.00" in html  # 8 % and 12 % of 12,000


def test_the_portal_pages_need_a_portal_session(me, transfer):  # noqa: F811
    for path in ("/my/transfers/", "/employer/transfers/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    assert staff("tp.rev", "reviewer1").get("/my/transfers/").status_code == 302
    assert signed_in(me).get("/employer/transfers/").status_code == 302
    assert signed_in(me).get("/desk/transfers/").status_code in (302, 403)


# --- the employer ---------------------------------------------------------------------------------------------------------

def employer_client(unit: Employer, user: str = "hr") -> Client:
    """A browser signed in to the employer portal as a new user of `unit` (opened by a clerk, approved by a reviewer)."""
    from sirecords.users.actors import actor_for

    make_signed_in_staff(f"tp.eclerk.{user}", "clerk")
    make_signed_in_staff(f"tp.erev.{user}", "reviewer1")
    created = portal.create_employer_account(actor_for(f"tp.eclerk.{user}"), unit, user, "人事专员", channel="counter")
    review(actor_for(f"tp.erev.{user}"), created.txn, "approve", "ok")
    device = portal.activate_with_code(employer_username(unit.uid, user), created.code, password=PORTAL_PASSWORD,
                                       channel="web", key=KEY)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/employer/login/", {"uscc": unit.uscc, "username": user, "password": PORTAL_PASSWORD,
                                                "code": totp(fresh(device))})
    assert response.status_code == 302, response.content
    return client


def test_an_employer_sees_its_current_employees_transfers_masked_and_each_read_is_logged(me, other, transfer):  # noqa: F811
    unit = Employer.objects.get(name="样例公司")  # employs `me` since 2023-06-01; never `other`
    theirs = request(other.person.uid, collect=True)
    close(transfer, REFUSAL)
    client = employer_client(unit)
    assert "/employer/transfers/" in client.get("/employer/").content.decode()
    page = client.get("/employer/transfers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="transfer-{transfer.uid}"' in html and theirs.uid not in html
    assert me.person.masked_id_number in html and me.person.id_number not in html
    assert "样*" in html and "样例<" not in html and OLD_NAME in html and "Closed: refused by the region left" in html
    assert REFUSAL not in html  # the person's record outside the unit's time
    assert f"/employer/employees/{me.person.uid}/" in html
    read = AccessEvent.objects.get(subject=f"person:{me.person.uid}", what="employer.transfers")
    assert read.actor == f"employer:{unit.uid}:hr" and read.channel == "portal"
    assert not AccessEvent.objects.filter(subject=f"person:{other.person.uid}", what="employer.transfers").exists()


def test_a_former_employer_sees_no_transfer(me, transfer, post_txn):  # noqa: F811
    """The unit's employee whose employment ended is no longer its employee: their transfers are not shown."""
    unit_uid = post_txn("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5TP001"), "name": "前单位",
                                              "region": "440300"})[0].payload["employer"]
    started = post_txn("start_employment", {"person": me.person.uid, "employer": unit_uid, "start": "2020-01-01"})
    post_txn("end_employment", {"employment": started[0].payload["employment"], "end": "2023-05-31"})
    html = employer_client(Employer.objects.get(uid=unit_uid), "former").get("/employer/transfers/").content.decode()
    assert transfer.uid not in html and "None of the unit's employees has a transfer" in html
    assert not AccessEvent.objects.filter(what="employer.transfers").exists()


# --- the desk -------------------------------------------------------------------------------------------------------------

def test_the_desk_lists_the_region_s_open_transfers_masked_for_handlers_and_supervisors(me, transfer, later):  # noqa: F811
    reviewer = staff("tp.rev", "reviewer1")
    assert 'href="/desk/transfers/"' in reviewer.get("/").content.decode()
    html = reviewer.get("/desk/transfers/").content.decode()
    assert f'id="transfer-{transfer.uid}"' in html and me.person.masked_id_number in html
    assert me.person.id_number not in html and me.person.name not in html and OLD_NAME in html
    assert progress.due_date(transfer) in html and "overdue" not in html.split('id="transfers"')[1]
    assert transfer.uid not in reviewer.get("/desk/transfers/?state=closed").content.decode()
    assert transfer.uid in reviewer.get("/desk/transfers/?state=all").content.decode()
    assert transfer.uid not in reviewer.get("/desk/transfers/?overdue=on").content.decode()
    assert not AccessEvent.objects.filter(actor="tp.rev").exists()  # masked: nothing of the record read
    for username, role in (("tp.clerk", "clerk"), ("tp.appr", "approver"), ("tp.rev3", "reviewer3")):
        assert transfer.uid in staff(username, role).get("/desk/transfers/").content.decode(), role
    for username, role in (("tp.q", "query_officer"), ("tp.maint", "maintainer"), ("tp.admin", "sysadmin")):
        assert staff(username, role).get("/desk/transfers/").status_code == 403, role
    assert reviewer.get("/desk/transfers/overdue/").status_code == 403  # the supervisors'

    supervisor = staff("tp.sup", "supervisor")
    assert transfer.uid not in supervisor.get("/desk/transfers/overdue/").content.decode()
    later(40)
    overdue = supervisor.get("/desk/transfers/overdue/").content.decode()
    assert f'id="transfer-{transfer.uid}" class="overdue"' in overdue and "Overdue transfers" in overdue
    assert transfer.uid in reviewer.get("/desk/transfers/?overdue=on").content.decode()


def test_another_region_s_staff_see_none_of_it(me, transfer):  # noqa: F811
    for role in ("reviewer1", "supervisor"):
        far = staff(f"tp.far.{role}", role, region=OLD)
        assert transfer.uid not in far.get("/desk/transfers/?state=all").content.decode()
    assert transfer.uid not in staff("tp.far.sup2", "supervisor", region=OLD).get("/desk/transfers/overdue/").content.decode()


def test_an_ended_transfer_leaves_the_open_list(me, transfer):  # noqa: F811
    close(transfer, REFUSAL)
    reviewer = staff("tp.rev", "reviewer1")
    assert transfer.uid not in reviewer.get("/desk/transfers/").content.decode()
    html = reviewer.get("/desk/transfers/?state=closed").content.decode()
    assert transfer.uid in html and REFUSAL not in html


# --- the API ----------------------------------------------------------------------------------------------------------------

def test_the_staff_api_lists_the_region_s_transfers_masked(me, transfer, later):  # noqa: F811
    reviewer = staff("tp.rev", "reviewer1")
    [row] = reviewer.get("/api/transfers").json()
    assert (row["transfer"], row["subject"], row["state"], row["other_region_name"]) == (
        transfer.uid, me.person.masked_id_number, "requested", OLD_NAME)
    assert row["due_on"] == progress.due_date(transfer) and row["overdue"] is False and "refusal" not in row
    assert [s["step"] for s in row["steps"]] == ["requested", "answer", "received"]
    assert reviewer.get("/api/transfers?state=closed").json() == []
    assert reviewer.get("/api/transfers?overdue=true").json() == []
    later(40)
    assert [r["transfer"] for r in reviewer.get("/api/transfers?overdue=true").json()] == [transfer.uid]
    assert reviewer.get("/api/transfers?state=lost").status_code == 422
    assert staff("tp.far", "reviewer1", region=OLD).get("/api/transfers").json() == []


def test_the_person_s_api_answers_their_own_transfers_and_logs_the_read(me, other, transfer):  # noqa: F811
    close(transfer, REFUSAL)
    token = {"HTTP_AUTHORIZATION": f"Bearer {api_token(me)}"}
    [item] = Client().get("/api/me/transfers", **token).json()
    assert (item["transfer"], item["state"], item["refusal"], item["steps"][-1]["step"]) == (
        transfer.uid, "closed", REFUSAL, "closed")
    assert AccessEvent.objects.filter(actor=f"person:{me.person.uid}", what="transfers", channel="api").count() == 1
    assert Client().get(f"/api/me/transfers?person={other.person.uid}", **token).status_code == 422
    theirs = Client().get("/api/me/transfers", HTTP_AUTHORIZATION=f"Bearer {api_token(other)}").json()
    assert theirs == []
