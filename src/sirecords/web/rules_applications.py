"""Access rules of the written-application pages (web/urls_applications.py, 第十八条–第二十条), by URL name.

The query officer (the agency's staff who answers queries) registers an application and hands over its answer; the
reviewers of the stages of stages.toml review it on the queue and may refuse it at their stage; supervisors see
applications and, with the query officers, the register of recipients (第二十四条, 第二十九条). The pages then check the
region (applications in the actor's regions only) and the stage."""

from sirecords.users.access import roles
from sirecords.workflow.stages import REVIEW_ROLES

QUERY_OFFICER = roles("query_officer")
SEERS = roles("query_officer", *REVIEW_ROLES, "supervisor")

RULES: dict = {
    "desk_applications": SEERS,
    "desk_application_new": QUERY_OFFICER,
    "desk_application": SEERS,
    "desk_application_refuse": roles(*REVIEW_ROLES),
    "desk_application_answer": QUERY_OFFICER,
    "desk_application_answer_pdf": QUERY_OFFICER,  # the answer about one person as a signed PDF (certificates.issuing)
    "desk_application_refusal": SEERS,
    "desk_recipients": roles("supervisor", "query_officer"),
}
