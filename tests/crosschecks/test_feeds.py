"""Reading a department's feed (crosschecks/feeds.py): every format's header and fields checked, a bad file refused
whole with its line, field and reason; --hold-invalid holds those rows instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.crosschecks import feeds

from .conftest import PERSON_EVENTS, feed

TODAY = date(2026, 12, 7)
NUMBER = make_id_number("440305", date(1950, 3, 1), 101)


def read(data: bytes, kind: str = "person_events", **options):
    return feeds.read(kind, data, today=TODAY, **options)


def refusal(data: bytes, kind: str = "person_events", **options) -> list[str]:
    with pytest.raises(feeds.FeedRefused) as refused:
        read(data, kind, **options)
    return [str(problem) for problem in refused.value.problems]


def test_a_good_person_events_file_is_read_canonically():
    spaced = " ".join([NUMBER[:6], NUMBER[6:14], NUMBER[14:]]).lower()
    result = read(feed(PERSON_EVENTS, f"{spaced},张三,died,2024-07-20,civil_affairs,MZ-2024-001",
                       f"{NUMBER},张三,ｒｅｌｅａｓｅｄ,２０２４-０８-０１,justice,SF-9"))
    assert [(r["line"], r["id_number"], r["event"], r["event_on"]) for r in result.rows] == [
        (2, NUMBER, "died", "2024-07-20"), (3, NUMBER, "released", "2024-08-01")]
    assert len(result.sha256) == 64 and result.held == []


@pytest.mark.parametrize(("row", "expected"), [
    (f"{NUMBER[:-1]}0,张三,died,2024-07-20,civil_affairs,R1", "line 3: id_number:"),
    (f"{NUMBER},张三,died,2027-01-01,civil_affairs,R1", "line 3: event_on: 2027-01-01 is in the future"),
    (f"{NUMBER},张三,died,2024-02-30,civil_affairs,R1", "line 3: event_on: 2024-02-30 is not a real date"),
    (f"{NUMBER},张三,vanished,2024-07-20,civil_affairs,R1", "line 3: event: 'vanished' is not one of died"),
    (f"{NUMBER},张三,died,2024-07-20,police,R1", "line 3: source: 'police' is not one of public_security"),
    (f"{NUMBER},,died,2024-07-20,civil_affairs,R1", "line 3: name: is empty"),
    (f"{NUMBER},张三,died,2024-07-20,civil_affairs", "line 3: row: has 5 fields; the person_events feed has 6"),
])
def test_a_bad_row_refuses_the_file_naming_line_field_and_reason(row, expected):
    problems = refusal(feed(PERSON_EVENTS, f"{NUMBER},李四,died,2024-01-02,health,R0", row))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_wrong_header_is_refused_on_line_1():
    problems = refusal(feed("id_number,name,event,event_date,source,reference,extra", f"{NUMBER},张三,died,2024-07-20,court,R"))
    assert problems == ["line 1: event_on: column is missing (the columns are id_number,name,event,event_on,source,reference)",
                        "line 1: event_date: is not a column of the person_events feed",
                        "line 1: extra: is not a column of the person_events feed"]


def test_gbk_bytes_are_refused_unless_declared():
    data = feed(PERSON_EVENTS, f"{NUMBER},张三,died,2024-07-20,civil_affairs,R1", encoding="gb18030")
    [problem] = refusal(data)
    assert problem.startswith("line 2: file: is not UTF-8") and "--encoding gb18030" in problem
    assert read(data, encoding="gb18030").rows[0]["name"] == "张三"


def test_hold_invalid_reads_the_good_rows_and_holds_the_others():
    result = read(feed(PERSON_EVENTS, f"{NUMBER},张三,died,2024-07-20,civil_affairs,R1",
                       f"{NUMBER},张三,died,2099-01-01,civil_affairs,R2"), hold_invalid=True)
    assert [r["line"] for r in result.rows] == [2]
    assert [str(p) for p in result.held] == ["line 3: event_on: 2099-01-01 is in the future"]


@pytest.mark.parametrize(("kind", "header", "row"), [
    ("employer_status", "uscc,name,status,effective_on,reference", "91440300MA5FXXXX0X,某公司,deregistered,2024-05-01,SC-1"),
    ("tax_paid", "id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference",
     f"{NUMBER},,2024-13,pension,0.00,1200.50,2024-06-10,TX-1"),
    ("id_changes", "old_id_number,new_id_number,changed_on,reference", f"{NUMBER},{NUMBER},2024-05-01,GA-1"),
    ("establishment", "uscc,id_number,on_establishment,effective_on,reference", f"12440300MB2C00000X,{NUMBER},maybe,2024-05-01,BZ-1"),
    ("payment_returns", "id_number,month,amount,reason,reference", f"{NUMBER},2024-05,3000,account_closed,BK-1"),
])
def test_every_format_checks_its_fields(kind, header, row):
    problems = refusal(feed(header, row), kind)
    assert problems and all(problem.startswith("line 2: ") for problem in problems), problems


def test_a_tax_paid_row_reads_money_as_fen():
    [row] = read(feed("id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference",
                      f"{NUMBER},,2024-05,pension,0.00,1200.50,2024-06-10,TX-1"), "tax_paid").rows
    assert (row["uscc"], row["employer_amount"], row["individual_amount"]) == ("", 0, 120050)


@pytest.mark.parametrize("kind", sorted(feeds.FORMATS))
def test_each_example_feed_in_the_docs_reads_clean(kind):
    path = Path(__file__).resolve().parents[2] / "examples" / "feeds" / f"{kind}.csv"
    assert read(path.read_bytes(), kind).rows


@pytest.mark.parametrize(("data", "expected"), [
    (feed(PERSON_EVENTS, f"{NUMBER},张\x00三,died,2024-07-20,civil_affairs,R1"), "line 2: file: holds a NUL byte"),
    (feed(PERSON_EVENTS, f"{NUMBER},{'张' * 300},died,2024-07-20,civil_affairs,R1"),
     "line 2: name: is longer than 200 characters"),
    (feed(PERSON_EVENTS, f"{NUMBER},\"{'x' * 200_000}\",died,2024-07-20,civil_affairs,R1"), "line 2: row: is not CSV"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "line 2: file: is not UTF-8"),
    (b"", "line 1: header: the file is empty"),
])
def test_nul_huge_fields_and_other_files_are_refused_whole(data, expected):
    problems = refusal(data)
    assert problems[0].startswith(expected), problems
