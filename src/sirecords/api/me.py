"""The insured person's own record over the API (issue #10 §5), for self-service terminals, the phone system and apps:
`GET /api/me/record`, `GET /api/me/reads`, `GET /api/me/estimate?growth=0.03&category=male`.

Only a person's bearer token is admitted (api/portal_auth.PersonBearer: rule PERSON_API). The person is the token's,
never a parameter: there is no way to name another person. A query parameter an endpoint does not take (``person``,
``id_number``, ``uid`` …) is refused with 422 naming it rather than silently ignored, and the attempt is logged (the
security log, and the access log as a refused read of the token holder's record, which reads_of does not list).

The record is read through `queries.scopes.person_view` as the person themself (the one function that decides what
a requester sees) and every answer is logged with `records.disclosure.record_own_read` (channel "api").
"""

from __future__ import annotations

import logging
from typing import Any

from ninja import Field, Router, Schema
from pydantic import ConfigDict

from sirecords.api.portal_auth import portal_endpoint
from sirecords.api.schemas import Problem
from sirecords.queries.scopes import Requester, person_view
from sirecords.records.access_log import record_access
from sirecords.records.disclosure import PORTAL_PURPOSES, person_actor, reads_of, record_own_read
from sirecords.records.estimate import DEFAULT_GROWTH, estimate_for, parse_growth
from sirecords.records.limits import REFUSED
from sirecords.transactions.posting import InvalidTransaction

router = Router(tags=["portal: insured person"])
security_log = logging.getLogger("sirecords.security")
CHANNEL = "api"


class _Open(Schema):
    # The named keys are the contract; a key person_view adds later is passed on rather than dropped.
    model_config = ConfigDict(extra="allow")


class RecordOut(_Open):
    """The person's whole record (第二条 (一)–(五)) as queries.scopes.person_view gives it to the person themself.
    Money is a yuan string with two decimals; months are "YYYY-MM"."""

    person: dict[str, Any] = Field(description="registration (第二条(一)): uid, id_number (masked), name, sex, birth_date, "
                                               "region, pooling_region, registered_on")
    summary: dict[str, Any] | None = Field(None, description="region, name, status (active, retired, deceased, "
                                           "transferred_out, terminated), contribution_months, deemed_months, "
                                           "account_balance (last year-end plus this year's credited principal), "
                                           "transferred_to, account_type (basic, temporary), pension (null or monthly, "
                                           "status paid|withheld|suspended|"
                                           "stopped, paid_through, due_through)")
    timeline: list[dict[str, Any]] = Field(description="registrations, employment periods, changes, subsidies, "
                                                       "retirement, deemed service: seq, kind, date, detail …")
    contributions: list[dict[str, Any]] | None = Field(None, description="per month and insurance type (第二条(二)): "
                                                       "period, insurance_type, employer, base, employer_amount, "
                                                       "individual_amount, account_credit, paid_on (empty: in arrears), kind, late_fee, "
                                                       "counts, in_arrears, reversed")
    subsidies: list[dict[str, Any]] | None = Field(None, description="subsidies per month and insurance type")
    account_years: list[dict[str, Any]] | None = Field(None, description="the individual account statement per year "
                                                       "(第二条(四)): opening, credits, interest_on_prior, "
                                                       "interest_on_credits, closing, months, rate")
    contribution_years: dict[str, Any] | None = Field(None, description="actual_months, deemed_months, total_months, "
                                                      "years, months, trace_lines")
    deemed_service: list[dict[str, Any]] | None = Field(None, description="recognised deemed service periods")
    account_closure: dict[str, Any] | None = Field(None, description="the account closed before retirement, if so")
    pension: dict[str, Any] | None = Field(None, description="the award (第二条(三)): basic, account, transitional, "
                                           "awarded, total, adjustments, payments, trace_lines ('why is my pension this "
                                           "amount'); null when not retired")
    scope: dict[str, Any] = Field(description="what the answer includes and why (the basis in plain words)")


class ReadOut(Schema):
    at: str = Field(description="when (UTC, ISO 8601)")
    date: str
    organisation: str = Field(description="the agency, the employer or the third party; never a staff member's name")
    role: str
    channel: str
    purpose: str
    what: str


class EstimateOut(_Open):
    """records.estimate.estimate_for's answer (docs/estimate.md): an estimate, or for a retiree the award."""

    status: str = Field(description="estimate | awarded | closed | unavailable")
    growth: str
    category: str
    categories: list[str]
    estimate: dict[str, Any] | None = Field(None, description="retirement_month, minimum_months, missing_months_now, "
                                            "pension_month, balance_at_pension, pension {basic_part, account_part, "
                                            "transitional_part, total} …")
    trace: dict[str, Any] | None = None
    trace_lines: list[str]
    pension: dict[str, Any] | None = Field(None, description="a retiree's awarded pension")
    reason: str
    rule_version: str
    demo_parameters: bool


def refuse_other_parameters(request, what: str, accepted: tuple[str, ...] = ()) -> None:
    """Raise InvalidTransaction (422) naming any query parameter the endpoint does not take, after logging the
    attempt: an endpoint of /api/me/ answers about the token's person only, so a `person` or `id_number` parameter
    is an attempt to reach someone else's record (its value is not logged: it may be an ID number)."""
    others = sorted(set(request.GET) - set(accepted))
    if not others:
        return
    person = request.auth.person
    security_log.warning("portal api refused %s for %s: query parameters %s not accepted", request.path,
                         request.auth.username, ", ".join(others)[:200])
    record_access(person_actor(person), f"person:{person.uid}",
                  f"{REFUSED} {what}: query parameter {', '.join(others)} not accepted", CHANNEL,
                  f"self: {PORTAL_PURPOSES['self'][1]}")
    raise InvalidTransaction({name: "is not a parameter of this endpoint: it answers about the signed-in person only"
                              for name in others})


@portal_endpoint(router, "GET", "/me/record", "me_record", response={200: RecordOut, 401: Problem, 422: Problem})
def my_record(request):
    """The whole record of the token's person (第十五条: a self-query, free), in the scope of the person themself."""
    refuse_other_parameters(request, "record")
    person = request.auth.person
    view = person_view(person, Requester("self", person_uid=person.uid))
    record_own_read(person, "record", CHANNEL)
    return view


@portal_endpoint(router, "GET", "/me/reads", "me_reads", response={200: list[ReadOut], 401: Problem, 422: Problem})
def my_reads(request):
    """Who read my record (第二十一条, 第二十二条), newest first: the date, the organisation and role, the channel and
    the purpose; reads a 第十八条 order keeps back appear from its disclosure date."""
    refuse_other_parameters(request, "reads")
    person = request.auth.person
    reads = reads_of(person)
    record_own_read(person, "reads", CHANNEL)
    return reads


@portal_endpoint(router, "GET", "/me/estimate", "me_estimate", response={200: EstimateOut, 401: Problem, 422: Problem})
def my_estimate(request, growth: str | None = None, category: str | None = None):
    """The pension estimate from the person's own record at a yearly wage growth (a fraction such as 0.03 or a
    percentage such as 3%; default 0.03), for a retirement category that fits the person (male, female55, female50;
    default: male for men, female50 for women); for a retiree, the award. Bad growth or category: 422 naming it."""
    refuse_other_parameters(request, "estimate", ("growth", "category"))
    person = request.auth.person
    rate = DEFAULT_GROWTH if growth in (None, "") else parse_growth(growth)
    answer = estimate_for(person, rate, category=category or None)
    record_own_read(person, "estimate", CHANNEL)
    return answer
