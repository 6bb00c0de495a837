"""Access rules of the cross-check pages (web/urls_crosschecks.py, 第五条), by URL name.

Clerks work the queue (take a discrepancy, resolve or dismiss it through a reviewed transaction); supervisors see it
with its overdue counts and assign discrepancies to clerks; reviewers see it to review the fixes. The subjects are
masked; the department's report travels only as the fixing transaction's sealed document."""

from sirecords.users.access import roles
from sirecords.workflow.stages import REVIEW_ROLES

SEERS = roles("clerk", "supervisor", *REVIEW_ROLES)

RULES: dict = {
    "desk_crosschecks": SEERS,
    "desk_crosscheck": SEERS,
    "desk_crosscheck_settle": roles("clerk"),
    "desk_crosscheck_assign": roles("clerk", "supervisor"),
}
