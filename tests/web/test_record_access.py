"""Who may reach the person's record pages and the pages every signed-in staff member has: every URL name of
web/rules_record.py and the staff pages of web/rules.py, against every role and an anonymous visitor."""

import pytest

from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.web.rules import CORE_RULES
from sirecords.web.rules_record import RULES as RECORD_RULES

from ..permissions import Case, PageMatrix
from .test_admin_helpers import register_person

pytestmark = pytest.mark.django_db

RULES = {**RECORD_RULES, **{name: CORE_RULES[name] for name in ("home", "password_change")}}


def objects(callers) -> dict:
    person = register_person(lambda kind, payload: post(Transaction(
        kind, payload, WriteContext(actor="clerk.test", reason="test registration", channel="counter",
                                    region="440300"))))
    return {"person": person}


CASES = {
    # The search page is a form: an empty POST shows it again with the field's error (200), never a refusal.
    "record_search": Case(methods=("get", "post"), admitted=frozenset({"200"})),
    "record_person": Case(kwargs=lambda objects, who: {"uid": objects["person"]}, admitted=frozenset({"200"})),
    "home": Case(admitted=frozenset({"200"})),
    "password_change": Case(admitted=frozenset({"200"})),
}

MATRIX = PageMatrix(RULES, CASES)
callers = MATRIX.fixture(setup=objects)


@MATRIX.parametrize
def test_permission_matrix(name, callers):
    MATRIX.check(name, callers)
