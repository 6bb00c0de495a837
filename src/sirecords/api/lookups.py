"""Looking up an insured person or an employer.

A person's data is read only for a stated purpose, and each read is recorded in the access log (第二十一条): who,
whose record, through the API, why. The purpose is a code of the configured list (`purpose`; a 422 lists them),
with a reference where the code needs one (`purpose_reference`) and a free-text `purpose_detail`. The ID number
travels in the request body, so that it never lands in a URL, a proxy's access log or a browser history.

records/reads.py admits each read: the person's pooling region must be one where the caller holds a reading role
(403 naming it), the caller's read limits must not be exceeded (429: distinct persons per hour and day, look-ups
and probes per period, 第二十二条); a look-up of a number nobody is registered with is logged under its keyed index.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router

from sirecords.api.operations import endpoint
from sirecords.api.schemas import EmployerOut, PersonLookupIn, PersonOut, Problem, UsccText, uscc_path
from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code
from sirecords.records import reads
from sirecords.records.purposes import Purpose, check_purpose, listing
from sirecords.registry.models import Employer, Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction

CHANNEL = "api"
PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


def purpose_query():
    return Query(..., description="Why you read this person's data, recorded in the access log: one of the codes "
                                  f"{listing()} (an unknown code is answered 422 with the list)")


def reference_query():
    return Query("", description="The case, application, transaction or task number, for the codes that need one")


def detail_query():
    return Query("", description="In a few words what you need the record for (at least 4 letters or digits, or two "
                                 "Chinese characters)")


router = Router(tags=["look-ups"])


def reader_of(request) -> reads.Reader:
    caller = request.auth
    return reads.Reader(caller.actor, CHANNEL, caller.token if caller.via == "token" else "")


def person_for(request, body: PersonLookupIn, code: str, reference: str, detail: str, what: str) -> tuple[Person, Purpose]:
    """The person named by the body's ID number, once the caller has said why (第二十一条) and may read them; the
    read is then in the access log. 422 for a missing or poor purpose or an invalid number, 404 for a number nobody
    is registered with (both logged as probes), 403 for another region, 429 beyond a read limit."""
    purpose = check_purpose(code, detail, reference)
    reader = reader_of(request)
    # A refusal (another region, a read limit) is ReadRefused: 403 or 429 with Retry-After (api/errors.py).
    reads.admit_lookup(reader, request, body.id_number, purpose)
    try:
        person = find_person_by_id_number(body.id_number)
    except InvalidIdentifier as invalid:
        reads.probe(reader, request, body.id_number, purpose, invalid=True)
        raise InvalidTransaction({"id_number": invalid.message}) from None
    if person is None:
        reads.probe(reader, request, body.id_number, purpose, invalid=False)
        raise Http404("no insured person is registered with this ID number")
    reads.read(reader, f"person:{person.uid}", what, purpose, person=person)
    return person, purpose


@endpoint(router, "POST", "/persons/lookup", "person_lookup", response={200: PersonOut, **PROBLEMS},
          summary="An insured person by resident ID number, with employment periods (for a stated purpose, access-logged)")
def person_lookup(request, body: PersonLookupIn, purpose: str = purpose_query(), purpose_reference: str = reference_query(),
                  purpose_detail: str = detail_query()):
    person, _purpose = person_for(request, body, purpose, purpose_reference, purpose_detail, "person.detail")
    return {
        "uid": person.uid, "id_number": person.masked_id_number, "name": person.name, "sex": person.sex,
        "birth_date": person.birth_date, "region": person.region, "pooling_region": person.pooling_region,
        "registered_on": person.registered_on,
        "employments": [{"employer_uscc": job.employer.uscc, "employer_name": job.employer.name, "start": job.start,
                         "end": job.end} for job in person.employments.select_related("employer").order_by("start", "uid")],
    }


@endpoint(router, "GET", "/employers/{uscc}", "employer_lookup", response={200: EmployerOut, **PROBLEMS},
          summary="An employer by unified social credit code")
def employer_lookup(request, uscc: UsccText = uscc_path()):
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
