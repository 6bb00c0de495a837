"""Transfers between regions (第十条, issue #19 point 5) over the API: their progress, as transfers/progress.py gives it.

- the insured person's own, for their bearer token (the person is the token's): `GET /api/me/transfers`, each
  transfer with its steps, their dates and the awaited step's due date, the months and amounts that moved, the region
  left's written refusal; the read in the access log;
- the staff's, for staff sessions and service tokens (api/rules.py: `transfers:read`): `GET /api/transfers?state=&
  overdue=` lists the transfers of the caller's regions by due date, the subject masked (no name, no refusal text).
"""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from sirecords.api.me import refuse_other_parameters
from sirecords.api.operations import endpoint
from sirecords.api.portal_auth import portal_endpoint
from sirecords.api.schemas import Problem
from sirecords.records.disclosure import record_own_read
from sirecords.transfers import progress, queries

CHANNEL = "api"
# transfers.models.TransferState's values (tests/web/test_transfer_pages.py checks they agree).
State = Literal["requested", "received", "closed", "sent"]

me_router = Router(tags=["portal: insured person"])
staff_router = Router(tags=["transfers"])


class StaffQuery(Schema):
    state: State | None = Field(None, description="Only the transfers in this state: requested (awaiting the region "
                                                  "left's answer), received, closed or sent")
    overdue: bool = Field(False, description="Only those awaited past their due date")


class _Open(Schema):
    # The named keys are the contract; a key progress.as_json adds later is passed on rather than dropped.
    model_config = ConfigDict(extra="allow")


class StepOut(_Open):
    step: str = Field(description="requested, answer (the region left answers), received or closed (in); sent (out); "
                                  "supplemented (either: the record sent or received again after a correction)")
    number: int | None = Field(None, description="The supplemented step: the supplements so far")
    status: str = Field(description="done, awaited or upcoming")
    on: str | None = Field(description="The day the step was posted (YYYY-MM-DD); null while not done, and for the "
                                       "region left's answer, whose day is the received or closed step's")
    due_on: str | None = Field(None, description="The awaited step: due by (YYYY-MM-DD, working days with the "
                                                 "public-holiday calendar)")
    overdue: bool | None = Field(None, description="The awaited step: past its due date")


class TransferOut(_Open):
    transfer: str = Field(description="The transfer's number: the contact letter's id (AAE270)")
    direction: str = Field(description="in (this region asked for the record) or out (another region asked this one)")
    state: str = Field(description="requested, received or closed (in); sent (out)")
    other_region: str = Field(description="The other region's 6-digit code (GB/T 2260)")
    other_region_name: str
    collect: bool = Field(description="Gathering the record to where the benefit is paid")
    requested_on: str
    due_on: str | None = Field(description="When the awaited step is due; null once the transfer has ended")
    ended_on: str | None
    overdue: bool
    supplements: int = Field(description="Supplementary packages sent or received (a correction of a month before "
                                         "the transfer, sent again); the figures are then the latest")
    steps: list[StepOut] = Field(description="In the order they happen")
    months: int = Field(description="Paid months that moved (received or sent)")
    deemed_months: int
    account_fen: int = Field(description="The individual account that moved, in fen")
    pooled_fen: int = Field(description="The pooled fund that moved, in fen")


class MyTransferOut(TransferOut):
    refusal: str | None = Field(description="The region left's written reason (closed only)")


class StaffTransferOut(TransferOut):
    subject: str = Field(description="The person's ID number masked (address code only)")
    supplement_due: bool = Field(description="Sent from here, and the record corrected since it was last sent: a "
                                             "supplementary package is due (sirecords transfer supplement)")


@portal_endpoint(me_router, "GET", "/me/transfers", "me_transfers",
                 response={200: list[MyTransferOut], 401: Problem, 422: Problem},
                 summary="My transfers between regions, newest first, each with its steps and the awaited step's due "
                         "date (第十条)")
def my_transfers(request):
    refuse_other_parameters(request, "transfers")
    person = request.auth.person
    found = progress.as_json_many(queries.for_person(person.uid))
    record_own_read(person, "transfers", CHANNEL)
    return found


@endpoint(staff_router, "GET", "/transfers", "transfers",
          response={200: list[StaffTransferOut], 401: Problem, 403: Problem, 422: Problem},
          summary="The transfers of my regions, the awaited ones by due date first, subject masked (optionally one "
                  "state, or the overdue ones)")
def transfers(request, query: Query[StaffQuery]):
    return queries.staff_json(queries.listing(query.state, overdue_only=query.overdue, actor=request.auth.actor))
