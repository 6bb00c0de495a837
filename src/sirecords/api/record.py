"""A person's record (第二条; issue 4 §6): timeline, monthly contributions, account statement per year,
contribution years with their trace, and the pension when the benefits app is installed.

Like the person look-up it is a POST with the ID number in the body (never in a URL) and a stated
purpose, and every read is written to the access log (第二十一条).
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from sirecords.api.lookups import person_for
from sirecords.api.operations import endpoint
from sirecords.api.schemas import PersonLookupIn, Problem
from sirecords.records import personal as personal_record
from sirecords.records.access_log import record_access

CHANNEL = "api"
PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

router = Router(tags=["look-ups"])


@endpoint(router, "POST", "/persons/record", "person_record", response={200: dict[str, Any], **PROBLEMS},
          summary="A person's record: timeline, contributions, account statement, contribution years (access-logged)")
def person_record(request, body: PersonLookupIn,
                  purpose: str = Query(..., description="Why you read this person's record; recorded in the access log")):
    person = person_for(body, purpose, "read this person's record")
    answer = personal_record.full_record(person)
    answer["contribution_years"].pop("trace_lines", None)
    if answer["pension"]:
        answer["pension"].pop("trace_lines", None)
    record_access(request.auth.actor.username, f"person:{person.uid}", "person.record", CHANNEL, purpose.strip())
    return answer
