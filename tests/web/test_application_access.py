"""Who reaches which written-application page (web/rules_applications.py): every URL name asked by every role and
an anonymous visitor, the expected outcome computed from the rule table (tests/permissions.py). The applications in
the URLs are real (one approved, one refused, one awaiting review, in the matrix's region), so each admitted role
also passes the page's own checks."""

from datetime import date

import pytest

from sirecords.applications import services
from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users.actors import actor_for
from sirecords.web.rules_applications import RULES
from sirecords.workflow.services import review

from ..certificates.conftest import agency_pki  # noqa: F401 (the agency PKI: the answer as a signed PDF)
from ..permissions import Case, PageMatrix

pytestmark = pytest.mark.django_db

NUMBER = make_id_number("440305", date(1983, 3, 3), 7)


def register(purpose: str):
    return services.register(
        actor_for("matrix.query_officer"), region="440300", applicant_kind="unit", organisation="矩阵银行",
        contact="联系人 0755-1", purpose=purpose, legal_basis="法律依据", persons=[NUMBER], items=["contributions"],
        months=("2024-01", "2024-12"), agreed_use="仅用于审查", credentials=scan("credentials"), credentials_name="c.pdf")


def applications(callers) -> dict:
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region="440300")
    person = post(Transaction("register_person", {"id_number": NUMBER, "name": "矩阵丙", "region": "440305"}, ctx))[0]
    approved = register("矩阵查询一")
    for who in ("matrix.reviewer1", "matrix.approver"):
        approved = review(actor_for(who), approved, "approve", "ok")
    refused = services.refuse(actor_for("matrix.reviewer1"), services.application(register("矩阵查询二").uid), "无法律依据")
    return {"approved": approved.uid, "refused": refused.uid, "pending": register("矩阵查询三").uid,
            "person": person.payload["person"]}


def on(key):
    return lambda objects, who: {"uid": objects[key]}


PAGE = frozenset({"200"})
CASES = {
    "desk_applications": Case(admitted=PAGE),
    "desk_application_new": Case(admitted=PAGE),
    "desk_application": Case(kwargs=on("pending"), admitted=PAGE),
    # an empty reason: the admitted reviewer gets the form back (400), nothing is refused
    "desk_application_refuse": Case(kwargs=on("pending"), methods=("post",), data={}, admitted=frozenset({"400"})),
    "desk_application_answer": Case(kwargs=on("approved"), admitted=PAGE),
    # The answer about one person as a signed PDF (a POST: each one is issued).
    "desk_application_answer_pdf": Case(kwargs=lambda objects, who: {"uid": objects["approved"], "person_uid": objects["person"]},
                                        methods=("post",), data={}, admitted=PAGE),
    "desk_application_refusal": Case(kwargs=on("refused"), admitted=PAGE),
    "desk_recipients": Case(admitted=PAGE),
}

MATRIX = PageMatrix(RULES, CASES)
callers = MATRIX.fixture(setup=applications)


@MATRIX.parametrize
def test_every_application_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_the_rule_table_is_what_the_regulation_needs():
    """Spelled out: the query officer registers and answers; reviewers refuse; no administrator (第二十六条)."""
    assert RULES["desk_application_new"] == RULES["desk_application_answer"] == {"query_officer"}
    assert RULES["desk_application_refuse"] == {"reviewer1", "reviewer2", "reviewer3", "approver"}
    assert RULES["desk_recipients"] == {"supervisor", "query_officer"}
    for name, rule in RULES.items():
        assert not (rule & {"sysadmin", "dba", "clerk"}), name
