"""A person's record (第二条; issue 4 §6): timeline, monthly contributions, account statement per year,
contribution years with their trace, and the pension when the benefits app is installed.

Like the person look-up it is a POST with the ID number in the body (never in a URL) and a stated purpose (a code,
a reference where the code needs one, a detail); every read is admitted and written to the access log by
records/reads.py (the caller's regions and read limits: 第二十一条, 第二十二条).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router
from ninja.renderers import JSONRenderer

from sirecords.api.lookups import PROBLEMS, detail_query, person_for, purpose_query, reference_query
from sirecords.api.operations import endpoint
from sirecords.api.schemas import PersonLookupIn
from sirecords.records import personal as personal_record

router = Router(tags=["look-ups"])
RENDERER = JSONRenderer()  # the NinjaAPI's (api/api.py sets no other)


@endpoint(router, "POST", "/persons/record", "person_record", response={200: dict[str, Any], **PROBLEMS},
          summary="A person's record: timeline, contributions, account statement, contribution years "
                  "(for a stated purpose, access-logged)")
def person_record(request, body: PersonLookupIn, purpose: str = purpose_query(), purpose_reference: str = reference_query(),
                  purpose_detail: str = detail_query()):
    person, _purpose = person_for(request, body, purpose, purpose_reference, purpose_detail, "person.record")
    answer = personal_record.full_record(person)
    answer["contribution_years"].pop("trace_lines", None)
    if answer["pension"]:
        answer["pension"].pop("trace_lines", None)
    # Rendered as the API renders every answer (ninja's JSON renderer), without passing it through the response schema
    # first: dict[str, Any] checks nothing, and copying a 30-year record's 1,800 rows through it cost ~10% of the request.
    return HttpResponse(RENDERER.render(request, answer, response_status=200),
                        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
