"""Looking up an insured person or an employer.

A person's data is read only for a stated purpose, and each read is recorded in the access log
(第二十一条): who, whose record, through the API, why. The ID number travels in the request body, so
that it never lands in a URL, a proxy's access log or a browser history.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router

from sirecords.api.operations import endpoint
from sirecords.api.schemas import EmployerOut, PersonLookupIn, PersonOut, Problem
from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code
from sirecords.records.access_log import record_access
from sirecords.registry.models import Employer
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction

CHANNEL = "api"
PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

router = Router(tags=["look-ups"])


def person_for(body: PersonLookupIn, purpose: str, reading: str):
    """The person named by the body's ID number, once the caller has said why (第二十一条).
    422 for a missing purpose or an invalid number, 404 for a number nobody is registered with."""
    if not purpose.strip():
        raise InvalidTransaction({"purpose": f"is required: say why you {reading} (第二十一条)"})
    try:
        person = find_person_by_id_number(body.id_number)
    except InvalidIdentifier as invalid:
        raise InvalidTransaction({"id_number": invalid.message}) from None
    if person is None:
        raise Http404("no insured person is registered with this ID number")
    return person


@endpoint(router, "POST", "/persons/lookup", "person_lookup", response={200: PersonOut, **PROBLEMS},
          summary="An insured person by resident ID number, with employment periods (access-logged)")
def person_lookup(request, body: PersonLookupIn,
                  purpose: str = Query(..., description="Why you look this person up; recorded in the access log")):
    person = person_for(body, purpose, "look up this person")
    answer = {
        "uid": person.uid, "id_number": person.masked_id_number, "name": person.name, "sex": person.sex,
        "birth_date": person.birth_date, "region": person.region, "registered_on": person.registered_on,
        "employments": [{"employer_uscc": job.employer.uscc, "employer_name": job.employer.name, "start": job.start,
                         "end": job.end} for job in person.employments.select_related("employer").order_by("start", "uid")],
    }
    record_access(request.auth.actor.username, f"person:{person.uid}", "person.detail", CHANNEL, purpose.strip())
    return answer


@endpoint(router, "GET", "/employers/{uscc}", "employer_lookup", response={200: EmployerOut, **PROBLEMS},
          summary="An employer by unified social credit code")
def employer_lookup(request, uscc: str):
    code = normalize_code(uscc)
    problems = check_uscc(code)
    if problems and problems[0].code in ("uscc.length", "uscc.charset"):  # malformed (a NUL too): never looked up
        raise InvalidTransaction({"uscc": problems[0].message})
    employer = Employer.objects.filter(uscc=code).first()
    if employer is None:
        if problems:
            raise InvalidTransaction({"uscc": problems[0].message})
        raise Http404("no employer is registered with this unified social credit code")
    return {"uid": employer.uid, "uscc": employer.uscc, "name": employer.name, "address": employer.address,
            "region": employer.region, "status": employer.status, "registered_on": employer.registered_on}
