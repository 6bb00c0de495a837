"""第十一条, 第十二条: corrections and supplements by maintainers, reviewed, with a maintenance log that
shows time, before and after, reason, method and responsible people; the original entries stay."""

import io
import json
from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number, mask_id_number
from sirecords.demo.documents import scan
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.registry.maintenance_log import maintenance_log, write_csv
from sirecords.registry.models import Employment, Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow import services

from ..conftest import create_staff_account, fixture_sysadmin

pytestmark = pytest.mark.django_db
ID = make_id_number("440305", date(1975, 2, 3), 311)
NEW_ID = make_id_number("440305", date(1975, 2, 4), 311)


@pytest.fixture
def desk(post_txn):
    admin = fixture_sysadmin("admin.m")
    for name, role in [("maint.a", "maintainer"), ("rev.1", "reviewer1"), ("rev.2", "reviewer2"), ("rev.3", "reviewer3"),
                       ("appr.1", "approver")]:
        create_staff_account(admin, name, role)
    person = post_txn("register_person", {"id_number": ID, "name": "钱七", "region": "440305"})[0].payload["person"]
    employer = post_txn("register_employer", {"uscc": "91350100M000100Y43", "name": "某公司", "region": "440305"})[0]
    return {"person": person, "employer": employer.payload["employer"]}


def maintain(kind, payload, stages=("rev.1", "rev.2", "rev.3", "appr.1")):
    maintainer = actor_for("maint.a")
    txn = services.open_transaction(maintainer, kind, payload, region="440300", reason="参保人书面核查申请", channel="counter")
    services.attach(maintainer, txn, "evidence", scan("evidence"), "evidence.pdf")
    txn = services.submit(maintainer, txn)
    for reviewer in stages[: len(txn.stage_list)]:
        txn = services.review(actor_for(reviewer), txn, "approve", "同意")
    return txn


def test_a_correction_changes_the_record_keeps_the_original_and_is_logged(desk):
    original = Entry.objects.get(kind="person.registered").payload
    maintain("correction", {"target": "person", "uid": desk["person"], "method": "依据户籍证明更正",
                            "changes": {"name": "钱柒", "id_number": NEW_ID}})
    person = Person.objects.get()
    assert (person.name, person.id_number, person.birth_date) == ("钱柒", NEW_ID, date(1975, 2, 4))
    assert Entry.objects.get(kind="person.registered").payload == original
    [record] = list(maintenance_log())
    assert (record.kind, record.reason, record.method, record.responsible) == ("修正", "参保人书面核查申请", "依据户籍证明更正", "maint.a")
    assert record.reviewers == ["初审 rev.1", "审核 rev.2", "复核 rev.3", "审批 appr.1"]
    changes = {c.field: (c.before, c.after) for c in record.changes}
    assert changes["name"] == ("钱七", "钱柒")
    # Both numbers have the same mask (the address code); a tag of each one's keyed index shows that it changed.
    before, after = changes["id_number"]
    assert before.startswith(mask_id_number(ID) + " #") and after.startswith(mask_id_number(NEW_ID) + " #")
    assert before != after
    # The full birth date is never shown beside the mask: only the clear year-month.
    assert changes["birth_month"] == ("1975-02", "1975-02") and "birth_date" not in changes
    out = io.StringIO()
    assert write_csv(maintenance_log(), out) == 1
    text = out.getvalue()
    assert "钱七" in text and "钱柒" in text and "依据户籍证明更正" in text
    for secret in (ID, NEW_ID, "1975-02-03", "1975-02-04", "19750203", "19750204"):
        assert secret not in text
    assert verify(None).ok


def test_a_supplement_fills_only_what_is_missing(desk):
    maintain("supplement", {"target": "person", "uid": desk["person"], "method": "补录联系电话", "changes": {"phone": "13600000000"}})
    assert Person.objects.get().phone == "13600000000"
    with pytest.raises(InvalidTransaction, match="already has a value"):
        maintain("supplement", {"target": "person", "uid": desk["person"], "method": "x", "changes": {"phone": "13611111111"}})


def test_a_missing_employment_period_can_be_supplemented(desk):
    maintain("supplement", {"target": "employment", "method": "依据劳动合同补录",
                            "changes": {"person": desk["person"], "employer": desk["employer"], "start": "2001-03-01",
                                        "end": "2004-06-30"}})
    job = Employment.objects.get()
    assert (job.start, job.end) == (date(2001, 3, 1), date(2004, 6, 30))
    assert json.loads(Entry.objects.get(kind="supplement.applied").payload)["before"] == {}
    assert verify(None).ok


@pytest.mark.parametrize("payload, field", [
    ({"target": "person", "uid": "nobody", "method": "m", "changes": {"name": "x"}}, "uid"),
    ({"target": "person", "method": "m", "changes": {"sex": "F"}}, "changes.sex"),
    ({"target": "person", "method": "m", "changes": {"id_number": "123"}}, "changes.id_number"),
    ({"target": "person", "method": "", "changes": {"name": "x"}}, "method"),
    ({"target": "person", "method": "m", "changes": {"name": "钱七"}}, "changes.name"),
    ({"target": "account", "method": "m", "changes": {}}, "target"),
    ({"target": "person", "method": "m", "changes": {"name": "  "}}, "changes.name"),
    ({"target": "person", "method": "m", "changes": {"id_number": ""}}, "changes.id_number"),
])
def test_bad_corrections_are_refused_by_field(desk, payload, field):
    payload = {"uid": desk["person"], **payload}
    with pytest.raises(InvalidTransaction) as refused:
        maintain("correction", payload)
    assert field in refused.value.errors
