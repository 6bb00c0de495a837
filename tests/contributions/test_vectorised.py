"""The vectorised check (fastcheck.py, stage_frame) against the row path (rowcheck.RowChecker, _Stager.stage): on a
file of planted faults both report the same problems (line, field, reason, kind), stage the same rows and give the
same root, totals, held rows and held CSV; the vectorised ID-number test accepts only what parse_id_number accepts."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest

from sirecords.contributions import collection, fastcheck, staging
from sirecords.core.identifiers import InvalidIdentifier, id_check_char, make_id_number, parse_id_number
from sirecords.demo.sample_contributions import collection_csv

from .conftest import OTHER_USCC, REGION, module_registry

pytestmark = pytest.mark.django_db
registry, reviewers = module_registry()
HEADER = "id_number,uscc,period,insurance_type,category,wage,base,employer_amount,individual_amount,paid_on".split(",")


def changed(line: str, **fields) -> str:
    row = dict(zip(HEADER, line.split(",")))
    row.update(fields)
    return ",".join(row.values())


def lines_of(registry, months, kind="pension") -> list[str]:
    rows = [(number, registry["uscc"], period, kind, 650000 + 1234 * i, f"{period}-15")
            for period in months for i, number in enumerate(registry["ids"][:2])]
    rows += [(registry["ids"][2], "", period, "pension", 300000, "") for period in months]
    return collection_csv(rows, REGION).decode().splitlines()[1:]


def with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def planted(registry) -> bytes:
    """Clean rows of 2024, then a line for each fault the check knows (and a few valid rows written oddly), then a
    quoted line (from which the csv module reads the rest) and more faults after it."""
    ids, uscc = registry["ids"], registry["uscc"]
    clean = lines_of(registry, ("2024-01", "2024-02", "2024-03"))
    base = clean[0]  # ids[0], an employee, 2024-01
    spare = iter(lines_of(registry, [f"2024-{m:02d}" for m in range(4, 13)]))
    x_number = next(with_check(f"44030519850505{s:03d}") for s in range(1000)
                    if id_check_char(f"44030519850505{s:03d}") == "X")
    faults = [
        changed(base, id_number=ids[0][:17] + ("1" if ids[0][17] != "1" else "2")),  # check character
        changed(base, id_number=with_check("44030519800230123")),  # 30 February
        changed(base, id_number=with_check("44030518991231123")),  # before 1900
        changed(base, id_number=with_check("44030520990101123")),  # born in the future
        changed(base, id_number=x_number.lower()),  # valid once upper-cased, not registered
        changed(next(spare), id_number=f"{ids[0][:6]} {ids[0][6:14]} {ids[0][14:]}"),  # grouped: valid
        changed(next(spare), id_number=ids[0][:6] + ids[0][8:17]),  # the legacy 15-digit form: valid
        changed(base, id_number=make_id_number("440305", date(1990, 1, 1), 999)),  # valid, not registered
        changed(base, uscc=uscc[:-1] + ("0" if uscc[-1] != "0" else "1")),
        changed(base, uscc=OTHER_USCC),
        changed(base, uscc=""),  # an employee without an employer
        changed(clean[6], uscc=uscc),  # a flexible worker with one
        changed(base, period="2024-13"),
        changed(base, period="2099-01"),
        changed(base, period="1989-12"),
        changed(base, insurance_type="dental"),
        changed(base, category="boss"),
        changed(base, wage="12.345"),
        changed(base, base="abc"),
        changed(base, employer_amount="-5.00"),
        changed(base, individual_amount=""),
        changed(base, employer_amount=f"{float(base.split(',')[7]) + 0.01:.2f}"),  # a discrepancy
        changed(base, paid_on="2024-02-30"),
        changed(base, paid_on="2099-01-01"),
        changed(base, paid_on="2024/01/05"),
        base + ",extra",
        "",
        "   ",
        changed(base, category="employee\x1c"),
        clean[1],  # a repeat of line 3
        changed(base, period="2023-06"),  # parameters not loaded
        changed(base, period="2023-07"),
    ]
    odd = next(spare)
    fields = odd.split(",")
    fields[5] = "".join(chr(ord(c) + 0xFEE0) if c != "." else "．" for c in fields[5])  # full-width wage: valid
    faults += [",".join(fields), next(spare) + "\r", "\t" + next(spare).replace(",", " ,\t", 2)]
    after = [f'"{ids[1]}",' + next(spare).split(",", 1)[1],  # quoted: valid; the csv module reads on from here
             changed(base, id_number=ids[1][:17] + ("1" if ids[1][17] != "1" else "2")),
             next(spare), changed(base, paid_on="2024-13-01"), changed(base, wage="1,000.00")]
    return ("\n".join([",".join(HEADER), *clean, *faults, *after]) + "\n").encode()


def outcome(data: bytes, vectorised: bool, monkeypatch, pipeline: bool = False, **kwargs) -> dict:
    """The check's result and staged rows: by the row path, or the vectorised one (in this process, or with
    `pipeline` in a child process that streams its blocks back, in blocks of 5 lines)."""
    monkeypatch.setattr(collection, "VECTORISED", vectorised)
    monkeypatch.setattr(collection, "PIPELINE_BYTES", 0 if pipeline else 8 << 20)
    monkeypatch.setattr(fastcheck, "BLOCK", 5 if pipeline else fastcheck.BLOCK)
    prepared = collection.prepare(data, REGION, **kwargs)
    staged = list(staging.rows()) if prepared.row_count else []
    return {"problems": sorted(prepared.problems, key=lambda p: (p.line, p.field, p.reason)),
            "held_problems": sorted(prepared.held_problems, key=lambda p: (p.line, p.field, p.reason)),
            "more": prepared.more_problems, "rows": prepared.row_count, "root": prepared.rows_root,
            "summary": prepared.summary, "held": prepared.held_lines, "held_csv": prepared.held_csv,
            "whole": prepared.whole, "versions": prepared.rule_versions, "periods": prepared.periods,
            "sha256": prepared.sha256, "staged": staged}


def test_the_two_paths_report_the_same_problems_on_a_file_of_planted_faults(registry, load_params, monkeypatch):
    load_params(2024)
    data = planted(registry)
    fast, rows = outcome(data, True, monkeypatch), outcome(data, False, monkeypatch)
    assert fast == rows
    assert outcome(data, True, monkeypatch, pipeline=True) == rows
    reported = {(p.line, p.field) for p in fast["problems"]}
    # Every planted fault is reported on its own line (lines 2-10 are clean; the faults start at line 11).
    assert (11, "id_number") in reported and (12, "id_number") in reported and (13, "id_number") in reported
    reasons = " ".join(p.reason for p in fast["problems"])
    assert "check character" in reasons and "not a real date" in reasons and "before 1900-01-01" in reasons
    assert "is in the future" in reasons and "not loaded" in reasons and "the engine computes" in reasons
    assert "duplicates line 3" in reasons and "has 11 fields" in reasons
    assert not any(p.line == 16 for p in fast["problems"]), "the grouped number is valid"
    # The legacy 15-digit form of the same number is valid and names the same person: only a repeat of line 16.
    assert [p.reason for p in fast["problems"] if p.line == 17] == ["duplicates line 16 (same person, employer, period "
                                                                     "and insurance type)"]
    assert any(p.line == 22 and "must be empty for a flexible worker" in p.reason for p in fast["problems"])
    assert len(fast["problems"]) >= 30


def test_with_held_rows_the_two_paths_hold_the_same_rows_and_stage_the_same_others(registry, load_params, monkeypatch):
    load_params(2024)
    load_params(2023)
    data = planted(registry)
    fast = outcome(data, True, monkeypatch, hold_invalid=True)
    rows = outcome(data, False, monkeypatch, hold_invalid=True)
    assert fast == rows
    assert outcome(data, True, monkeypatch, pipeline=True, hold_invalid=True) == rows
    assert fast["whole"] == "" and fast["rows"] > 10 and len(fast["held"]) > 20 and fast["root"]
    assert fast["held_csv"].startswith(b"id_number,uscc,")


def test_a_clean_file_in_several_blocks_gives_the_row_paths_root_totals_and_staged_rows(registry, load_params,
                                                                                     monkeypatch):
    load_params(2024)
    lines = lines_of(registry, [f"2024-{m:02d}" for m in range(1, 13)], "pension")
    lines += lines_of(registry, [f"2024-{m:02d}" for m in range(1, 13)], "medical")[:-12]  # no flexible medical
    data = ("\n".join([",".join(HEADER), *lines]) + "\n").encode()
    rows = outcome(data, False, monkeypatch)
    monkeypatch.setattr(fastcheck, "BLOCK", 7)
    fast = outcome(data, True, monkeypatch)
    assert fast == rows
    assert fast["rows"] == len(lines) and fast["problems"] == [] and len(fast["staged"]) == len(lines)


def test_the_vectorised_id_number_check_accepts_only_what_parse_id_number_accepts():
    rng = random.Random(14)
    today = date(2026, 12, 6)
    candidates = []
    for _ in range(3000):
        year = rng.choice([1899, 1900, 1950, 2000, 2026, 2027, rng.randrange(1880, 2030)])
        month, day = rng.randrange(0, 14), rng.randrange(0, 33)
        first17 = f"{rng.randrange(110000, 660000)}{year:04d}{month:02d}{day:02d}{rng.randrange(1000):03d}"
        right = id_check_char(first17)
        candidates += [first17 + right, first17 + rng.choice("0123456789X"), (first17 + right).lower(), first17 + right + "0",
                       first17[:16] + "A" + right]
    candidates += ["44030519800230123X", "440305202612061234", "440305202612071234", ""]
    valid = pl.select(fastcheck.id_numbers_valid(pl.lit(pl.Series(candidates)), today)).to_series().to_list()
    accepted = 0
    for number, fast in zip(candidates, valid):
        try:
            expected = parse_id_number(number, today=today).normalized == number
        except InvalidIdentifier:
            expected = False
        if len(number) == 18 and number.isupper() or number.isdigit():
            assert fast == expected, number
        else:
            assert not fast or expected, number
        accepted += fast
    assert 1000 < accepted < len(candidates) - 5000



def test_a_failure_reading_the_file_in_the_pipeline_is_raised_as_itself(registry, load_params, monkeypatch):
    """The sealed store raises FileMissing after its last piece when the seal or hash fails: fed to the child by a
    thread, it still reaches the caller (and the child is stopped)."""
    from sirecords.contributions.filestore import FileMissing

    load_params(2024)
    data = planted(registry)

    def pieces():
        yield data[:1000]
        yield data[1000:]
        raise FileMissing("collection file abc… does not match its seal")

    monkeypatch.setattr(collection, "PIPELINE_BYTES", 0)
    with pytest.raises(FileMissing, match="does not match its seal"):
        collection.prepare(pieces(), REGION)
