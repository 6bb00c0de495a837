"""Who may reach the maintainers', sysadmins' and supervisors' pages: every URL name of web/rules_admin.py
against every role and an anonymous visitor, the expectation derived from the rule table itself."""

import pytest

from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users.models import ApiToken
from sirecords.users.roles import ROLES
from sirecords.web.rules_admin import RULES

from ..conftest import create_staff_account, issue_approved_token, test_admin
from ..permissions import Case, PageMatrix
from .test_admin_helpers import REGION, register_employer, register_person, start_employment

pytestmark = pytest.mark.django_db


def objects(callers) -> dict:
    """Real objects for every URL keyword: a person, an employer, a period, a staff and a service account, a token."""

    def post_txn(kind: str, payload: dict):
        return post(Transaction(kind, payload, WriteContext(actor="clerk.test", reason="test registration", channel="counter",
                                                       region=REGION)))

    person = register_person(post_txn)
    employer = register_employer(post_txn)
    period = start_employment(post_txn, person, employer)
    admin = test_admin()
    create_staff_account(admin, "svc.matrix", kind="service", reason="matrix")
    issue_approved_token(admin, "svc.matrix", "persons:read", label="matrix")
    create_staff_account(admin, "staff.matrix", reason="matrix")
    from sirecords.users import services as staff_accounts

    awaiting = staff_accounts.grant(admin, "staff.matrix", "clerk", region=REGION, reason="matrix", channel="cli",
                                    request_ref="MATRIX")
    token = ApiToken.objects.get(account_id="svc.matrix").uid
    return {"person": person, "employer": employer, "period": period, "token": token, "request": awaiting.uid}


def uid(kind: str):
    return lambda objects, who: {"uid": objects[kind]}


ACCOUNT = {"username": "svc.matrix"}
# Each page is asked with GET and with an empty POST. An admitted role gets the page (200); the empty POST is
# answered with the form's errors (400), by going to the listing (302, an empty search), or the read-only
# page refuses the method (405): none of them is a refusal of the person.
FORM, SEARCH, READ_ONLY = "400", "redirect", "405"


def page(post: str, **kwargs) -> Case:
    return Case(methods=("get", "post"), admitted={"get": frozenset({"200"}), "post": frozenset({post})}, **kwargs)


CASES = {
    "maint_home": page(FORM),
    "maint_person": page(FORM, kwargs=uid("person")),
    "maint_employer": page(FORM, kwargs=uid("employer")),
    "maint_employment": page(FORM, kwargs=uid("period")),
    "maint_add_employment": page(FORM, kwargs=uid("person")),
    "sysadmin_accounts": page(READ_ONLY),
    "sysadmin_account_new": page(FORM),
    "sysadmin_account": page(READ_ONLY, kwargs=ACCOUNT),
    "sysadmin_grant": page(FORM, kwargs=ACCOUNT),
    "sysadmin_revoke": page(FORM, kwargs=ACCOUNT),
    "sysadmin_agreement": page(FORM, kwargs=ACCOUNT),
    "sysadmin_deactivate": page(FORM, kwargs=ACCOUNT),
    "sysadmin_token_new": page(FORM, kwargs=ACCOUNT),
    "sysadmin_reset_authenticator": page(FORM, kwargs={"username": "staff.matrix"}),
    "sysadmin_withdraw_request": page(FORM, kwargs=uid("request")),
    "sysadmin_tokens": page(READ_ONLY),
    "sysadmin_token_revoke": page(FORM, kwargs=uid("token")),
    "supervise_access_log": page(SEARCH),
    "supervise_maintenance_log": page(SEARCH),
    "supervise_maintenance_csv": page(READ_ONLY),
    "supervise_integrity": page(READ_ONLY),
}

MATRIX = PageMatrix(RULES, CASES)
callers = MATRIX.fixture(setup=objects)


@MATRIX.parametrize
def test_permission_matrix(name, callers):
    MATRIX.check(name, callers)


def test_every_admin_rule_names_one_role_set():
    assert RULES, "no pages?"
    for name, rule in RULES.items():
        assert isinstance(rule, frozenset) and rule <= set(ROLES), name
