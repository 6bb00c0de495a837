"""The `credit_accounts` business transaction: one reviewed crediting run of a year.

The maintainer opens it with the plan's figures (`crediting_runs.prepare`); reviewers approve exactly those:
at posting, `build` takes the plan under the ledger's write lock — the one this process already
computed when its inputs are provably unchanged (crediting._data_state), else computed again — and
refuses when the rate, the parameter version, the row count or the root differ from what was reviewed
(new contributions were posted meanwhile, or a parameter file changed): the maintainer withdraws it and
runs again. `build` writes nothing (the submit's validation runs it too, and rolls back); the entry's
projector writes the run and its rows, once, in the posting's database transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.accounts.crediting import EngineMismatch, Plan, TotalsMismatch, forget_plans, plan_year, write_plan
from sirecords.accounts.kinds import ACCOUNT_YEARS_CREDITED
from sirecords.core.money import InvalidInput, yuan_or_blank
from sirecords.engine.params import ParameterError
from sirecords.ledger.append import NewEntry, PostedEntry, read_head
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import LiveStore, Store, projects
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors

TYPE = "credit_accounts"
_pending: dict[str, Plan] = {}  # run uid → plan, from build() to the projector in the same posting

REVIEWED = ("year", "region", "rule_version", "rate", "rate_status", "method", "interest_from", "row_count", "rows_root")


def hold(plans: dict[str, Plan]) -> None:
    """The plans a posting's entries will write (run uid → plan), handed from build() to the projector. Only the
    plans of the transaction being built are held: a build that is rolled back leaves nothing behind that counts."""
    _pending.clear()
    _pending.update(plans)


def describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    totals = payload.get("totals") or {}


    return [added("year", "记账年度 year", payload.get("year")), added("region", "统筹区 region", payload.get("region")),
            added("rate", "记账利率 rate", f"{payload.get('rate')} ({payload.get('rate_status')})"),
            added("method", "计息方法 method", payload.get("method")),
            added("interest_from", "计息起点 interest from", payload.get("interest_from")),
            added("rule_version", "规则版本 rule version", payload.get("rule_version")),
            added("accounts", "账户数 accounts computed", payload.get("accounts")),
            added("row_count", "记账行数 rows to post (new + changed)", f"{payload.get('row_count')} "
                f"({payload.get('new')} new, {payload.get('replaced')} changed, {payload.get('unchanged')} unchanged)"),
            added("credits", "当年记账额合计 credits", yuan_or_blank(totals.get("credits_fen"))),
            added("interest", "利息合计 interest", yuan_or_blank(totals.get("interest_fen"))),
            added("closing", "年末储存额合计 closing", yuan_or_blank(totals.get("closing_fen"))),
            added("rows_root", "Merkle root", payload.get("rows_root"))]


@transaction_type(TYPE, gettext_lazy("Annual crediting of individual accounts"), creators=("maintainer",),
                  describe=describe)
def credit_accounts(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    year, region = payload.get("year"), payload.get("region")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2200:
        errors["year"] = "must be a whole year such as 2025"
    if not isinstance(region, str) or not region:
        errors["region"] = "is required (the pooling region's 6-digit code)"
    errors.raise_if_any()
    try:
        plan = plan_year(region, year)
    except (ParameterError, InvalidInput) as error:
        raise InvalidTransaction({"parameters": str(error)}) from None
    except TotalsMismatch as error:
        raise InvalidTransaction({"totals": str(error)}) from None
    except EngineMismatch as error:
        raise InvalidTransaction({"engine": str(error)}) from None
    now = plan.summary()
    differing = [name for name in REVIEWED if payload.get(name) != now[name]]
    if differing:
        raise InvalidTransaction({"figures": "the run's figures changed since it was prepared and reviewed ("
                                  + ", ".join(f"{name}: {payload.get(name)} → {now[name]}" for name in differing)
                                  + "); withdraw this transaction and run `sirecords credit` again"})
    if not plan.row_count:
        raise InvalidTransaction({"year": f"nothing to credit: every account of {year} is up to date"})
    hold({ctx.txn: plan})
    run_seq = read_head()[0] + 1  # post() holds the head lock: the entry below is appended next
    return [NewEntry(ACCOUNT_YEARS_CREDITED, f"accounts:{region}:{year}", {"run": ctx.txn, "run_seq": run_seq, **now},
                     effective=f"{year:04d}-12-31")]


@projects(ACCOUNT_YEARS_CREDITED)
def year_credited(entry: PostedEntry, store: Store) -> None:
    """Write the run and its rows (COPY / executemany) in the posting transaction. Verify's replay does
    nothing here: checks.py compares the rows with the entry's root on its own."""
    if not isinstance(store, LiveStore):
        return
    p = entry.payload
    plan = _pending.pop(p["run"], None)
    if plan is None or plan.root != p["rows_root"] or plan.row_count != p["row_count"] or p["run_seq"] != entry.seq:
        raise RuntimeError(f"crediting run {p['run']}: its planned rows are not at hand")
    write_plan(plan, p["run"], entry.seq)
    forget_plans()
