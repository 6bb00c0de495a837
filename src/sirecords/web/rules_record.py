"""Access rules of the person's record pages (web/urls_record.py), by URL name (see sirecords/users/access.py).

The same staff as the API look-ups (api/rules.py LOOKUP): clerks, maintainers, the four review roles,
query officers and supervisors, in any region."""

from sirecords.users.access import roles
from sirecords.workflow.stages import STAGE_ROLE

SEES_RECORDS = roles("clerk", "maintainer", *STAGE_ROLE.values(), "query_officer", "supervisor")

RULES: dict = {
    "record_search": SEES_RECORDS,
    "record_person": SEES_RECORDS,
}
