"""The pension certificate and the written answer to an employer, for a retiree (tests/queries/test_benefit_scope.py's):
the employer's answer holds nothing of benefits or the account (第十五条第三款)."""

from __future__ import annotations

import pytest

from sirecords.certificates.documents import build_document
from sirecords.certificates.render import render
from sirecords.queries.scopes import OutOfScope, Requester

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401 (fixtures the retiree needs)
from ..queries.test_benefit_scope import retiree  # noqa: F401 (fixture)
from .conftest import needs_poppler, pdf_text


def own(person):
    return Requester("self", person_uid=person.uid)


@needs_poppler
def test_pension_certificate(retiree, tmp_path):  # noqa: F811 (the fixture imported above)
    from sirecords.benefits.models import Award
    from sirecords.core.money import fen_to_yuan

    person, _employer = retiree
    document = build_document("pension", person, own(person))
    text = pdf_text(render(document), tmp_path)
    assert "养老金领取证明" in text and person.masked_id_number in text
    assert fen_to_yuan(Award.objects.get(person_id=person.uid).total_fen) in text


@needs_poppler
def test_query_result_for_an_employer_holds_nothing_of_benefits(retiree, tmp_path):  # noqa: F811
    """The written answer to an employer: contributions of its employment only; no pension, no account figure."""
    from sirecords.benefits.models import Award
    from sirecords.core.money import fen_to_yuan

    person, employer = retiree
    document = build_document("query_result", person, Requester("employer", employer_uid=employer.uid))
    text = pdf_text(render(document), tmp_path)
    assert "书面查询结果" in text and person.masked_id_number in text
    assert fen_to_yuan(Award.objects.get(person_id=person.uid).total_fen) not in text
    assert "养老金 Pension" not in text and "个人账户 Individual account" not in text
    assert "未包含项目" in text
    with pytest.raises(OutOfScope):
        build_document("pension", person, Requester("employer", employer_uid=employer.uid))
    with pytest.raises(OutOfScope):
        build_document("statement", person, Requester("employer", employer_uid=employer.uid), year=2024)



def test_a_self_requester_gets_only_their_own(retiree):  # noqa: F811
    person, _employer = retiree
    with pytest.raises(OutOfScope):
        build_document("pension", person, Requester("self", person_uid="someone-else"))




def test_a_retiree_issues_their_pension_certificate_and_an_employer_may_not(retiree, staff):  # noqa: F811
    """Issued (certificates.issuing) by the retiree themself: signed and valid; at the counter for their employer:
    out of scope (第十五条第三款), nothing posted."""
    from sirecords.certificates.issuing import issue_document
    from sirecords.certificates.verify import verify_pdf
    from sirecords.ledger.models import Entry

    person, employer = retiree
    issued = issue_document(person, person, "pension", requester=own(person), purpose="self: 养老金领取证明",
                            channel="portal")
    verdict = verify_pdf(issued.pdf, trust_root_pem=None, database=True)
    assert verdict.valid and verdict.kind == "pension", verdict.problems
    with pytest.raises(OutOfScope):
        issue_document(staff("pen.officer", "query_officer"), person, "pension",
                       requester=Requester("employer", employer_uid=employer.uid), purpose="counter: employer asks",
                       channel="counter")
    assert Entry.objects.filter(kind="certificate.issued").count() == 1
