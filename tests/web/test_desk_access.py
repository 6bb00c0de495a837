"""Who reaches which front-desk page: every URL name of web/rules_desk.py × every role (and an anonymous
visitor), expected outcome computed from the rule table. The objects in the URLs are real and chosen so
that each admitted role also passes the page's own check (the clerk opened the transaction, the maintainer
opened a correction; reviewers and the supervisor hold their role in its region), so what is tested here is
the rule table itself."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from sirecords.core.identifiers import make_id_number
from sirecords.users.access import permits
from sirecords.users.actors import actor_for
from sirecords.users.roles import ROLES
from sirecords.web.rules_desk import RULES
from sirecords.workflow import services

from .test_desk_support import attach, open_person, pdf, signer, staff_in_region

pytestmark = pytest.mark.django_db

CREATOR = "matrix.clerk"


@pytest.fixture
def staff(make_staff):
    return signer(make_staff)


def kwargs_for(name: str, txn) -> dict:
    if name == "desk_create":
        return {"type_name": "register_person"}
    if name == "desk_document":
        return {"uid": txn.uid, "pk": txn.attachments.get().pk}
    if name.startswith("desk_") and name not in ("desk_person_search", "desk_new", "desk_mine", "desk_queue"):
        return {"uid": txn.uid}
    return {}


def outcome(response) -> str:
    location = response.get("Location", "")
    if response.status_code == 200 or (response.status_code == 302 and not location.startswith("/login/")):
        return "allowed"
    if response.status_code == 302 and location.startswith("/login/"):
        return "to login"
    if response.status_code == 403:
        return "refused"
    return f"status {response.status_code}"


def own_correction(username: str, post_txn):
    """A correction the maintainer `username` opened, with its evidence attached."""
    person = post_txn("register_person", {"id_number": make_id_number("440305", date(1981, 1, 1), 5), "name": "矩阵",
                                          "region": "440305"})[0].payload["person"]
    maintainer = actor_for(username)
    txn = services.open_transaction(maintainer, "correction", {"target": "person", "uid": person, "method": "m",
                                                               "changes": {"name": "矩阵甲"}},
                                    region="440300", reason="matrix", channel="counter")
    services.attach(maintainer, txn, "evidence", pdf(), "evidence.pdf")
    return txn


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_every_desk_page_admits_exactly_the_roles_of_its_rule(role, staff, post_txn):
    creator = staff(CREATOR, "clerk")
    txn = open_person(creator)
    assert attach(creator, txn, pdf()).status_code == 302
    if role is None:
        client = Client()
    elif role == "clerk":
        client = creator
    else:
        client = staff(f"matrix.{role}", role)
    if role == "maintainer":
        txn = own_correction(f"matrix.{role}", post_txn)
    wrong = []
    for name, rule in sorted(RULES.items()):
        url = reverse(name, kwargs=kwargs_for(name, txn))
        expected = ("allowed" if permits(rule, {role}) else "refused") if role else "to login"
        got = outcome(client.get(url))
        if got != expected:
            wrong.append(f"{name} {url}: expected {expected}, got {got}")
    assert wrong == [], f"role {role or 'anonymous'}:\n" + "\n".join(wrong)


def test_the_rule_table_is_what_the_pages_need():
    """The table itself, spelled out: a change to it is deliberate."""
    for name in ("desk_person_search", "desk_new", "desk_create", "desk_mine", "desk_amend"):
        assert RULES[name] == {"clerk"}, name
    for name in ("desk_attach", "desk_submit", "desk_withdraw"):  # maintainers follow their own corrections
        assert RULES[name] == {"clerk", "maintainer"}, name
    assert RULES["desk_queue"] == RULES["desk_review"] == {"reviewer1", "reviewer2", "reviewer3", "approver"}
    assert RULES["desk_transaction"] == RULES["desk_document"] == {"clerk", "maintainer", "reviewer1", "reviewer2",
                                                                    "reviewer3", "approver", "supervisor"}
    for name, rule in RULES.items():
        assert not (rule & {"sysadmin", "dba"}), f"{name} admits an administrator (第二十六条)"


def test_a_clerk_who_did_not_open_the_transaction_is_refused_its_pages(staff):
    creator = staff(CREATOR, "clerk")
    txn = open_person(creator)
    attach(creator, txn, pdf())
    other = staff("other.clerk", "clerk")
    document = txn.attachments.get().pk
    for url in (f"/desk/t/{txn.uid}/", f"/desk/t/{txn.uid}/documents/{document}/", f"/desk/t/{txn.uid}/amend/"):
        page = other.get(url)
        assert page.status_code == 403 and b"Only the clerk who opened this transaction" in page.content, url
    for url in ("attach", "submit", "withdraw"):
        assert other.post(f"/desk/t/{txn.uid}/{url}/", {"reason": "x"}).status_code == 403
    txn.refresh_from_db()
    assert txn.state == "draft" and txn.actions.count() == 2  # created, attached: nothing else happened


def test_a_supervisor_of_another_region_sees_nothing(staff):
    creator = staff(CREATOR, "clerk")
    txn = open_person(creator)
    assert staff_in_region("super.bj", "supervisor", "110100").get(f"/desk/t/{txn.uid}/").status_code == 403
    assert staff("super.sz", "supervisor").get(f"/desk/t/{txn.uid}/").status_code == 200
