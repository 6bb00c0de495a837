"""tax_paid (征收机构, the contribution collector): what it collected — one row per person, month and insurance type —
against the record's contributions for the months the report covers (第五条).

Set-based and in columns: the report's ID numbers are hashed to their blind index at once and their persons found
by it (current and former numbers), its units by credit code, and the record's rows of the covered months are read
in one streamed query (contributions/counted.py: the rows that count, and the months in arrears); the two sides are
then joined by person, unit, month and insurance type (Polars). One discrepancy per person and month and kind,
listing its insurance types:

- paid_not_recorded — a payment with no row on the record that counts: nothing for that unit, month and type
  (`not_on_record`), only a month in arrears (`in_arrears`), the unit not the person's employer that month
  (`not_employer`), or a unit the record does not hold (`unit_not_registered`);
- recorded_not_paid — a row that counts on the record (paid) that the collector did not report;
- amount_differs — both, with the employer's or the individual's amount different (a flexible worker, who pays
  all himself: the total);
- unknown_person — rows for an ID number nobody is registered with, one per number and month, the number masked.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from django.db import connection

from sirecords.contributions.counted import joined_flags, reversal_join
from sirecords.core.identifiers import mask_id_number
from sirecords.core.lazy import lazy_import
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.money import parse_amount, to_fen
from sirecords.crosschecks import alongside, hashed_join, server_csv
from sirecords.crosschecks.feeds import Feed
from sirecords.crosschecks.matching import Comparison, reads_register, register_frame, with_persons
from sirecords.crypto.keys import active_keys
from sirecords.crypto.sealing import blind_indexes
from sirecords.registry.models import Employer, Employment

pl = lazy_import("polars")

KEY = ["person", "employer", "period", "insurance_type"]
FETCH = 50_000  # record rows fetched at a time


def compare(feed: Feed, comparison: Comparison) -> None:
    frame = feed.frame
    if frame.is_empty():
        return
    first, last = feed.months or (frame["period"].min(), frame["period"].max())
    # While this thread waits for the server to read the record's months, another reads the register on a second
    # connection (alongside.py), then hashes the numbers (pure Python, no database): the two server reads take both
    # cores at first, the hashing the core the shorter one leaves (all three at once would share two cores). Without a
    # second connection the numbers are hashed at once, and the register read after the months.
    with ThreadPoolExecutor(max_workers=1) as pool:
        usccs = [code for code in frame["uscc"].unique().to_list() if code]
        units = _employers(usccs)
        distinct = frame["id_number"].n_unique()
        register = (alongside.read(pool, ["registry_person"], register_frame)
                    if reads_register(distinct) else lambda: None)
        hashing = pool.submit(_indexes_of, frame["id_number"], distinct == frame.height, active_keys().index_key)
        recorded = _record(first, last)
        indexes = hashing.result()
        register = register()
    units_frame = pl.DataFrame({"uscc": ["", *units], "employer": ["", *units.values()]},
                               schema={"uscc": pl.String, "employer": pl.String})
    report = with_persons(frame.select("line", "id_number", "uscc", "period", "insurance_type", "employer_amount",
                                       "individual_amount").with_columns(index=indexes), register)
    report = report.join(units_frame, on="uscc", how="left")
    _unknown(report.filter(pl.col("person").is_null()), comparison)
    keyed = (report.filter(pl.col("person").is_not_null())
             .with_columns(pl.col("employer").fill_null(pl.concat_str(pl.lit("?"), pl.col("uscc")))))
    paid = _one_per_key(keyed, "line", "uscc", "employer_amount", "individual_amount", aggregations=(
        pl.col("line").min(), pl.col("uscc").first(), pl.col("employer_amount").sum(), pl.col("individual_amount").sum()))
    joined = hashed_join.join(paid, recorded, KEY, "full")
    employer_uscc = {uid: code for code, uid in units.items()}
    missing_units = set(joined.filter(pl.col("employer").is_not_null() & (pl.col("employer") != "")
                                      & pl.col("uscc").is_null())["employer"].unique().to_list())
    employer_uscc.update(_usccs(missing_units - set(employer_uscc)))
    found = defaultdict(list)  # (kind, person, month) → rows
    lines: dict[tuple[str, str, str], int] = {}
    extra = joined.filter(pl.col("line").is_not_null() & (pl.col("counted_employer").is_null()))
    employing = _employing(extra.filter(~pl.col("employer").str.starts_with("?") & (pl.col("employer") != ""))
                           .select("person", "employer", "period").unique().rows())
    for row in extra.iter_rows(named=True):
        if row["employer"].startswith("?"):
            reason = "unit_not_registered"
        elif row["employer"] and (row["person"], row["employer"], row["period"]) not in employing:
            reason = "not_employer"
        elif row["in_arrears"]:
            reason = "in_arrears"
        else:
            reason = "not_on_record"
        key = ("paid_not_recorded", row["person"], row["period"])
        found[key].append({"insurance_type": row["insurance_type"], "employer": row["uscc"] or "",
                           "paid": _amounts(row["employer_amount"], row["individual_amount"]), "recorded": None,
                           "why": reason})
        lines[key] = min(lines.get(key, row["line"]), row["line"])
    for row in joined.filter(pl.col("line").is_null() & pl.col("counted_employer").is_not_null()).iter_rows(named=True):
        found["recorded_not_paid", row["person"], row["period"]].append(
            {"insurance_type": row["insurance_type"], "employer": employer_uscc.get(row["employer"], ""), "paid": None,
             "recorded": _amounts(row["counted_employer"], row["counted_individual"])})
    differs = joined.filter(pl.col("line").is_not_null() & pl.col("counted_employer").is_not_null()
                            & pl.when(pl.col("employer") == "")
                            .then((pl.col("employer_amount") + pl.col("individual_amount"))
                                  != (pl.col("counted_employer") + pl.col("counted_individual")))
                            .otherwise((pl.col("employer_amount") != pl.col("counted_employer"))
                                       | (pl.col("individual_amount") != pl.col("counted_individual"))))
    for row in differs.iter_rows(named=True):
        key = ("amount_differs", row["person"], row["period"])
        found[key].append({"insurance_type": row["insurance_type"], "employer": row["uscc"] or "",
                           "paid": _amounts(row["employer_amount"], row["individual_amount"]),
                           "recorded": _amounts(row["counted_employer"], row["counted_individual"])})
        lines[key] = min(lines.get(key, row["line"]), row["line"])
    comparison.no_action += paid.height - len(extra) - len(differs)
    for (kind, person, month), items in sorted(found.items()):
        items.sort(key=lambda item: (item["insurance_type"], item["employer"]))
        comparison.found(kind, f"person:{person}", month, {"month": month, "insurance_types": items},
                         line=lines.get((kind, person, month), 0))


def _indexes_of(numbers: pl.Series, all_distinct: bool, key: bytes) -> pl.Series:
    """The blind index of each ID number, in order, each distinct number hashed once."""
    if all_distinct:  # the usual report: one row per person
        return pl.Series("index", blind_indexes("id_number", numbers.to_list(), key=key), dtype=pl.String)
    distinct = numbers.unique()
    hashed = pl.Series(blind_indexes("id_number", distinct.to_list(), key=key), dtype=pl.String)
    return numbers.replace_strict(distinct, hashed, return_dtype=pl.String).alias("index")


def _one_per_key(frame: pl.DataFrame, *columns: str, aggregations) -> pl.DataFrame:
    """One row per person, unit, month and insurance type (KEY): the frame grouped and aggregated (`aggregations`,
    giving `columns`), or, when no key repeats (the usual report and record), the frame as it is — a group of one row
    aggregates to that row, and checking for a repeat costs one hashing pass where grouping a million rows costs
    several."""
    if hashed_join.repeats(frame, KEY):
        return frame.group_by(KEY).agg(*aggregations)
    return frame.select(*KEY, *columns)


def _amounts(employer: int, individual: int) -> dict[str, str]:
    return {"employer_amount": yuan(employer), "individual_amount": yuan(individual)}


def _unknown(rows: pl.DataFrame, comparison: Comparison) -> None:
    """One unknown_person per ID number and month, its rows' insurance types and amounts."""
    if rows.is_empty():
        return
    grouped = (rows.sort("line").group_by("index", "id_number", "period", maintain_order=True)
               .agg(pl.col("line").min(), pl.col("insurance_type"), pl.col("uscc"), pl.col("employer_amount"),
                    pl.col("individual_amount")))
    for row in grouped.iter_rows(named=True):
        items = [{"insurance_type": kind, "employer": code, **_amounts(employer, individual)}
                 for kind, code, employer, individual in zip(row["insurance_type"], row["uscc"], row["employer_amount"],
                                                             row["individual_amount"])]
        comparison.found("unknown_person", f"idx:{row['index']}", f"tax_paid:{row['period']}",
                         {"feed": "tax_paid", "id_number": mask_id_number(row["id_number"]), "month": row["period"],
                          "insurance_types": items}, line=row["line"])


def _employers(usccs: list[str]) -> dict[str, str]:
    """credit code → the unit's uid, for the codes the record holds."""
    return _units("uscc", usccs, "uid")


def _usccs(uids: set[str]) -> dict[str, str]:
    """uid → the unit's credit code."""
    return _units("uid", sorted(uids), "uscc")


def _units(by: str, values: list[str], wanted: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(values), 5000):
        found.update(Employer.objects.filter(**{f"{by}__in": values[start:start + 5000]}).values_list(by, wanted))
    return found


def _employing(rows: list[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Of (person, unit, month), those where the record has the person employed by the unit some day of the month."""
    if not rows:
        return set()
    periods = defaultdict(list)
    persons = sorted({person for person, _unit, _month in rows})
    for start in range(0, len(persons), 5000):
        for person, unit, begun, ended in Employment.objects.filter(person_id__in=persons[start:start + 5000]).values_list(
                "person_id", "employer_id", "start", "end"):
            periods[person, unit].append((begun, ended))
    employing = set()
    for person, unit, month in rows:
        first = date.fromisoformat(f"{month}-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if any(begun <= last and (ended is None or ended >= first) for begun, ended in periods.get((person, unit), ())):
            employing.add((person, unit, month))
    return employing


def _record(first: str, last: str) -> pl.DataFrame:
    """The record's rows of the months first..last, one per person, unit, month and insurance type (the KEY columns):
    the amounts of the rows that count (null when none does) and whether the month is in arrears. One query."""
    counts, arrears, _reversed = joined_flags("c", "rv")
    columns = ["c.person_id", "c.employer_id", "c.period", "c.insurance_type", "c.employer_fen", "c.individual_fen",
               f"CASE WHEN {counts} THEN 1 ELSE 0 END"]
    source = (f"contributions_contribution c {reversal_join('c', 'rv')} WHERE c.period >= %s AND c.period <= %s "
              f"AND ({counts} OR {arrears})")
    schema = {"person": pl.String, "employer": pl.String, "period": pl.String, "insurance_type": pl.String,
              "employer_fen": pl.Int64, "individual_fen": pl.Int64, "counts": pl.Int8}
    if connection.vendor == "postgresql":
        rows = server_csv.read(columns, source, [first, last], schema)
    else:
        values: list[list] = [[] for _ in schema]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {source}", [first, last])  # nosec B608 # counted.py constant SQL; values bound
            while block := cursor.fetchmany(FETCH):
                for column, value in zip(values, zip(*block)):
                    column.extend(value)
        rows = pl.DataFrame(dict(zip(schema, values)), schema=schema)
    # Plain sums and a maximum per group (vectorised), not per-group filters: a million groups either way. "counts" is
    # 1 for a row that counts; after the grouping, 1 when any row of the group does.
    counted = pl.col("counts") == 1
    amounts = rows.with_columns(pl.when(counted).then(pl.col("employer_fen")).otherwise(0).alias("employer_fen"),
                                pl.when(counted).then(pl.col("individual_fen")).otherwise(0).alias("individual_fen"))
    grouped = _one_per_key(amounts, "employer_fen", "individual_fen", "counts", aggregations=(
        pl.col("employer_fen").sum(), pl.col("individual_fen").sum(), pl.col("counts").max()))
    return grouped.select(*KEY, counted_employer=pl.when(counted).then(pl.col("employer_fen")),
                          counted_individual=pl.when(counted).then(pl.col("individual_fen")), in_arrears=~counted)


def still_differs(kind: str, person: str, month: str, items: list[dict]) -> list[str]:
    """What still differs, for one discrepancy of the collector's report, between its rows (`items`: the detail's
    insurance types, each with the unit's code and the report's and the record's amounts) and the record now: empty
    once the record was put right. A payment reported must now be a row that counts with the same amounts (a flexible
    worker's: the same total); a row the report left out must no longer count."""
    recorded: dict[tuple[str, str], tuple[int, int]] = {}
    counts = joined_flags("c", "rv")[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.insurance_type, c.employer_id, SUM(c.employer_fen), SUM(c.individual_fen) "  # nosec B608 # counted.py constant SQL; values bound
                       f"FROM contributions_contribution c {reversal_join('c', 'rv')} WHERE c.person_id = %s "
                       f"AND c.period = %s AND {counts} GROUP BY c.insurance_type, c.employer_id", [person, month])
        for kind_of_row, unit, employer_fen, individual_fen in cursor.fetchall():
            recorded[kind_of_row, unit] = (int(employer_fen), int(individual_fen))
    units = _employers(sorted({item["employer"] for item in items if item["employer"]}))
    left = []
    for item in items:
        code = item["employer"]
        key = (item["insurance_type"], units.get(code, "?") if code else "")
        now = recorded.get(key)
        label = f"{item['insurance_type']}{' ' + code if code else ''}"
        if kind == "recorded_not_paid":
            if now is not None:
                left.append(f"{label} still counts ({yuan(now[0])} + {yuan(now[1])})")
            continue
        paid = (to_fen(parse_amount(item["paid"]["employer_amount"])), to_fen(parse_amount(item["paid"]["individual_amount"])))
        if now is None:
            left.append(f"{label}: no row that counts")
        elif (sum(now) != sum(paid)) if not code else (now != paid):
            left.append(f"{label}: the record has {yuan(now[0])} + {yuan(now[1])}, the report {yuan(paid[0])} + {yuan(paid[1])}")
    return left
