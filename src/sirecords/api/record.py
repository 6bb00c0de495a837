"""A person's record (第二条; issue 4 §6): timeline, monthly contributions, account statement per year,
contribution years with their trace, and the pension when the benefits app is installed.

Like the person look-up it is a POST with the ID number in the body (never in a URL) and a stated
purpose, and every read is written to the access log (第二十一条).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Query, Router

from sirecords import personal_record
from sirecords.audit.log import record_access
from sirecords.ledger.posting import InvalidTransaction
from sirecords.registry.identifiers import InvalidIdentifier
from sirecords.registry.transactions import find_person_by_id_number

from .operations import endpoint
from .schemas import PersonLookupIn, Problem

CHANNEL = "api"
PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

router = Router(tags=["look-ups"])


@endpoint(router, "POST", "/persons/record", "person_record", response={200: dict[str, Any], **PROBLEMS},
          summary="A person's record: timeline, contributions, account statement, contribution years (access-logged)")
def person_record(request, body: PersonLookupIn,
                  purpose: str = Query(..., description="Why you read this person's record; recorded in the access log")):
    if not purpose.strip():
        raise InvalidTransaction({"purpose": "is required: say why you read this person's record (第二十一条)"})
    try:
        person = find_person_by_id_number(body.id_number)
    except InvalidIdentifier as invalid:
        raise InvalidTransaction({"id_number": invalid.message}) from None
    if person is None:
        raise Http404("no insured person is registered with this ID number")
    answer = personal_record.full_record(person)
    answer["contribution_years"].pop("trace_lines", None)
    if answer["pension"]:
        answer["pension"].pop("trace_lines", None)
    record_access(request.auth.actor.username, f"person:{person.uid}", "person.record", CHANNEL, purpose.strip())
    return answer
