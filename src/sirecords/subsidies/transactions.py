"""grant_subsidy: a social insurance subsidy (社会保险补贴) for a run of months, reviewed, its amounts computed by
the rules engine from the paid contributions (第二条(二), 第六条)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.core.money import fen_to_yuan
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.subsidies.compute import compute_grant
from sirecords.subsidies.kinds import SUBSIDY_GRANTED
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:

    try:
        grant = compute_grant(payload)
        figures = f"{grant['row_count']} 笔 rows, 合计 total {fen_to_yuan(grant['total_fen'])}"
    except InvalidTransaction as error:
        figures = str(error)
    return [added("person", "人员 person", payload.get("person")), added("scheme", "补贴项目 scheme", payload.get("scheme")),
            added("months", "补贴期间 months", f"{payload.get('start')} – {payload.get('end')}"),
            added("amounts", "补贴金额 amounts", figures)]


@transaction_type("grant_subsidy", gettext_lazy("Social insurance subsidy"), creators=("clerk",),
                  documents=("subsidy_decision",), describe=_describe)
def grant_subsidy(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    grant = compute_grant(payload)
    for name in ("row_count", "total_fen"):
        if name in payload and payload[name] != grant[name]:
            raise InvalidTransaction({"figures": f"{name} changed since it was prepared ({payload[name]} → {grant[name]}); "
                                                 "withdraw this transaction and prepare it again"})
    return [NewEntry(SUBSIDY_GRANTED, f"person:{grant['person']}", {"grant": ctx.txn, **grant}, effective=f"{grant['start']}-01")]
