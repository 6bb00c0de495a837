"""Access rules of the API endpoints, by URL name (see sirecords/users/access.py), and the token scope
each endpoint needs. A service token acts only where both its account's roles and its scopes allow.

Transactions: clerks (and maintainers, who open corrections and supplements, 第十一条) create, amend,
attach, submit and withdraw; the four review roles review (第七条). Who may open which type, in which
region, and which stage is due are checked again by workflow/services.py; which transactions one may
read is workflow/visibility.py. Look-ups are for the staff who handle or supervise records.
"""

from sirecords.users.access import ANONYMOUS, roles
from sirecords.workflow.stages import REVIEW_ROLES

PERSON_API, EMPLOYER_API = "portal_person", "portal_employer"  # a portal bearer token of that kind: api/portal_auth.py

CREATORS = roles("clerk", "maintainer")
REVIEWERS = roles(*REVIEW_ROLES)  # the stage configuration's (workflow/stages.py), as the desk's
READERS = CREATORS | REVIEWERS | roles("supervisor")
LOOKUP = CREATORS | REVIEWERS | roles("query_officer", "supervisor")

# The scopes an API token may hold (users/transactions.py accepts these).
READ_TRANSACTIONS, WRITE_TRANSACTIONS = "transactions:read", "transactions:write"
READ_PERSONS, READ_EMPLOYERS = "persons:read", "employers:read"
READ_STATS = "stats:read"  # de-identified statistics (第十七条, api/stats.py)
# Disputes of the record (第十六条, api/disputes.py): the staff's list, and the steps of the re-examination.
READ_DISPUTES, WRITE_DISPUTES = "disputes:read", "disputes:write"
# Transfers between regions (第十条, api/transfers.py): the staff's list of their progress.
READ_TRANSFERS = "transfers:read"
# A department's channel (第五条, api/feeds.py): a token holds feed:<kind> for the feeds it may send (its endpoint's
# scope is this prefix; the operation checks the kind).
FEED = "feed:"
# Who may ask for de-identified statistics, in the regions where they hold the role (api/stats.py).
STATS_ROLES = ("query_officer", "supervisor")
# Who re-examines a dispute (disputes/transactions.py EXAMINERS: the business roles, never an administrator or a query
# officer), and who reads the cases (disputes/services.py READERS: those and the supervisors); each within their regions
# (disputes/services.handles). Spelt here, as this table is read before the apps are loaded; tests/api/test_disputes.py
# checks they agree.
DISPUTE_EXAMINERS = roles("clerk", "maintainer", *REVIEW_ROLES)
DISPUTE_READERS = DISPUTE_EXAMINERS | roles("supervisor")
# Who reads the list of transfers (transfers/queries.py READERS: the clerks, the review chain's roles, the supervisors),
# each within their regions; tests/web/test_transfer_pages.py checks they agree.
TRANSFER_READERS = roles("clerk", *REVIEW_ROLES, "supervisor")

RULES: dict = {
    # The schema and its viewer describe the API; they hold no records.
    "api:api-root": ANONYMOUS,
    "api:openapi-json": ANONYMOUS,
    "api:openapi-view": ANONYMOUS,
    "api:txn_create": CREATORS,
    "api:txn_mine": CREATORS,
    "api:txn_queue": REVIEWERS,
    "api:txn_detail": READERS,
    "api:txn_amend": CREATORS,
    "api:txn_attach": CREATORS,
    "api:txn_submit": CREATORS,
    "api:txn_review": REVIEWERS,
    "api:txn_withdraw": CREATORS,
    "api:person_lookup": LOOKUP,
    "api:employer_lookup": LOOKUP,
    "api:person_record": LOOKUP,
    # The portal (issue #10): signing in (POST) answers anyone (the view checks identifier, password and code); its
    # DELETE on the same path takes the session's own bearer token (api/portal.py); the rest need a bearer token of the
    # endpoint's kind (api/portal_auth.py). No staff session or service token is admitted.
    "api:me_session": ANONYMOUS,
    # A staff API session (api/staff_session.py): POST signs in (the view checks username, password and code); DELETE
    # ends the session whose token it carries.
    "api:staff_session": ANONYMOUS,
    "api:employer_session": ANONYMOUS,
    "api:me_account": PERSON_API,
    # The person's own record, reads and estimate (api/me.py): the token's person only.
    "api:me_record": PERSON_API,
    "api:me_reads": PERSON_API,
    "api:me_estimate": PERSON_API,
    "api:employer_account": EMPLOYER_API,
    "api:employer_contributions": EMPLOYER_API,  # the unit's own rows (api/portal_employer.py)
    "api:employer_employees": EMPLOYER_API,  # its employees, within their time with it; access-logged
    "api:stats": roles(*STATS_ROLES),  # de-identified aggregates only (第十七条)
    "api:feed_receive": roles("clerk"),  # a department's feed: the service account of its channel, or a clerk
    # Disputes of the record (第十六条, api/disputes.py). The person's own cases (GET lists, POST files) and their
    # evidence; the unit's (GET lists, POST files); the token's person or unit only.
    "api:me_disputes": PERSON_API,
    "api:me_dispute": PERSON_API,
    "api:me_dispute_evidence": PERSON_API,
    "api:employer_disputes": EMPLOYER_API,
    # The staff's: the list (examiners and supervisors), the re-examination's steps (examiners); their regions' cases.
    "api:disputes": DISPUTE_READERS,
    "api:dispute_examine": DISPUTE_EXAMINERS,
    "api:dispute_refuse": DISPUTE_EXAMINERS,
    "api:dispute_correct": DISPUTE_EXAMINERS,
    "api:dispute_refer": DISPUTE_EXAMINERS,
    # Transfers between regions (第十条, api/transfers.py): the person's own (the token's person only), and the staff's
    # list of their regions' transfers.
    "api:me_transfers": PERSON_API,
    "api:transfers": TRANSFER_READERS,
}

# The scope a token needs for each guarded endpoint.
SCOPES: dict[str, str] = {
    "api:txn_create": WRITE_TRANSACTIONS,
    "api:txn_mine": READ_TRANSACTIONS,
    "api:txn_queue": READ_TRANSACTIONS,
    "api:txn_detail": READ_TRANSACTIONS,
    "api:txn_amend": WRITE_TRANSACTIONS,
    "api:txn_attach": WRITE_TRANSACTIONS,
    "api:txn_submit": WRITE_TRANSACTIONS,
    "api:txn_review": WRITE_TRANSACTIONS,
    "api:txn_withdraw": WRITE_TRANSACTIONS,
    "api:person_lookup": READ_PERSONS,
    "api:employer_lookup": READ_EMPLOYERS,
    "api:person_record": READ_PERSONS,
    "api:stats": READ_STATS,
    "api:feed_receive": FEED,
    "api:disputes": READ_DISPUTES,
    "api:dispute_examine": WRITE_DISPUTES,
    "api:dispute_refuse": WRITE_DISPUTES,
    "api:dispute_correct": WRITE_DISPUTES,
    "api:dispute_refer": WRITE_DISPUTES,
    "api:transfers": READ_TRANSFERS,
}
