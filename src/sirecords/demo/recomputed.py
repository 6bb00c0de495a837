"""The demo's recomputed award (重新核定): one retiree's earlier service is found in the archive after his
award was approved and paid for some months; it is recognised as deemed service, and the award recomputed
(trigger late_recognition) through the reviewed transaction. The next payment run pays the new amount and
the back pay (补发) for the months already paid at the old one."""

from __future__ import annotations

from sirecords.core.periods import Month
from sirecords.demo.retirees import RETIREES, DemoRetiree

RETIREE = RETIREES[1]  # 罗建华, retired 2024-09, paid from 2024-10
LATE_DEEMED = ("1984-03", "1985-12", "深圳市第二建筑工程公司（档案补充材料）")  # found after the award
BEFORE_RUN = Month(2025, 3)  # recognised and recomputed after the runs of 2024-10 … 2025-02


def recompute(retiree_uids: list[str], open_and_approve, retiree: DemoRetiree = RETIREE) -> int:
    """`retiree_uids` in RETIREES order. Returns the number of awards recomputed (1)."""
    uid = retiree_uids[RETIREES.index(retiree)]
    start, end, unit = LATE_DEEMED
    open_and_approve("clerk.chen", "recognise_deemed_service", {"person": uid, "start": start, "end": end, "work_unit": unit})
    open_and_approve("clerk.li", "recompute_award", {"person": uid, "trigger": "late_recognition"})
    return 1
