"""Who may reach the maintainers', sysadmins' and supervisors' pages: every URL name of web/rules_admin.py
against every role and an anonymous visitor, the expectation derived from the rule table itself."""

import pytest
from django.urls import reverse

from sirecords.users import services as accounts
from sirecords.users.access import permits
from sirecords.users.actors import operator
from sirecords.users.models import ApiToken
from sirecords.users.roles import ROLES
from sirecords.web.rules_admin import RULES

from .test_admin_helpers import REGION, register_employer, register_person, start_employment

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(post_txn):
    """Real objects for every URL keyword: a person, an employer, a period, a service account and its token."""
    person = register_person(post_txn)
    employer = register_employer(post_txn)
    period = start_employment(post_txn, person, employer)
    admin = operator("matrix")
    accounts.create_account(admin, "svc.matrix", "接口账号", region=REGION, reason="matrix", channel="cli", kind="service")
    accounts.issue_token(admin, "svc.matrix", "matrix", "persons:read", days=30, reason="matrix", channel="cli")
    token = ApiToken.objects.get(account_id="svc.matrix").uid
    by_name = {"maint_person": person, "maint_add_employment": person, "maint_employer": employer, "maint_employment": period,
               "sysadmin_token_revoke": token}
    return {name: _kwargs(name, by_name) for name in RULES}


def _kwargs(name: str, by_name: dict) -> dict:
    if name in by_name:
        return {"uid": by_name[name]}
    if name.startswith("sysadmin_") and name not in ("sysadmin_accounts", "sysadmin_account_new", "sysadmin_tokens"):
        return {"username": "svc.matrix"}
    return {}


@pytest.mark.parametrize("role", [None, *ROLES])
def test_permission_matrix(role, client, signed_in, objects):
    if role is not None:
        signed_in(f"matrix.{role}", role)
    wrong = []
    for name, rule in sorted(RULES.items()):
        url = reverse(name, kwargs=objects[name])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if role is None:
                ok = response.status_code == 302 and response["Location"].startswith("/login/?next=")
            elif permits(rule, {role}):
                # An empty form is answered with its errors (400), an empty search with all records (302 to the
                # listing), a read-only page refuses the method (405): none of them is a refusal of the person.
                ok = response.status_code == 200 if method == "get" else (
                    response.status_code in (400, 405) or response.status_code == 302 and
                    not response["Location"].startswith("/login/"))
            else:
                ok = response.status_code == 403 and "This page needs one of these roles" in response.content.decode()
            if not ok:
                wrong.append(f"{method.upper()} {name} ({url}) as {role or 'anonymous'}: {response.status_code}")
    assert wrong == []


def test_every_admin_rule_names_one_role_set():
    assert RULES, "no pages?"
    for name, rule in RULES.items():
        assert isinstance(rule, frozenset) and rule <= set(ROLES), name
