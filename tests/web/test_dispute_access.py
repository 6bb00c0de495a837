"""Who reaches which staff dispute page (web/rules_disputes.py, 第十六条): every desk URL name asked by every role and
an anonymous visitor, the expected outcome computed from the rule table (tests/permissions.py). The case in the URLs
is real (a registration dispute filed by the person online), so each admitted role also passes the page's own
checks. The portal's dispute pages: tests/web/test_disputes_pages.py and test_no_store.py."""

import pytest

from sirecords.disputes import services
from sirecords.ledger.context import WriteContext
from sirecords.portal.services import holder
from sirecords.transactions.posting import Transaction, post
from sirecords.web.rules_disputes import RULES

from ..permissions import Case, PageMatrix
from ..portal.conftest import ID_NUMBER

pytestmark = pytest.mark.django_db

DESK_RULES = {name: rule for name, rule in RULES.items() if name.startswith("desk_")}


def cases(callers) -> dict:
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    person = post(Transaction("register_person", {"id_number": ID_NUMBER, "name": "矩阵戊", "region": "440300"},
                              ctx))[0].payload["person"]
    from sirecords.demo.documents import scan

    case = services.file(holder(f"person:{person}"), person=person, item="registration", claim="姓名有误", channel="web",
                         scans=(services.Document("evidence", scan("evidence"), "evidence.pdf"),))
    return {"uid": case.uid, "sha256": services.as_json(case)["evidence"][0]["sha256"]}


def on_it(objects, who):
    return {"uid": objects["uid"]}


PAGE = frozenset({"200"})
CASES = {
    "desk_disputes": Case(admitted=PAGE),
    "desk_disputes_overdue": Case(admitted=PAGE),
    "desk_dispute": Case(kwargs=on_it, admitted=PAGE),
    "desk_dispute_new": Case(admitted=PAGE),
    "desk_dispute_scan": Case(kwargs=lambda objects, who: {"uid": objects["uid"], "sha256": objects["sha256"]},
                              admitted=PAGE),
    # the first admitted caller takes up the re-examination; the next ones are told it is no longer received (400)
    "desk_dispute_examine": Case(kwargs=on_it, methods=("post",), admitted=frozenset({"redirect", "400"})),
    # empty forms: the admitted caller gets the page back (400), nothing decided
    "desk_dispute_refuse": Case(kwargs=on_it, methods=("post",), data={}, admitted=frozenset({"400"})),
    "desk_dispute_refer": Case(kwargs=on_it, methods=("post",), data={}, admitted=frozenset({"400"})),
    "desk_dispute_correct": Case(kwargs=on_it, methods=("post",), data={}, admitted=frozenset({"400"})),
}

MATRIX = PageMatrix(DESK_RULES, CASES)
callers = MATRIX.fixture(setup=cases)


@MATRIX.parametrize
def test_every_dispute_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_no_administrator_reaches_a_dispute():
    """第二十六条: the information agency's administrators do not handle records."""
    for name, rule in RULES.items():
        assert not (isinstance(rule, frozenset) and rule & {"sysadmin", "dba"}), name
