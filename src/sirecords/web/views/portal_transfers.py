"""Transfers between regions in the portal (第十条, issue #19 point 5): "my transfers" for the insured person — each
transfer's steps with their dates, the awaited step's due date, what moved once received and the region left's written
refusal once closed — and "the employees' transfers" for an employer's user: the progress of the transfers of the
unit's current employees, name and ID number masked, without the months or the refusal (transfers/queries.py).

The person or the unit is the session's (request.portal), never a URL's or a parameter's. Each page is a read of the
persons' data, in the access log they see: the person's own read (records.disclosure.record_own_read), and the unit's
read of each employee shown (record_employer_read), as the record pages log them."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sirecords.core.money import fen_to_yuan
from sirecords.portal.guard import employer_page, person_page
from sirecords.records.disclosure import record_employer_read, record_own_read
from sirecords.transfers import progress, queries
from sirecords.web.forms_transfers import labelled

CHANNEL = "portal"


@never_cache
@require_GET
@person_page
def my_transfers_view(request):
    """/my/transfers/: my transfers, newest first, each with its steps."""
    person = request.portal.person
    transfers = labelled(progress.as_json_many(queries.for_person(person.uid)))
    for item in transfers:
        item.update(account=fen_to_yuan(item["account_fen"]), pooled=fen_to_yuan(item["pooled_fen"]))
    record_own_read(person, "transfers", CHANNEL)
    return render(request, "web/portal/my_transfers.html", {
        "masked_id_number": person.masked_id_number, "transfers": transfers,
        "due_days": settings.SIRECORDS_TRANSFER_DUE_DAYS})


@never_cache
@require_GET
@employer_page
def employer_transfers_view(request):
    """/employer/transfers/: the transfers of the unit's current employees, newest first."""
    caller = request.portal
    transfers = labelled(queries.employees_json(queries.for_employer(caller.employer.uid)))
    for person in sorted({item["person"] for item in transfers}):
        record_employer_read(caller.employer.uid, caller.account.user_name, person, "employer.transfers", CHANNEL)
    return render(request, "web/portal/employer_transfers.html", {
        "employer_name": caller.employer.name, "transfers": transfers})
