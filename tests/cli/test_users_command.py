"""`sirecords users` in process, on both engines (finding 3 of issue 9): every change names an existing sysadmin
account (--actor), the shell alone only creates the first one; a role that reaches personal data needs the agency's
request (--request-ref) and waits for the approver; without them nothing is created and no password is printed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sirecords.demo.documents import scan as sample_scan
from sirecords.ledger.models import Entry
from sirecords.users.actors import actor_for
from sirecords.users.models import RoleGrant, StaffAccount
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction

from ..conftest import REGION, test_admin, test_approver

pytestmark = pytest.mark.django_db


def users(*args) -> str:
    out = StringIO()
    call_command("users", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("users", *args, stdout=out)
    assert "password" not in out.getvalue()
    return str(error.value)


@pytest.mark.parametrize("role", ["query_officer", "clerk", "supervisor", "approver"])
def test_the_shell_alone_gets_no_business_or_query_account_nor_a_password(role):
    test_admin()
    entries = Entry.objects.count()
    why = refused("add", "someone.x", "--role", role, "--reason", "counter staff")
    assert "--actor" in why
    assert not StaffAccount.objects.filter(pk="someone.x").exists() and Entry.objects.count() == entries


def test_a_named_sysadmin_still_needs_the_agencys_request():
    test_admin()
    why = refused("add", "query.x", "--role", "query_officer", "--actor", "admin.test", "--reason", "counter staff")
    assert "--request-ref" in why and "第二十六条" in why
    assert not StaffAccount.objects.filter(pk="query.x").exists()


def test_the_actor_must_be_an_active_sysadmin_account(staff):
    staff("clerk.c", "clerk")
    for actor in ("clerk.c", "nobody"):
        why = refused("add", "query.x", "--role", "query_officer", "--actor", actor, "--request-ref", "R", "--reason", "r")
        assert "is not an active system administrator account" in why
    assert "--actor" in refused("revoke", "clerk.c", "clerk", "--reason", "离岗")
    assert "--actor" in refused("grant", "clerk.c", "reviewer1", "--request-ref", "R", "--reason", "r")


def test_the_shell_creates_only_the_first_sysadmin():
    assert "initial password:" in users("add", "root.admin", "--role", "sysadmin", "--reason", "安装")
    assert "--actor" in refused("add", "root.two", "--role", "sysadmin", "--reason", "再建")
    assert "initial password:" in users("add", "root.two", "--role", "sysadmin", "--actor", "root.admin", "--reason", "第二位")


def test_with_the_actor_and_the_request_the_role_waits_for_the_approver():
    admin = test_admin()
    approver = test_approver(admin)
    printed = users("add", "query.x", "--role", "query_officer", "--actor", "admin.test", "--request-ref",
                    "人社经办〔2026〕2号", "--reason", "新查询员")
    assert "initial password:" in printed and "awaits a business-side approver" in printed
    assert actor_for("query.x").roles == set()
    assert "awaiting approval: query.x: query_officer@440300" in users("list")
    txn = BusinessTransaction.objects.get(type="grant_role", state="submitted")
    services.review(approver, txn, "approve", "同意")
    assert RoleGrant.objects.get(account_id="query.x").request_ref == "人社经办〔2026〕2号"
    assert "query.x: query_officer@440300" in users("list")
    assert "revoked query_officer" in users("revoke", "query.x", "query_officer", "--actor", "admin.test", "--reason", "离岗")


def test_the_first_approver_flag_is_the_bootstrap_once(tmp_path):
    test_admin()
    scan = tmp_path / "request.pdf"
    scan.write_bytes(sample_scan("the agency's request"))
    printed = users("add", "appr.first", "--role", "approver", "--first-approver", "--actor", "admin.test", "--request-ref",
                    "人社经办〔2026〕1号", "--request-document", str(scan), "--reason", "首位审批员")
    assert "first approver of this installation" in printed
    grant = RoleGrant.objects.get(account_id="appr.first")
    assert grant.bootstrap and grant.region == REGION
    assert "[first approver, bootstrap]" in users("list")
    assert "bootstrap is closed" in refused("add", "appr.second", "--role", "approver", "--first-approver", "--actor",
                                            "admin.test", "--request-ref", "R", "--reason", "again")
    assert not StaffAccount.objects.filter(pk="appr.second").exists()  # all or nothing
    assert "--first-approver grants the role approver" in refused("add", "x.y", "--role", "clerk", "--first-approver",
                                                                 "--actor", "admin.test", "--request-ref", "R", "--reason", "r")
