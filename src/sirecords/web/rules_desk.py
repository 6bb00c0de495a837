"""Access rules of the pages in web/urls_desk.py, by URL name (see sirecords/users/access.py).

These admit roles; the pages then check the region and the transaction itself (workflow/visibility.py,
and the workflow services for who may act on which stage)."""

from sirecords.users.access import roles
from sirecords.workflow.stages import REVIEW_ROLES

CLERK = roles("clerk")
# Maintainers follow their own corrections and supplements on the same transaction pages (第十一条).
OPENERS = roles("clerk", "maintainer")
REVIEWERS = roles(*REVIEW_ROLES)
# The clerk who opened it, the reviewers and the supervisors of its region (workflow/visibility.can_see).
# Counter and delegated queries (第十五条): the query officer records the requester and hands over the answer.
QUERY_OFFICER = roles("query_officer")
SEES_TRANSACTIONS = roles("clerk", "maintainer", *REVIEW_ROLES, "supervisor")

RULES: dict = {
    "desk_person_search": CLERK,
    # Maintainers also open the desk forms of types they may create (correct_account_year: web/forms_accounts.py).
    "desk_new": OPENERS,
    "desk_create": OPENERS,
    "desk_mine": CLERK,
    "desk_attach": OPENERS,
    "desk_submit": OPENERS,
    "desk_amend": CLERK,
    "desk_withdraw": OPENERS,
    "desk_queue": REVIEWERS,
    "desk_review": REVIEWERS,
    "desk_transaction": SEES_TRANSACTIONS,
    "desk_document": SEES_TRANSACTIONS,
    "desk_query_new": QUERY_OFFICER,
    "desk_query_answer": QUERY_OFFICER,
    "desk_query_csv": QUERY_OFFICER,
}
