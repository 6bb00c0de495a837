"""Original documents (第六条) for a death, a suspension and a resumption: a death needs any one of a medical
certificate of death, a cremation certificate or a household deregistration; a suspension and a resumption
their grounds. Submitting without them is refused, naming what is missing."""

from __future__ import annotations

import pytest

from sirecords.transactions.posting import InvalidTransaction, transaction_type_named
from sirecords.workflow import services
from sirecords.workflow.models import State

RETIRE = {"category": "male", "retirement_month": "2024-06", "flexible": False}


@pytest.fixture
def retiree(person_with_months, post_fresh):
    person = person_with_months(200)
    post_fresh("approve_retirement", {"person": person, **RETIRE})
    return person


def _open(clerk, kind, payload):
    return services.open_transaction(clerk, kind, payload, region="440300", reason="窗口受理", channel="counter")


def test_the_death_needs_any_one_of_three_documents(retiree, staff, pdf):
    kind = transaction_type_named("record_death")
    assert kind.requirements == (("death_medical_certificate", "cremation_certificate", "household_deregistration"),)
    assert kind.missing_documents(["id_card"]) == list(kind.requirements)
    assert kind.missing_documents(["household_deregistration"]) == []
    clerk = staff("clerk.death", "clerk")
    txn = _open(clerk, "record_death", {"person": retiree, "date": "2024-09-10"})
    with pytest.raises(InvalidTransaction) as refused:
        services.submit(clerk, txn)
    assert refused.value.errors["documents"] == (
        "the original documents are missing: 死亡医学证明 (death_medical_certificate) or 火化证明 (cremation_certificate) "
        "or 户籍注销证明 (household_deregistration) (第六条)")
    with pytest.raises(InvalidTransaction, match="takes"):
        services.attach(clerk, txn, "suspension_basis", pdf, "x.pdf")
    services.attach(clerk, txn, "cremation_certificate", pdf, "火化证明.pdf")  # one of the three suffices
    assert services.submit(clerk, txn).state == State.SUBMITTED


@pytest.mark.parametrize(("kind", "document"), [("suspend_benefit", "suspension_basis")])
def test_a_suspension_needs_its_grounds(retiree, staff, pdf, kind, document):
    clerk = staff("clerk.suspend", "clerk")
    txn = _open(clerk, kind, {"person": retiree, "reason": "未按时完成资格认证"})
    with pytest.raises(InvalidTransaction, match=f"\\({document}\\)"):
        services.submit(clerk, txn)
    services.attach(clerk, txn, document, pdf, "依据.pdf")
    assert services.submit(clerk, txn).state == State.SUBMITTED


def test_a_resumption_needs_its_grounds(retiree, staff, pdf, post_fresh):
    post_fresh("suspend_benefit", {"person": retiree, "reason": "未按时完成资格认证"})
    clerk = staff("clerk.resume", "clerk")
    txn = _open(clerk, "resume_benefit", {"person": retiree, "reason": "已完成资格认证"})
    with pytest.raises(InvalidTransaction, match=r"\(resumption_basis\)"):
        services.submit(clerk, txn)
    services.attach(clerk, txn, "resumption_basis", pdf, "认证.pdf")
    assert services.submit(clerk, txn).state == State.SUBMITTED
