"""Finding 3 of issue 9: a system administrator alone never obtains access to personal data (第二十六条).

A role that reaches personal data, and an API token, are carried out at the agency's request (recorded) and take
effect only when a business-side approver other than the administrator, and other than the account's holder,
approves them; removing a power stays immediate; the first approver of a fresh install is an explicit, recorded,
visible, once-only bootstrap; `verify` names a power in force that no approver approved."""

import json
from datetime import date

import pytest
from django.urls import reverse

from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.transactions.posting import InvalidTransaction, Transaction, post
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for, operator
from sirecords.users.models import ApiToken, RoleGrant
from sirecords.workflow import services
from sirecords.workflow.models import State

from ..conftest import REGION, REQUEST, create_staff_account, test_admin, test_approver
from .test_credentials import findings

pytestmark = pytest.mark.django_db
ID = make_id_number(REGION, date(1990, 5, 17), 7)


@pytest.fixture
def person(post_txn, db):
    return post_txn("register_person", {"id_number": ID, "name": "张三", "region": REGION})[0].payload["person"]


def read_record(token: str):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = reverse("api:person_lookup") + "?purpose=counter&purpose_detail=counter query by the insured person"
    return client.post(url, {"id_number": ID}, content_type="application/json")


def test_a_sysadmin_alone_cannot_get_a_working_persons_read_token(person):
    admin = test_admin()
    created = staff_accounts.create_account(admin, "svc.reader", "读取接口", region=REGION, reason="对接", channel="web",
                                            roles=("query_officer",), kind="service", request_ref="人社经办〔2026〕9号")
    issued = staff_accounts.issue_token(admin, "svc.reader", "reader", "persons:read", days=30, reason="对接",
                                        channel="web", request_ref="人社经办〔2026〕9号")
    assert [t.state for t in (*created.awaiting, issued.txn)] == [State.SUBMITTED, State.SUBMITTED]
    assert actor_for("svc.reader").roles == set() and not ApiToken.objects.exists()
    refused = read_record(issued.token)
    assert refused.status_code == 401 and "unknown API token" in refused.json()["detail"]
    with pytest.raises(services.Refused, match="you opened this transaction"):
        services.review(admin, issued.txn, "approve", "我自己批")  # the administrator cannot approve their own request

    approver = test_approver(admin)
    services.review(approver, issued.txn, "approve", "同意")
    assert read_record(issued.token).status_code == 403  # the token now exists, but its account holds no role
    services.review(approver, created.awaiting[0], "approve", "同意")
    assert read_record(issued.token).status_code == 200  # the agency asked, an approver approved: now it reads


def test_a_sysadmin_alone_cannot_get_a_usable_query_role(person, client):
    from ..conftest import sign_in

    admin = test_admin()
    created = staff_accounts.create_account(admin, "query.x", "查询员", region=REGION, reason="新查询员", channel="web",
                                            roles=("query_officer",), password="Query-Password-2026",
                                            request_ref="人社经办〔2026〕10号")
    staff_accounts.enrol_authenticator("query.x", actor="query.x", reason="t", channel="cli")
    from django.contrib.auth import get_user_model

    sign_in(client, get_user_model().objects.get(username="query.x"))
    assert actor_for("query.x").roles == set()
    assert client.get(reverse("record_search")).status_code == 403
    services.review(test_approver(admin), created.awaiting[0], "approve", "同意")
    assert client.get(reverse("record_search")).status_code == 200


def test_every_role_but_the_administrators_waits_for_the_approver_and_records_the_request(staff):
    staff("plain.a")
    for role in ("clerk", "reviewer1", "maintainer", "query_officer", "supervisor", "approver"):
        txn = staff_accounts.grant(staff.admin, "plain.a", role, region=REGION, reason="r", channel="web",
                                   request_ref=f"REQ-{role}")
        assert txn.state == State.SUBMITTED and txn.stage_list == ["approval"], role
    staff("plain.b")
    admin_grant = staff_accounts.grant(staff.admin, "plain.b", "dba", region=REGION, reason="r", channel="web")
    assert admin_grant.state == State.POSTED  # the information agency's own roles reach no personal data
    pending = staff_accounts.grant(staff.admin, "plain.a", "clerk", region=REGION, reason="r", channel="web",
                                   request_ref="人社经办〔2026〕11号", request_document=scan("the agency's request"))
    services.review(test_approver(staff.admin), pending, "approve", "同意")
    entry = Entry.objects.filter(kind="role.granted", subject="user:plain.a").order_by("seq").last()
    payload = json.loads(entry.payload)
    assert payload["request_ref"] == "人社经办〔2026〕11号" and len(payload["request_document_sha256"]) == 64
    reviewed = json.loads(Entry.objects.get(txn=entry.txn, kind="transaction.posted").payload)["review"]
    assert [(step["stage"], step["actor"]) for step in reviewed] == [("approval", "approve.test")]


def test_no_request_reference_no_grant(staff):
    staff("plain.a")
    with pytest.raises(InvalidTransaction) as refused:
        staff_accounts.grant(staff.admin, "plain.a", "query_officer", region=REGION, reason="r", channel="web")
    assert "agency's written request" in refused.value.errors["request_ref"]
    with pytest.raises(InvalidTransaction) as no_token:
        staff_accounts.issue_token(staff.admin, "plain.a", "x", "persons:read", days=1, reason="r", channel="web")
    assert "request_ref" in no_token.value.errors


def test_an_approver_may_not_approve_their_own_role(staff):
    admin = staff.admin
    approver = test_approver(admin)
    txn = staff_accounts.grant(admin, "approve.test", "query_officer", region=REGION, reason="r", channel="web",
                               request_ref="R-1")
    with pytest.raises(InvalidTransaction, match="approved a grant of their own role"):
        services.review(approver, txn, "approve", "给自己")
    assert "query_officer" not in actor_for("approve.test").roles
    create_staff_account(admin, "approve.two", "approver")
    services.review(actor_for("approve.two"), txn, "approve", "同意")
    assert "query_officer" in actor_for("approve.test").roles


def test_removing_a_power_is_immediate(staff):
    staff("clerk.r", "clerk")
    create_staff_account(staff.admin, "svc.r", "query_officer", kind="service")
    from ..conftest import issue_approved_token

    issue_approved_token(staff.admin, "svc.r", "persons:read")
    token = ApiToken.objects.get(account_id="svc.r")
    staff_accounts.revoke(staff.admin, "clerk.r", "clerk", region=None, reason="离岗", channel="web")
    revoked = services.execute(staff.admin, "revoke_token", {"token": token.uid}, region=REGION, reason="泄露", channel="web")
    staff_accounts.deactivate(staff.admin, "svc.r", reason="停用", channel="web")
    assert revoked.state == State.POSTED and actor_for("clerk.r").roles == set()
    assert ApiToken.objects.get(pk=token.uid).revoked_on is not None and not actor_for("svc.r").active


def test_the_first_approver_is_a_recorded_once_only_bootstrap(staff):
    assert not RoleGrant.objects.filter(role="approver").exists()
    staff("appr.first")
    with pytest.raises(InvalidTransaction) as no_request:
        staff_accounts.grant_first_approver(staff.admin, "appr.first", region=REGION, reason="r", channel="cli",
                                            request_ref="")
    assert "request_ref" in no_request.value.errors
    with pytest.raises(InvalidTransaction, match="not the shell alone"):
        staff_accounts.grant_first_approver(operator("root"), "appr.first", region=REGION, reason="r", channel="cli",
                                            request_ref="R")
    txn = staff_accounts.grant_first_approver(staff.admin, "appr.first", region=REGION, reason="安装", channel="cli",
                                              request_ref="人社经办〔2026〕1号")
    assert txn.state == State.POSTED and actor_for("appr.first").has("approver", REGION)
    grant = RoleGrant.objects.get(account_id="appr.first")
    assert grant.bootstrap and grant.request_ref == "人社经办〔2026〕1号"
    assert json.loads(Entry.objects.get(seq=grant.last_seq).payload)["bootstrap"] is True
    assert findings() == []  # the bootstrap is the one grant in force without an approval that verify accepts

    staff("appr.second")
    with pytest.raises(InvalidTransaction, match="first-approver bootstrap is closed"):
        staff_accounts.grant_first_approver(staff.admin, "appr.second", region=REGION, reason="r", channel="cli",
                                            request_ref="R")
    staff_accounts.revoke(staff.admin, "appr.first", "approver", region=None, reason="离岗", channel="web")
    with pytest.raises(InvalidTransaction, match="first-approver bootstrap is closed"):  # closed for ever, not while held
        staff_accounts.grant_first_approver(staff.admin, "appr.second", region=REGION, reason="r", channel="cli",
                                            request_ref="R")


def test_the_shell_alone_creates_only_the_first_sysadmin(db):
    shell = operator("root")
    staff_accounts.create_account(shell, "root.admin", "root", region=REGION, reason="安装", channel="cli",
                                  roles=("sysadmin",))
    assert actor_for("root.admin").has("sysadmin")
    before = Entry.objects.count()
    with pytest.raises(InvalidTransaction, match="only create the first system administrator"):
        staff_accounts.create_account(shell, "root.two", "root", region=REGION, reason="再建一个", channel="cli",
                                      roles=("sysadmin",))
    with pytest.raises(InvalidTransaction):
        staff_accounts.create_account(shell, "query.s", "q", region=REGION, reason="r", channel="cli",
                                      roles=("query_officer",), request_ref=REQUEST)
    for act in (lambda: staff_accounts.revoke(shell, "root.admin", "sysadmin", region=None, reason="r", channel="cli"),
                lambda: staff_accounts.deactivate(shell, "root.admin", reason="r", channel="cli")):
        with pytest.raises(InvalidTransaction, match="only create the first system administrator"):
            act()
    assert Entry.objects.count() == before


def test_verify_names_a_power_in_force_that_no_approver_approved(staff):
    staff("clerk.v", "clerk")
    grant = post(Transaction("grant_role", {"username": "clerk.v", "role": "query_officer", "region": REGION,
                                            "request_ref": "R"}, WriteContext(actor="admin.t", reason="r", channel="cli")))
    uid = grant[0].payload["grant"]
    assert f"[roles] users_role_grant pk={uid}: query_officer of clerk.v: entry #{grant[0].seq} was posted by admin.t " \
           f"without a business-side approval (第二十六条)" in findings()
    approved = RoleGrant.objects.get(account_id="clerk.v", role="clerk").uid
    assert not [f for f in findings() if approved in f]  # the grant the approver approved passes
