"""第二十六条, 第二十八条(二): administrators never hold business or query roles; every grant is a ledger entry;
external maintainers act only under an unexpired confidentiality agreement (第十一条)."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for
from sirecords.users.models import RoleGrant
from sirecords.users.roles import ADMIN_ROLES, BUSINESS_ROLES, QUERY_ROLES, conflict
from sirecords.workflow import services

from ..conftest import create_staff_account, issue_approved_token, test_approver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("other", sorted(BUSINESS_ROLES | QUERY_ROLES | {"supervisor"}))
def test_conflict_both_ways(admin, other):
    assert "第二十六条" in conflict({admin}, other)
    assert "第二十六条" in conflict({other}, admin)
    assert conflict({"sysadmin"}, "dba") is None and conflict({"clerk"}, "reviewer1") is None


def test_a_refused_grant_changes_nothing_and_says_why(staff):
    staff("ops.a", "sysadmin")
    before = Entry.objects.count()
    with pytest.raises(InvalidTransaction, match="never hold business, query or supervisory roles"):
        staff_accounts.grant(staff.admin, "ops.a", "clerk", region="440300", reason="t", channel="web")
    assert Entry.objects.count() == before
    assert set(RoleGrant.objects.filter(account_id="ops.a").values_list("role", flat=True)) == {"sysadmin"}


def test_every_grant_and_revocation_is_a_ledger_entry_with_actor_and_reason(staff):
    staff("clerk.g", "clerk")
    txn = staff_accounts.grant(staff.admin, "clerk.g", "reviewer1", region="440300", reason="岗位调整", channel="web",
                               request_ref="人社经办〔2026〕7号")
    services.review(test_approver(staff.admin), txn, "approve", "同意")
    staff_accounts.revoke(staff.admin, "clerk.g", "clerk", region=None, reason="离岗", channel="web")
    granted = Entry.objects.filter(kind="role.granted", subject="user:clerk.g").order_by("seq").last()
    revoked = Entry.objects.get(kind="role.revoked", subject="user:clerk.g")
    assert (granted.actor, granted.reason, json.loads(granted.payload)["role"]) == ("admin.t", "岗位调整", "reviewer1")
    assert json.loads(granted.payload)["request_ref"] == "人社经办〔2026〕7号"
    assert (revoked.actor, revoked.reason) == ("admin.t", "离岗")
    assert actor_for("clerk.g").roles == {"reviewer1"}


def test_only_sysadmins_administer_users(staff):
    clerk = staff("clerk.h", "clerk")
    with pytest.raises(services.Refused, match="needs the role sysadmin"):
        staff_accounts.grant(clerk, "clerk.h", "approver", region="440300", reason="t", channel="web", request_ref="R")


def test_verify_reports_an_admin_with_a_business_role_that_got_in_behind_the_rules(staff):
    staff("ops.b", "sysadmin")
    staff("clerk.i", "clerk")
    grant = RoleGrant.objects.get(account_id="clerk.i")
    with connection.cursor() as cursor:  # as if someone wrote the table directly
        cursor.execute("UPDATE users_role_grant SET username = %s WHERE uid = %s", ["ops.b", grant.uid])
    findings = [f"[{f.check}] {f.where}: {f.message}" for f in verify(None).findings]
    assert "[roles] users_account pk=ops.b: holds sysadmin together with clerk (第二十六条, 第二十八条(二))" in findings


def test_external_maintainer_needs_an_unexpired_agreement(staff):
    external = staff("ext.m", "maintainer", organisation="某信息技术公司")
    assert external.blocked() and not external.has("maintainer", "440300")
    with pytest.raises(services.Refused, match="confidentiality agreement"):
        services.open_transaction(external, "correction", {}, region="440300", reason="r", channel="counter")
    services.execute(staff.admin, "record_agreement", {"username": "ext.m", "organisation": "某信息技术公司",
                                                       "signed_on": "2020-01-01", "expires_on": "2021-01-01"},
                     region="440300", reason="旧协议", channel="web")
    assert actor_for("ext.m").blocked()  # expired
    services.execute(staff.admin, "record_agreement", {"username": "ext.m", "organisation": "某信息技术公司",
                                                       "signed_on": "2026-01-01", "expires_on": "2099-12-31"},
                     region="440300", reason="续签", channel="web")
    assert actor_for("ext.m").has("maintainer", "440300")


def test_tokens_are_kept_as_hashes_only(staff):
    create_staff_account(staff.admin, "svc.terminal", "clerk", kind="service")
    token = issue_approved_token(staff.admin, "svc.terminal", "persons:read", label="一号终端")
    with connection.cursor() as cursor:
        for table in ("ledger_entry", "users_api_token", "workflow_transaction"):
            cursor.execute(f"SELECT * FROM {table}")
            assert token not in repr(cursor.fetchall())
    with pytest.raises(InvalidTransaction, match="only for service accounts"):
        staff_accounts.issue_token(staff.admin, "admin.t", "x", "persons:read", days=30, reason="t", channel="web",
                                   request_ref="R")


@pytest.mark.engine_independent
def test_users_command_line(tmp_path):
    """`sirecords users` on a fresh installation: the shell alone creates the first sysadmin, and nothing that reaches
    personal data (no password printed); the first approver is the recorded bootstrap; a business role is created only
    with the acting sysadmin and the agency's request, and awaits the approver; a refused combination exits 1."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SIRECORDS_HOME"] = str(tmp_path)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("init").returncode == 0
    added = run("users", "add", "root.admin", "--role", "sysadmin", "--reason", "first sysadmin")
    assert added.returncode == 0 and "initial password:" in added.stdout
    alone = run("users", "add", "query.q", "--role", "query_officer", "--reason", "walk-in counter")
    assert alone.returncode == 1 and "--actor" in alone.stderr and "password" not in alone.stdout
    first = run("users", "add", "appr.first", "--role", "approver", "--first-approver", "--actor", "root.admin",
                "--request-ref", "人社经办〔2026〕1号", "--reason", "the installation's first approver")
    assert first.returncode == 0 and "first approver" in first.stdout, first.stderr
    query = run("users", "add", "query.q", "--role", "query_officer", "--actor", "root.admin", "--request-ref",
                "人社经办〔2026〕2号", "--reason", "new counter staff")
    assert query.returncode == 0 and "awaits a business-side approver" in query.stdout and "initial password:" in query.stdout
    refused = run("users", "grant", "root.admin", "clerk", "--actor", "root.admin", "--request-ref", "R", "--reason", "try")
    assert refused.returncode == 1 and "第二十六条" in refused.stderr
    listed = run("users", "list").stdout
    assert "root.admin: sysadmin@440300" in listed and "appr.first: approver@440300 [first approver, bootstrap]" in listed
    assert "query.q: (no roles)" in listed and "awaiting approval: query.q: query_officer@440300" in listed
