"""The system administrators' pages (第二十六条): accounts, roles, agreements, tokens. Every change is a
ledger transaction with its reason; refusals are explained next to the field and change nothing."""

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from sirecords.ledger.models import Entry
from sirecords.users.actors import actor_for
from sirecords.users.models import ApiToken, ConfidentialityAgreement, RoleGrant, SealedTOTPDevice, StaffAccount
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction

from ..conftest import create_staff_account, test_admin, test_approver
from .test_admin_helpers import REGION, field_error, form_errors

pytestmark = pytest.mark.django_db


def new_account(**changes):
    data = {"username": "clerk.new", "display_name": "新经办", "kind": "staff", "organisation": "", "roles": ["clerk"],
            "region": REGION, "reason": "新入职经办员", "request_ref": "人社经办〔2026〕3号"}
    data.update(changes)
    return data


def service_account(username="svc.payroll"):
    create_staff_account(test_admin(), username, kind="service", reason="接口对接")


def approve(uid: str) -> None:
    """The business-side approver approves what the sysadmin carried out (the desk's review, as a service call)."""
    services.review(test_approver(test_admin()), BusinessTransaction.objects.get(pk=uid), "approve", "按申请办理")


def awaiting_uid(page) -> str:
    return re.search(r"transaction ([0-9a-f]{32})", page if isinstance(page, str) else page.content.decode()).group(1)


def test_the_list_shows_roles_regions_organisation_agreement_and_state(signed_in, make_staff):
    make_staff("ext.a", "maintainer", organisation="深圳某某外包有限公司")
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    page = client.get("/sysadmin/accounts/").content.decode()
    for shown in ("ext.a", "(maintainer) · 440300", "深圳某某外包有限公司", "none on record", "clerk.a", "(clerk)"):
        assert shown in page, shown


def test_creating_a_staff_account_shows_the_initial_password_once(signed_in):
    client = signed_in("admin.a", "sysadmin")
    form = client.get("/sysadmin/new-account/").content.decode()
    assert re.search(r'<input[^>]*name="username"[^>]*autofocus', form)
    assert '<legend>Roles' in form  # the checkbox group is labelled by its fieldset
    created = client.post("/sysadmin/new-account/", new_account())
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    page = created.content.decode()
    password = re.search(r'id="initial-password">([^<]+)<', page).group(1)
    user = get_user_model().objects.get(username="clerk.new")
    assert user.check_password(password)
    assert StaffAccount.objects.get(pk="clerk.new").display_name == "新经办"
    assert "Awaiting a business-side approver" in page and "人社经办〔2026〕3号" in page
    assert not RoleGrant.objects.filter(account_id="clerk.new").exists()  # not before the approver approves
    uid = re.search(r"<code>([0-9a-f]{32})</code>", page).group(1)
    approve(uid)
    assert list(RoleGrant.objects.filter(account_id="clerk.new").values_list("role", "region", "request_ref")) == [
        ("clerk", REGION, "人社经办〔2026〕3号")]
    assert Entry.objects.filter(kind="staff_account.created", subject="user:clerk.new", actor="admin.a",
                                reason="新入职经办员").exists()
    assert password not in client.get("/sysadmin/accounts/clerk.new/").content.decode()

    again = client.post("/sysadmin/new-account/", new_account())
    assert again.status_code == 400 and "already exists" in field_error(again, "username")


def test_a_role_that_reaches_personal_data_needs_the_agencys_request(signed_in):
    client = signed_in("admin.a", "sysadmin")
    page = client.post("/sysadmin/new-account/", new_account(request_ref=""))
    assert page.status_code == 400 and "agency's written request" in field_error(page, "request_ref")
    assert not StaffAccount.objects.filter(pk="clerk.new").exists()


def test_creating_a_service_account_gives_no_password(signed_in):
    client = signed_in("admin.a", "sysadmin")
    created = client.post("/sysadmin/new-account/", new_account(username="svc.bank", kind="service", roles=[]))
    assert created.status_code == 200 and 'id="initial-password"' not in created.content.decode()
    assert not get_user_model().objects.get(username="svc.bank").has_usable_password()


def test_an_administrator_with_a_business_role_is_refused_at_creation(signed_in):
    client = signed_in("admin.a", "sysadmin")
    before = Entry.objects.count()
    page = client.post("/sysadmin/new-account/", new_account(username="admin.b", roles=["clerk", "sysadmin"]))
    assert page.status_code == 400 and "第二十六条" in field_error(page, "roles")
    assert not StaffAccount.objects.filter(pk="admin.b").exists()
    assert not get_user_model().objects.filter(username="admin.b").exists()
    assert Entry.objects.count() == before


def test_granting_clerk_to_a_sysadmin_is_refused_and_changes_nothing(signed_in, make_staff):
    make_staff("admin.b", "sysadmin")
    client = signed_in("admin.a", "sysadmin")
    form = client.get("/sysadmin/accounts/admin.b/grant/")
    assert re.search(r'<select[^>]*name="role"[^>]*autofocus', form.content.decode())
    grants, entries = list(RoleGrant.objects.values_list("uid", "revoked_on")), Entry.objects.count()
    page = client.post("/sysadmin/accounts/admin.b/grant/", {"role": "clerk", "region": REGION, "reason": "临时顶岗"})
    assert page.status_code == 400
    message = field_error(page, "role")
    assert "第二十六条" in message and "sysadmin" in message
    assert list(RoleGrant.objects.values_list("uid", "revoked_on")) == grants and Entry.objects.count() == entries
    assert actor_for("admin.b").roles == {"sysadmin"}


def test_grant_and_revoke_a_role(signed_in, make_staff):
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    data = {"role": "query_officer", "region": REGION, "reason": "兼任查询", "request_ref": "人社经办〔2026〕4号"}
    missing = client.post("/sysadmin/accounts/clerk.a/grant/", {**data, "reason": ""})
    assert missing.status_code == 400 and field_error(missing, "reason")
    granted = client.post("/sysadmin/accounts/clerk.a/grant/", data, follow=True)
    assert granted.redirect_chain[-1][0] == "/sysadmin/accounts/clerk.a/"
    assert "awaits the approval of a business-side approver" in granted.content.decode()
    assert actor_for("clerk.a").roles == {"clerk"}  # not yet
    approve(awaiting_uid(granted))
    assert actor_for("clerk.a").roles == {"clerk", "query_officer"}
    twice = client.post("/sysadmin/accounts/clerk.a/grant/", data)
    assert "already holds" in field_error(twice, "role")

    grant = RoleGrant.objects.get(account_id="clerk.a", role="query_officer")
    revoke_form = client.get("/sysadmin/accounts/clerk.a/revoke/").content.decode()
    assert f'value="{grant.uid}"' in revoke_form
    revoked = client.post("/sysadmin/accounts/clerk.a/revoke/", {"grant": grant.uid, "reason": "不再兼任"})
    assert revoked.status_code == 302
    assert actor_for("clerk.a").roles == {"clerk"}
    assert RoleGrant.objects.get(pk=grant.uid).revoked_on == date.today()
    assert Entry.objects.filter(kind="role.revoked", reason="不再兼任", actor="admin.a").exists()


def test_an_administrator_cannot_change_their_own_roles(signed_in):
    client = signed_in("admin.a", "sysadmin")
    page = client.post("/sysadmin/accounts/admin.a/grant/", {"role": "dba", "region": REGION, "reason": "自己加"})
    assert page.status_code == 400 and "your own roles" in form_errors(page)


def test_record_an_agreement_with_its_scan(signed_in, make_staff):
    make_staff("ext.a", "maintainer", organisation="深圳某某外包有限公司")
    assert actor_for("ext.a").blocked()
    client = signed_in("admin.a", "sysadmin")
    form = client.get("/sysadmin/accounts/ext.a/agreement/").content.decode()
    assert 'value="深圳某某外包有限公司"' in form and 'enctype="multipart/form-data"' in form
    today = date.today()
    data = {"organisation": "深圳某某外包有限公司", "signed_on": today.isoformat(), "reason": "保密协议"}
    backwards = client.post("/sysadmin/accounts/ext.a/agreement/", {**data, "expires_on": (today - timedelta(days=1)).isoformat()})
    assert "after the signing date" in field_error(backwards, "expires_on")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sirecords.demo.documents import scan as pdf

    scan = pdf("confidentiality agreement")
    recorded = client.post("/sysadmin/accounts/ext.a/agreement/", {
        **data, "expires_on": (today + timedelta(days=365)).isoformat(),
        "document": SimpleUploadedFile("协议.pdf", scan, content_type="application/pdf")})
    assert recorded.status_code == 302
    agreement = ConfidentialityAgreement.objects.get(account_id="ext.a")
    assert agreement.document_sha256 == hashlib.sha256(scan).hexdigest()
    assert actor_for("ext.a").blocked() is None
    listing = client.get("/sysadmin/accounts/").content.decode()
    assert (today + timedelta(days=365)).isoformat() in listing


def test_deactivate_an_account(signed_in, make_staff):
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    own = client.post("/sysadmin/accounts/admin.a/deactivate/", {"reason": "测试"})
    assert own.status_code == 400 and "your own account" in form_errors(own)
    done = client.post("/sysadmin/accounts/clerk.a/deactivate/", {"reason": "离职"})
    assert done.status_code == 302
    account = StaffAccount.objects.get(pk="clerk.a")
    assert not account.active and not RoleGrant.objects.filter(account=account, revoked_on__isnull=True).exists()
    assert actor_for("clerk.a").blocked() == "this account is deactivated"
    assert "deactivated" in client.get("/sysadmin/accounts/").content.decode()


def test_a_token_is_shown_once_and_only_its_hash_is_kept(signed_in, make_staff):
    service_account()
    client = signed_in("admin.a", "sysadmin")
    form = client.get("/sysadmin/accounts/svc.payroll/tokens/new/").content.decode()
    assert re.search(r'<input[^>]*name="label"[^>]*autofocus', form)
    none = client.post("/sysadmin/accounts/svc.payroll/tokens/new/", {"label": "工资导入", "days": 30, "reason": "对接"})
    assert none.status_code == 400 and field_error(none, "scopes")
    no_request = client.post("/sysadmin/accounts/svc.payroll/tokens/new/", {
        "label": "工资导入", "scopes": ["persons:read"], "days": 30, "reason": "对接"})
    assert no_request.status_code == 400 and field_error(no_request, "request_ref")
    issued = client.post("/sysadmin/accounts/svc.payroll/tokens/new/", {
        "label": "工资导入", "scopes": ["transactions:write", "persons:read"], "days": 30, "reason": "工资系统对接",
        "request_ref": "人社经办〔2026〕5号"})
    assert issued.status_code == 200 and "no-store" in issued["Cache-Control"]
    page = issued.content.decode()
    token = re.search(r'id="token">([^<]+)<', page).group(1)
    assert token.startswith("sir_") and "persons:read transactions:write" in page
    assert "works once a business-side approver approves" in page and not ApiToken.objects.exists()
    approve(awaiting_uid(page))
    stored = ApiToken.objects.get(account_id="svc.payroll")
    assert stored.request_ref == "人社经办〔2026〕5号"
    assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert stored.scopes == "persons:read transactions:write"
    assert stored.expires_at.date() == date.today() + timedelta(days=30)
    assert stored.expires_at.strftime("%Y-%m-%d %H:%M") in page
    assert not Entry.objects.filter(payload__contains=token).exists()  # the ledger keeps the hash only
    for listing in ("/sysadmin/tokens/", "/sysadmin/accounts/svc.payroll/"):
        shown = client.get(listing).content.decode()
        assert "工资导入" in shown and "persons:read transactions:write" in shown and token not in shown

    revoked = client.post(f"/sysadmin/tokens/{stored.uid}/revoke/", {"reason": "令牌泄露"})
    assert revoked.status_code == 302 and revoked["Location"] == "/sysadmin/tokens/"
    assert ApiToken.objects.get(pk=stored.uid).revoked_on == date.today()
    again = client.post(f"/sysadmin/tokens/{stored.uid}/revoke/", {"reason": "再次"})
    assert again.status_code == 400 and "already revoked" in form_errors(again)


def test_tokens_are_for_service_accounts_only(signed_in, make_staff):
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    page = client.post("/sysadmin/accounts/clerk.a/tokens/new/", {"label": "x", "scopes": ["persons:read"], "days": 30,
                                                                  "reason": "试试"})
    assert page.status_code == 400 and "only for service accounts" in form_errors(page)
    assert not ApiToken.objects.exists()
    too_long = client.post("/sysadmin/accounts/clerk.a/tokens/new/", {"label": "x", "scopes": ["persons:read"], "days": 400,
                                                                      "reason": "试试"})
    assert field_error(too_long, "days")


def test_reset_an_authenticator(signed_in, make_staff):
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    assert "Reset the authenticator" in client.get("/sysadmin/accounts/clerk.a/").content.decode()
    own = client.post("/sysadmin/accounts/admin.a/reset-authenticator/", {"reason": "自己"})
    assert own.status_code == 400 and "your own authenticator" in form_errors(own)
    done = client.post("/sysadmin/accounts/clerk.a/reset-authenticator/", {"reason": "手机遗失"})
    assert done.status_code == 302
    assert not SealedTOTPDevice.objects.filter(user__username="clerk.a").exists()
    assert StaffAccount.objects.get(pk="clerk.a").second_factor_digest == ""
    removed = Entry.objects.get(kind="second_factor.removed", subject="user:clerk.a")
    assert (removed.actor, removed.reason) == ("admin.a", "手机遗失")
    assert "not enrolled" in client.get("/sysadmin/accounts/clerk.a/").content.decode()


def test_the_first_approver_bootstrap_is_shown_on_the_accounts_pages(signed_in):
    client = signed_in("admin.a", "sysadmin")  # no approver on this database yet
    create_staff_account(test_admin(), "appr.one")
    from sirecords.users import services as staff_accounts

    staff_accounts.grant_first_approver(actor_for("admin.a"), "appr.one", region=REGION, reason="首位审批员", channel="cli",
                                        request_ref="人社经办〔2026〕1号")
    for url in ("/sysadmin/accounts/", "/sysadmin/accounts/appr.one/"):
        assert "without an approval" in client.get(url).content.decode(), url


def test_the_approver_sees_the_request_at_the_desk_and_approves_it(signed_in, make_staff, staff_client):
    make_staff("clerk.a", "clerk")
    admin = signed_in("admin.a", "sysadmin")
    granted = admin.post("/sysadmin/accounts/clerk.a/grant/", {"role": "query_officer", "region": REGION, "reason": "兼任查询",
                                                               "request_ref": "人社经办〔2026〕6号"}, follow=True)
    uid = awaiting_uid(granted)
    approver = staff_client("appr.desk", "approver")
    assert uid in approver.get("/desk/queue/").content.decode()
    page = approver.get(f"/desk/t/{uid}/").content.decode()
    for shown in ("clerk.a", "query_officer", "440300", "人社经办〔2026〕6号"):
        assert shown in page, shown
    assert approver.post(f"/desk/t/{uid}/review/", {"decision": "approve", "opinion": "同意"}).status_code == 302
    assert actor_for("clerk.a").roles == {"clerk", "query_officer"}
    assert "Awaiting a business-side approver" not in admin.get("/sysadmin/accounts/clerk.a/").content.decode()


def test_the_sysadmin_withdraws_a_request_that_waits(signed_in, make_staff):
    make_staff("clerk.a", "clerk")
    client = signed_in("admin.a", "sysadmin")
    granted = client.post("/sysadmin/accounts/clerk.a/grant/", {"role": "supervisor", "region": REGION, "reason": "监督",
                                                                "request_ref": "人社经办〔2026〕8号"}, follow=True)
    uid = awaiting_uid(granted)
    listing = client.get("/sysadmin/accounts/").content.decode()
    assert f"/sysadmin/requests/{uid}/withdraw/" in listing and "人社经办〔2026〕8号" in listing
    done = client.post(f"/sysadmin/requests/{uid}/withdraw/", {"reason": "申请撤回"})
    assert done.status_code == 302 and BusinessTransaction.objects.get(pk=uid).state == "withdrawn"
    assert uid not in client.get("/sysadmin/accounts/").content.decode()
    assert client.get(f"/sysadmin/requests/{uid}/withdraw/").status_code == 404
