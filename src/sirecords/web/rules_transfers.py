"""Access rules of the transfer pages (web/urls_transfers.py, 第十条), by URL name.

The insured person follows their own transfers in the portal, an employer's user those of the unit's current
employees (the person or the unit is the session's: portal/guard.py). At the desk the list is for the staff who
handle transfers — the clerks who open the requests, the reviewers and approvers of the review chain — and the
supervisors, each within their regions (transfers/queries.py); the overdue list is the supervisors', as the disputes'
is (web/rules_disputes.py)."""

from sirecords.portal.guard import EMPLOYER_PAGE, PERSON_PAGE
from sirecords.users.access import roles
from sirecords.workflow.stages import REVIEW_ROLES

# transfers/queries.READERS (tests/web/test_transfer_pages.py checks they agree).
READERS = roles("clerk", *REVIEW_ROLES, "supervisor")

RULES: dict = {
    "my_transfers": PERSON_PAGE,
    "employer_transfers": EMPLOYER_PAGE,
    "desk_transfers": READERS,
    "desk_transfers_overdue": roles("supervisor"),
}
