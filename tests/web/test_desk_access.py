"""Who reaches which front-desk page: every URL name of web/rules_desk.py asked by every role and an anonymous
visitor, the expected outcome computed from the rule table (tests/permissions.py). The objects in the URLs
are real and chosen so that each admitted role also passes the page's own check (the clerk opened the
transaction, the maintainer opened a correction; reviewers and the supervisor hold their role in its
region), so what is tested here is the rule table itself."""

from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users.actors import actor_for
from sirecords.web.rules_desk import RULES
from sirecords.workflow import services

from ..permissions import Case, PageMatrix
from .test_desk_support import attach, open_person, pdf, signer, staff_in_region

pytestmark = pytest.mark.django_db

CREATOR = "opener.clerk"  # the matrix's own clerk is matrix.clerk (tests/permissions.py)


@pytest.fixture
def staff(make_staff):
    return signer(make_staff)


def own_correction(username: str):
    """A correction the maintainer `username` opened, with its evidence attached."""
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    person = post(Transaction("register_person", {"id_number": make_id_number("440305", date(1981, 1, 1), 5),
                                                  "name": "矩阵", "region": "440305"}, ctx))[0].payload["person"]
    maintainer = actor_for(username)
    txn = services.open_transaction(maintainer, "correction", {"target": "person", "uid": person, "method": "m",
                                                               "changes": {"name": "矩阵甲"}},
                                    region="440300", reason="matrix", channel="counter")
    services.attach(maintainer, txn, "evidence", pdf(), "evidence.pdf")
    return txn


def counter_query():
    """A counter query the matrix's query officer recorded (queries/services.py), of a registered person."""
    from sirecords.queries.services import record_query
    from sirecords.registry.models import Person

    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    person = post(Transaction("register_person", {"id_number": make_id_number("440305", date(1982, 2, 2), 6),
                                                  "name": "矩阵乙", "region": "440305"}, ctx))[0].payload["person"]
    return record_query(actor_for("matrix.query_officer"), Person.objects.get(uid=person), "self", identity_checked=True)


def transactions(callers) -> dict:
    """The clerk's draft registration with its ID card scan; for the maintainer, a correction of their own; the query
    officer's counter query."""
    creator = callers.client("clerk")
    txn = open_person(creator)
    assert attach(creator, txn, pdf()).status_code == 302
    return {"txn": txn, "maintainer": own_correction("matrix.maintainer"), "query": counter_query()}


def _txn(objects, who):
    return objects.get(who, objects["txn"])


def on_txn(objects, who) -> dict:
    return {"uid": _txn(objects, who).uid}


def on_document(objects, who) -> dict:
    txn = _txn(objects, who)
    return {"uid": txn.uid, "pk": txn.attachments.get().pk}


# How to ask each page (GET; an admitted role gets the page or, where the page only acts, a redirect).
PAGE, REDIRECT = frozenset({"200"}), frozenset({"redirect"})
CASES = {
    "desk_person_search": Case(admitted=PAGE),
    "desk_new": Case(admitted=PAGE),
    # a maintainer opens only the types a maintainer creates that have a desk form
    "desk_create": Case(kwargs=lambda objects, who: {
        "type_name": "correct_account_year" if who == "maintainer" else "register_person"}, admitted=PAGE),
    "desk_mine": Case(admitted=PAGE),
    "desk_queue": Case(admitted=PAGE),
    "desk_transaction": Case(kwargs=on_txn, admitted=PAGE),
    "desk_document": Case(kwargs=on_document, admitted=PAGE),
    "desk_attach": Case(kwargs=on_txn, admitted=REDIRECT),
    "desk_submit": Case(kwargs=on_txn, admitted=REDIRECT),
    "desk_amend": Case(kwargs=on_txn, admitted=PAGE),
    "desk_withdraw": Case(kwargs=on_txn, admitted=REDIRECT),
    "desk_review": Case(kwargs=on_txn, admitted=REDIRECT),
    "desk_query_new": Case(admitted=PAGE),
    "desk_query_answer": Case(kwargs=lambda objects, who: {"uid": objects["query"].uid}, admitted=PAGE),
    "desk_query_csv": Case(kwargs=lambda objects, who: {"uid": objects["query"].uid}, admitted=PAGE),
}

MATRIX = PageMatrix(RULES, CASES)
callers = MATRIX.fixture(setup=transactions)


@MATRIX.parametrize
def test_every_desk_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_the_rule_table_is_what_the_pages_need():
    """The table itself, spelled out: a change to it is deliberate."""
    for name in ("desk_person_search", "desk_mine", "desk_amend"):
        assert RULES[name] == {"clerk"}, name
    # maintainers open their desk-form corrections (correct_account_year) and follow their own corrections
    for name in ("desk_new", "desk_create", "desk_attach", "desk_submit", "desk_withdraw"):
        assert RULES[name] == {"clerk", "maintainer"}, name
    assert RULES["desk_queue"] == RULES["desk_review"] == {"reviewer1", "reviewer2", "reviewer3", "approver"}
    assert RULES["desk_transaction"] == RULES["desk_document"] == {"clerk", "maintainer", "reviewer1", "reviewer2",
                                                                    "reviewer3", "approver", "supervisor"}
    for name in ("desk_query_new", "desk_query_answer", "desk_query_csv"):  # counter queries (第十五条)
        assert RULES[name] == {"query_officer"}, name
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
