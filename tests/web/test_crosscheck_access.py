"""Who reaches which cross-check page (web/rules_crosschecks.py): every URL name asked by every role and an anonymous
visitor, the expected outcome computed from the rule table (tests/permissions.py). The discrepancy in the URLs is real
(a death reported for a registered person), so each admitted role also passes the page's own checks."""

from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.services import receive
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users.actors import actor_for
from sirecords.web.rules_crosschecks import RULES

from ..permissions import Case, PageMatrix

pytestmark = pytest.mark.django_db

NUMBER = make_id_number("440305", date(1960, 5, 5), 11)


def discrepancies(callers) -> dict:
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    post(Transaction("register_person", {"id_number": NUMBER, "name": "矩阵丁", "region": "440305"}, ctx))
    data = f"id_number,name,event,event_on,source,reference\n{NUMBER},矩阵丁,died,2024-03-01,health,WJ-1\n".encode()
    receive(actor_for("matrix.clerk"), "person_events", data, file_name="m.csv", reason="矩阵", channel="cli")
    return {"id": Discrepancy.objects.get().id}


def on_it(objects, who):
    return {"id": objects["id"]}


PAGE = frozenset({"200"})
CASES = {
    "desk_crosschecks": Case(admitted=PAGE),
    "desk_crosscheck": Case(kwargs=on_it, admitted=PAGE),
    # an empty form: the admitted clerk gets it back (400), nothing opened
    "desk_crosscheck_settle": Case(kwargs=on_it, methods=("post",), data={}, admitted=frozenset({"400"})),
    "desk_crosscheck_assign": Case(kwargs=on_it, methods=("post",), data={}, admitted=frozenset({"400"})),
}

MATRIX = PageMatrix(RULES, CASES)
callers = MATRIX.fixture(setup=discrepancies)


@MATRIX.parametrize
def test_every_cross_check_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_no_administrator_reaches_the_queue():
    """第二十六条: the information agency's administrators do not handle records."""
    for name, rule in RULES.items():
        assert not (rule & {"sysadmin", "dba"}), name
