"""tax_paid (the collector's report) against the record's contributions for the months it covers: a missing, an extra
and a different row each queued once per person and month with its insurance types and both sides' amounts; a unit
the record does not hold or that does not employ the person said so; an unregistered number queued masked; rows
outside the covered months refused with their line; the vectorised reading gives what the row path gives."""

from __future__ import annotations

import json

import pytest

from sirecords.core.identifiers import make_uscc, mask_id_number
from sirecords.crosschecks import fastread, feeds
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.queue import listing
from sirecords.crosschecks.services import receive
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import feed
from .test_person_events import STRANGER, findings, world  # noqa: F401

TAX = "id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference"
FLEXIBLE = "1875.00"  # what person_with_months pays a month, all of it as a flexible worker: 1,125.00 + 750.00


def paid(person_or_number, amount: str = FLEXIBLE, *, uscc: str = "", kind: str = "pension", period: str = "2024-05",
         employer: str = "0.00", reference: str = "SW-1") -> str:
    number = getattr(person_or_number, "id_number", person_or_number)
    return f"{number},{uscc},{period},{kind},{employer},{amount},{period}-15,{reference}"


def detail(kind: str, person) -> dict:
    return json.loads(Discrepancy.objects.get(kind=kind, subject=f"person:{person.uid}").detail)


def test_the_collectors_report_against_the_record(world, post_txn):  # noqa: F811
    one, two, worker, clerk = world["one"], world["two"], world["worker"], world["clerk"]
    three = Person.objects.get(uid=world["three"])
    unit = make_uscc("9", "1", "440300", "MA5G0PXL")
    post_txn("register_employer", {"uscc": unit, "name": "示例科技有限公司", "region": "440305"})
    nowhere = make_uscc("9", "1", "440300", "MA5G0QQQ")
    data = feed(TAX, paid(worker), paid(worker, "320.00", kind="medical"), paid(one, "1800.00"), paid(three),
                paid(one, "500.00", uscc=unit, kind="unemployment", employer="700.00"),
                paid(two, "750.00", uscc=nowhere, employer="1125.00"), paid(STRANGER, "100.00"),
                paid(STRANGER, "50.00", kind="medical"))
    outcome = receive(clerk, "tax_paid", data, file_name="tax-2024-05.csv", reason="税务缴费数据比对", channel="cli",
                      period="2024-05").as_json()
    assert outcome["discrepancies"] == {"amount_differs": 1, "paid_not_recorded": 3, "recorded_not_paid": 1,
                                        "unknown_person": 1}
    assert (outcome["rows"], outcome["held"], outcome["unmatched"]) == (8, 0, 0)
    assert detail("amount_differs", one) == {"month": "2024-05", "insurance_types": [
        {"insurance_type": "pension", "employer": "", "paid": {"employer_amount": "0.00", "individual_amount": "1800.00"},
         "recorded": {"employer_amount": "1125.00", "individual_amount": "750.00"}}]}
    assert detail("paid_not_recorded", one)["insurance_types"] == [
        {"insurance_type": "unemployment", "employer": unit, "why": "not_employer", "recorded": None,
         "paid": {"employer_amount": "700.00", "individual_amount": "500.00"}}]
    assert [(t["insurance_type"], t["why"]) for t in detail("paid_not_recorded", worker)["insurance_types"]] == [
        ("medical", "not_on_record")]
    assert detail("paid_not_recorded", two)["insurance_types"][0]["why"] == "unit_not_registered"
    assert detail("recorded_not_paid", two)["insurance_types"] == [
        {"insurance_type": "pension", "employer": "", "paid": None,
         "recorded": {"employer_amount": "1125.00", "individual_amount": "750.00"}}]
    unknown = Discrepancy.objects.get(kind="unknown_person")
    facts = json.loads(unknown.detail)
    assert (facts["id_number"], [t["insurance_type"] for t in facts["insurance_types"]]) == (
        mask_id_number(STRANGER), ["pension", "medical"])
    assert unknown.key == "tax_paid:2024-05" and STRANGER not in unknown.detail
    assert {row["kind"] for row in listing()} == {"amount_differs", "paid_not_recorded", "recorded_not_paid",
                                                  "unknown_person"}
    # The next month's report repeats one of them: counted as repeated, not queued again.
    again = receive(clerk, "tax_paid", feed(TAX, paid(one, "1800.00"), paid(two, "750.00", uscc=nowhere, employer="1125.00"),
                                            paid(worker), paid(three), paid(worker, "320.00", kind="medical", reference="SW-2")),
                    file_name="again.csv", reason="复核", channel="cli", period="2024-05").as_json()
    assert (again["discrepancies"], again["repeated"]) == ({}, 4)
    assert findings() == []


def test_a_month_paid_in_two_rows_is_compared_by_its_sum(world):  # noqa: F811
    """The same person, unit, month and insurance type in two rows of the report (a payment in two parts): summed
    before the comparison — equal to the record, nothing; different, one amount_differs with the sum."""
    one, worker, clerk = world["one"], world["worker"], world["clerk"]
    data = feed(TAX, paid(worker, "1000.00"), paid(worker, "875.00"), paid(one, "1000.00"), paid(one, "900.00"),
                paid(Person.objects.get(uid=world["two"].uid)), paid(Person.objects.get(uid=world["three"])))
    outcome = receive(clerk, "tax_paid", data, file_name="split.csv", reason="比对", channel="cli", period="2024-05").as_json()
    assert outcome["discrepancies"] == {"amount_differs": 1}
    assert detail("amount_differs", one)["insurance_types"][0]["paid"] == {"employer_amount": "0.00",
                                                                           "individual_amount": "1900.00"}
    assert findings() == []


def test_rows_outside_the_covered_months_and_a_missing_period_are_refused(world):  # noqa: F811
    worker, clerk = world["worker"], world["clerk"]
    data = feed(TAX, paid(worker), paid(worker, period="2024-04"))
    with pytest.raises(feeds.FeedRefused, match=r"line 3: period: 2024-04 is outside the months this report covers"):
        receive(clerk, "tax_paid", data, file_name="t.csv", reason="比对", channel="cli", period="2024-05")
    with pytest.raises(InvalidTransaction, match="required for tax_paid"):
        receive(clerk, "tax_paid", data, file_name="t.csv", reason="比对", channel="cli")
    with pytest.raises(InvalidTransaction, match="ends before it begins"):
        receive(clerk, "tax_paid", data, file_name="t.csv", reason="比对", channel="cli", period="2024-05:2024-04")
    outcome = receive(clerk, "tax_paid", data, file_name="t.csv", reason="比对", channel="cli", period="2024-04:2024-05")
    # The worker's two months as recorded; the three pensioners' two months each not reported.
    assert outcome.as_json()["discrepancies"] == {"recorded_not_paid": 6}
    assert not Discrepancy.objects.filter(subject=f"person:{worker.uid}").exists()


MIXED = [
    TAX,
    "11010519491231002X,,2024-05,pension,0.00,100.00,2024-05-15,A-1",  # a good row, written plainly
    "１１０１０５１９４９１２３１００２Ｘ,,2024-05,pension,0.00,100.00,2024-05-15,A-2",  # full-width: NFKC
    "11010519491231002x,,2024-05,medical,0.00,1.00,2024-05-15,A-3",  # a lower-case check character
    "110105194912310021,,2024-05,pension,0.00,100.00,2024-05-15,A-4",  # a bad check character
    "",
    '11010519491231002X,,2024-05,"pension",0.00,100.00,2024-05-15,A-5',  # quoted
    "11010519491231002X,,2024-13,pension,0.00,1.0,2099-01-01,A-6",  # a bad month, amount and date
    "11010519491231002X , ,2024-05 ,maternity, 0.00,2.00,2024-05-15, A-7",  # spaces around the fields
    "11010519491231002X,,2024-05,pension,0.00,100.00,2024-05-15",  # a field missing
    "11010519491231002X,911103007226497660,2024-05,pension,0.00,100.00,2024-05-15,A-8",  # a bad credit code
]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_vectorised_reading_gives_what_the_row_path_gives(monkeypatch, line_end):
    data = (line_end.join(MIXED) + line_end).encode()
    quoted = feeds.read("tax_paid", data, hold_invalid=True)  # a quote: the row path over the whole file
    plain = data.replace(b'"pension"', b"pension")
    fast = feeds.read("tax_paid", plain, hold_invalid=True)
    monkeypatch.setattr(fastread, "plain", lambda text: False)
    slow = feeds.read("tax_paid", plain, hold_invalid=True)
    assert fast.frame.equals(slow.frame) and fast.held == slow.held
    assert quoted.frame.equals(slow.frame) and quoted.held == slow.held
    assert fast.frame["line"].to_list() == [2, 3, 4, 7, 9]
    assert {problem.line for problem in fast.held} == {5, 8, 10, 11}
    assert fast.frame.row(0, named=True) == {
        "line": 2, "id_number": "11010519491231002X", "uscc": "", "period": "2024-05", "insurance_type": "pension",
        "employer_amount": 0, "individual_amount": 10000, "paid_on": "2024-05-15", "reference": "A-1"}


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("last_line_end", [True, False])
@pytest.mark.parametrize("spaced", [True, False])
def test_a_file_of_plain_lines_only_is_read_as_the_row_path_reads_it(monkeypatch, line_end, last_line_end, spaced):
    """Every line one record of plain fields (Polars' reader splits the fields): the same rows and problems, with or
    without the last line's line break, and with fields to strip or none."""
    lines = [MIXED[0], MIXED[1], MIXED[4], MIXED[7], MIXED[10]] + (
        [MIXED[8], "11010519491231002X,,2024-05,unemployment,0.00,3.00,2024-05-15, A-9 "] if spaced else [])
    data = (line_end.join(lines) + (line_end if last_line_end else "")).encode()
    fast = feeds.read("tax_paid", data, hold_invalid=True)
    monkeypatch.setattr(fastread, "plain", lambda text: False)
    slow = feeds.read("tax_paid", data, hold_invalid=True)
    assert fast.frame.equals(slow.frame) and fast.held == slow.held
    assert fast.frame["line"].to_list() == [2] + ([6, 7] if spaced else [])
    assert fast.frame["reference"].to_list() == ["A-1"] + (["A-7", "A-9"] if spaced else [])
    assert {problem.line for problem in fast.held} == {3, 4, 5}


ESTABLISHMENT = "uscc,id_number,on_establishment,effective_on,reference"


def test_the_establishment_against_the_public_institution_scheme(world, post_txn):  # noqa: F811
    one, two, worker, clerk = world["one"], world["two"], world["worker"], world["clerk"]
    three = Person.objects.get(uid=world["three"])
    school = make_uscc("1", "2", "440300", "12345678")
    firm = make_uscc("9", "1", "440300", "MA5G0PXL")
    institution = post_txn("register_employer", {"uscc": school, "name": "某市实验学校", "region": "440305",
                                                 "scheme": "public_institution"})[0].payload["employer"]
    enterprise = post_txn("register_employer", {"uscc": firm, "name": "示例科技有限公司", "region": "440305"})[0].payload["employer"]
    for person, unit in ((worker, institution), (one, institution), (three, institution), (two, enterprise)):
        post_txn("start_employment", {"person": person.uid, "employer": unit, "start": "2020-01-01"})
    data = feed(ESTABLISHMENT, f"{school},{worker.id_number},yes,2024-06-01,BZ-1",  # enrolled and listed: agrees
                f"{school},{one.id_number},no,2024-06-01,BZ-2",  # enrolled, listed as not on it
                f"{school},{two.id_number},yes,2024-06-01,BZ-3",  # listed, employed by an enterprise
                f"{school},{STRANGER},yes,2024-06-01,BZ-4")  # nobody registered
    outcome = receive(clerk, "establishment", data, file_name="bz.csv", reason="编制数据比对", channel="cli").as_json()
    assert outcome["discrepancies"] == {"establishment_not_enrolled": 1, "not_on_establishment": 2, "unknown_person": 1}
    assert detail("establishment_not_enrolled", two) == {"unit": school, "effective_on": "2024-06-01", "reference": "BZ-3",
                                                         "unit_registered": True, "unit_scheme": "public_institution"}
    assert detail("not_on_establishment", one)["listed"] is True
    assert detail("not_on_establishment", three)["listed"] is False  # enrolled by the school, not in its list
    assert Discrepancy.objects.get(kind="unknown_person").key == "establishment:2024-06-01"
    with pytest.raises(InvalidTransaction, match="scheme"):
        post_txn("register_employer", {"uscc": make_uscc("1", "2", "440300", "12345679"), "name": "学校",
                                       "region": "440305", "scheme": "army"})
    assert findings() == []


def test_persons_are_found_alike_by_probing_the_index_and_by_reading_the_register(world, monkeypatch):  # noqa: F811
    from sirecords.crosschecks import matching
    from sirecords.crypto.sealing import blind_index, blind_indexes

    numbers = [world["one"].id_number, world["worker"].id_number, STRANGER]
    indexes = blind_indexes("id_number", numbers)
    assert indexes == [blind_index("id_number", number) for number in numbers]  # the one-shot HMAC is the same hash
    found = {}
    for fraction in (0, 10**9):  # never read the register whole; always read it
        monkeypatch.setattr(matching, "SCAN_FRACTION", fraction)
        import polars as pl

        frame = matching.with_persons(pl.DataFrame({"index": indexes})).drop_nulls("person")
        found[fraction] = (matching.uids_by_index(indexes), dict(zip(frame["index"].to_list(), frame["person"].to_list())))
    expected = {indexes[0]: world["one"].uid, indexes[1]: world["worker"].uid}
    assert found[0] == found[10**9] == (expected, expected)


def test_a_collectors_discrepancy_reads_in_words(world):  # noqa: F811
    """The facts of a tax_paid discrepancy as the desk page shows them: the insurance type and both sides' amounts."""
    from django.utils import translation

    from sirecords.crosschecks.queue import readable

    receive(world["clerk"], "tax_paid", feed(TAX, paid(world["one"], "1800.00")), file_name="t.csv", reason="比对",
            channel="cli", period="2024-05")
    detail = json.loads(Discrepancy.objects.get(kind="amount_differs").detail)
    with translation.override("zh-hans"):
        facts = dict(readable(detail))
    assert facts["月份"] == "2024-05"
    assert facts["险种"] == ("基本养老保险; 单位: —; 征收机构已收: 单位缴费 0.00 个人缴费 1800.00; "
                           "记录中: 单位缴费 1125.00 个人缴费 750.00")


def test_a_full_width_period_is_read_as_ascii(world):  # noqa: F811
    from sirecords.crosschecks.models import FeedFile

    outcome = receive(world["clerk"], "tax_paid", feed(TAX, paid(world["worker"])), file_name="t.csv", reason="比对",
                      channel="cli", period="２０２４－０５")
    assert FeedFile.objects.get(sha256=outcome.sha256).period == "2024-05"


def test_a_number_public_security_changed_still_finds_the_persons_record(world, post_txn):  # noqa: F811
    """The collector may report under a person's former ID number: matched with the record as the current one, and the
    person's rows under both numbers for the same month and type summed as one payment."""
    from datetime import date

    from sirecords.core.identifiers import make_id_number

    worker, clerk = world["worker"], world["clerk"]
    old = worker.id_number
    new = make_id_number("440306", date(int(old[6:10]), int(old[10:12]), int(old[12:14])), 77)
    post_txn("change_id_number", {"person": worker.uid, "new_id_number": new, "changed_on": "2024-06-01"})
    others = [paid(world["one"]), paid(world["two"]), paid(Person.objects.get(uid=world["three"]))]
    outcome = receive(clerk, "tax_paid", feed(TAX, paid(old), *others), file_name="old.csv", reason="比对", channel="cli",
                      period="2024-05").as_json()
    assert (outcome["discrepancies"], outcome["rows"]) == ({}, 4)  # the old number's row is the person's month
    outcome = receive(clerk, "tax_paid", feed(TAX, paid(old, "1000.00"), paid(new, "875.00", reference="SW-2"),
                                              paid(old, "320.00", kind="medical"), *others),
                      file_name="both.csv", reason="比对", channel="cli", period="2024-05").as_json()
    assert outcome["discrepancies"] == {"paid_not_recorded": 1}  # 1,000.00 + 875.00 under two numbers: the month paid
    assert detail("paid_not_recorded", worker)["insurance_types"] == [
        {"insurance_type": "medical", "employer": "", "why": "not_on_record", "recorded": None,
         "paid": {"employer_amount": "0.00", "individual_amount": "320.00"}}]
    outcome = receive(clerk, "tax_paid", feed(TAX, paid(old), paid(new, "875.00", reference="SW-3"), *others),
                      file_name="twice.csv", reason="比对", channel="cli", period="2024-05").as_json()
    assert outcome["discrepancies"] == {"amount_differs": 1}
    assert detail("amount_differs", worker)["insurance_types"][0]["paid"] == {"employer_amount": "0.00",
                                                                              "individual_amount": "2750.00"}
    assert findings() == []
