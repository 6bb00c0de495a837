"""The demo's contributions and individual accounts, through the same reviewed transactions as real work:

1. the rule parameter sets of the years covered, loaded by the maintainer and approved by the reviewers;
2. one collection file (the collection agency's monthly file format) for the employed demo persons,
   month by month over their employment periods within FIRST_YEAR..LAST_YEAR, pension insurance, with
   plausible wages growing year on year; imported as `sirecords import contributions` does (the clerk
   opens, the reviewers approve);
3. the annual crediting of every year, opened by the maintainer and approved by the reviewers.

Only the first CONTRIBUTING persons pay contributions, to keep `make demo` quick.
"""

from __future__ import annotations

import random
from datetime import date

from sirecords.accounts import services as crediting_runs
from sirecords.contributions.services import import_file
from sirecords.demo import accounts
from sirecords.demo.generate import DemoData
from sirecords.demo.sample_contributions import collection_csv
from sirecords.engine.params import load_params
from sirecords.parameters.queries import loaded_versions, params_for_month
from sirecords.parameters.services import open_parameter_load

FIRST_YEAR, LAST_YEAR = 2012, 2025
CONTRIBUTING = 200  # persons with contributions (the first ones registered): all of them
SEED = 20120101
REASON = "演示数据 / demo data"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def load_parameters(approve, *, region: str = accounts.REGION, years: range = range(FIRST_YEAR, LAST_YEAR + 1)) -> int:
    """Load every parameter set of `region` the demo's months and crediting years (`years`) need; returns how many
    were loaded."""
    maintainer = accounts.actor("maint.wu")
    needed = {}
    for year in years:
        for params in [params_for_month(region, year, month) for month in range(1, 13)] + [load_params(region, year)]:
            needed.setdefault(params.version, (year, params))
    # The current year's set: this year's retirements and part years, and the latest rules (retirement ages,
    # deemed service, subsidy schemes).
    latest = load_params(region)
    needed.setdefault(latest.version, (latest.year, latest))
    missing = set(needed) - loaded_versions(needed)
    for version in sorted(missing, key=lambda v: (needed[v][0], v)):
        year, params = needed[version]
        approve(open_parameter_load(maintainer, region, year, "年度社保参数 / yearly rule parameters", params=params))
    return len(missing)


def collection_rows(data: DemoData, person_count: int) -> list[tuple[str, str, str, str, int, str]]:
    """(id_number, uscc, period, insurance_type, wage in fen, paid_on) for the employed months of the
    first `person_count` persons within FIRST_YEAR..LAST_YEAR."""
    rng = random.Random(SEED)  # nosec B311 # seeded generator for reproducible demo data, not security
    first, last = _month_index(date(FIRST_YEAR, 1, 1)), _month_index(date(LAST_YEAR, 12, 1))
    wage_2012 = [rng.randint(4_500, 18_000) * 100 for _ in range(person_count)]  # fen
    rows = []
    for job in sorted(data.employments, key=lambda j: (j.person_index, j.start)):
        if job.person_index >= person_count:
            continue
        start = max(first, _month_index(job.start))
        end = min(last, _month_index(job.end) if job.end else last)
        person, employer = data.persons[job.person_index], data.employers[job.employer_index]
        for index in range(start, end + 1):
            year, month = divmod(index, 12)
            wage = int(wage_2012[job.person_index] * (1.06 ** (year - FIRST_YEAR))) // 100 * 100
            paid_year, paid_month = divmod(index + 1, 12)
            rows.append((person.id_number, employer.uscc, f"{year:04d}-{month + 1:02d}", "pension", wage,
                         f"{paid_year:04d}-{paid_month + 1:02d}-15"))
    return rows


def load(data: DemoData, person_count: int, approve, *, extra_rows=(), before_crediting=lambda year: None) -> dict[str, int]:
    """Parameters, one collection file, and the crediting of every year; `approve(txn)` plays the reviewers.
    `extra_rows` join the collection file; `before_crediting(year)` runs before each year is credited (the
    retirements of that year are approved then, as at a real agency)."""
    loaded = load_parameters(approve)  # nothing when the caller loaded them already
    rows = collection_rows(data, min(person_count, CONTRIBUTING)) + list(extra_rows)
    import_rows(rows, approve, file_name=f"demo-collection-{FIRST_YEAR}-{LAST_YEAR}.csv")
    credited = 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        before_crediting(year)
        credited += credit(year, approve)
    return {"parameter_sets": loaded, "contribution_rows": len(rows), "credited_years": credited}


def import_rows(rows, approve, *, file_name: str, region: str = accounts.REGION) -> None:
    """The collection file of `rows` (collection_csv's), imported by the clerk and approved by the reviewers."""
    if not rows:
        return
    outcome = import_file(accounts.actor("clerk.li"), collection_csv(rows, region), reason=REASON, file_name=file_name,
                          region=region, channel="import")
    if not outcome.ok:
        raise RuntimeError("demo collection file refused: " + (outcome.refused or
                           "; ".join(outcome.prepared.report_lines()[:20])))
    approve(outcome.txn)


def credit(year: int, approve, *, region: str = accounts.REGION) -> bool:
    """The annual crediting of `year` in `region`, opened by the maintainer and approved; False when nothing is due."""
    prepared = crediting_runs.prepare(accounts.actor("maint.wu"), year, region=region,
                                      reason=f"{year} 年度个人账户记账 / annual crediting", channel="web")
    if prepared.txn is None:
        return False
    approve(prepared.txn)
    return True
