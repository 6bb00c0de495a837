"""Access rules of the dispute pages (web/urls_disputes.py, 第十六条), by URL name.

The insured person and an employer's users file and follow their own cases in the portal (the person or the unit is
the session's: portal/guard.py). At the desk, any business role may re-examine (disputes/transactions.EXAMINERS; the
services refuse whoever posted a disputed entry), supervisors read the cases and the overdue ones, and a clerk records
a written request at the counter."""

from sirecords.disputes.transactions import EXAMINERS
from sirecords.portal.guard import EMPLOYER_PAGE, PERSON_PAGE
from sirecords.users.access import roles

DECIDERS = roles(*EXAMINERS)
SEERS = roles(*EXAMINERS, "supervisor")

RULES: dict = {
    "my_disputes": PERSON_PAGE,
    "my_dispute_evidence": PERSON_PAGE,
    "employer_disputes": EMPLOYER_PAGE,
    "employer_dispute_evidence": EMPLOYER_PAGE,
    "desk_disputes": SEERS,
    "desk_disputes_overdue": roles("supervisor"),
    "desk_dispute": SEERS,
    "desk_dispute_scan": SEERS,
    "desk_dispute_examine": DECIDERS,
    "desk_dispute_refuse": DECIDERS,
    "desk_dispute_refer": DECIDERS,
    "desk_dispute_correct": DECIDERS,
    "desk_dispute_new": roles("clerk"),
}
