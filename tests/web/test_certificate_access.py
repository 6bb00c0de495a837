"""Who reaches which certificate page (web/rules_certificates.py): every role and an anonymous visitor, the expected
outcome computed from the rule table (tests/permissions.py). The counter query in the URL is real and recorded by the
matrix's query officer, so the admitted role also passes the page's own check. The portal page (PERSON_PAGE) is
tested with a person's session in tests/portal/test_my_certificates.py."""

from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users.actors import actor_for
from sirecords.web.rules_certificates import RULES

from ..certificates.conftest import agency_pki  # noqa: F401 (the agency PKI in the test home)
from ..permissions import Case, PageMatrix

pytestmark = pytest.mark.django_db

STAFF_AND_PUBLIC = {name: rule for name, rule in RULES.items() if name != "my_certificates"}


def objects(callers) -> dict:
    from sirecords.queries.services import record_query
    from sirecords.registry.models import Person

    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    person = post(Transaction("register_person", {"id_number": make_id_number("440305", date(1984, 4, 4), 8),
                                                  "name": "矩阵丁", "region": "440305"}, ctx))[0].payload["person"]
    query = record_query(actor_for("matrix.query_officer"), Person.objects.get(uid=person), "self", identity_checked=True)
    return {"query": query.uid}


PAGE = frozenset({"200"})
CASES = {
    "desk_query_certificate": Case(kwargs=lambda objects, who: {"uid": objects["query"]}, admitted=PAGE),
    # Anyone: an unknown code is the "no such certificate" page (404) for every caller alike.
    "certificate_verify": Case(kwargs={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, admitted=frozenset({"404"})),
    "certificate_check": Case(admitted=PAGE),
}

MATRIX = PageMatrix(STAFF_AND_PUBLIC, CASES)
callers = MATRIX.fixture(setup=objects)


@MATRIX.parametrize
def test_every_certificate_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_the_rule_table():
    from sirecords.portal.guard import PERSON_PAGE
    from sirecords.users.access import ANONYMOUS

    assert RULES["certificate_verify"] == RULES["certificate_check"] == ANONYMOUS
    assert RULES["desk_query_certificate"] == {"query_officer"}
    assert RULES["my_certificates"] == PERSON_PAGE
