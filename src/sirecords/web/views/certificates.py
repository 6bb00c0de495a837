"""Certificates handed over on a page (issue 11, 第十五条): at the counter by the query officer for the person the
counter query serves, within that requester's scope; in the portal by the insured person, their own only. Both call
certificates.issuing.issue_document — the read logged, the issue in the ledger, the PDF signed — and answer with
the signed PDF as a download."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.certificates.issuing import IssuedCertificate, issue_document
from sirecords.portal.guard import person_page
from sirecords.queries.scopes import OutOfScope, Requester
from sirecords.records.limits import ReadRefused
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_certificates import FIELDS, CertificateForm
from sirecords.web.guard import page, refuse
from sirecords.web.views.desk_query import _query
from sirecords.workflow.services import Refused

PORTAL_PURPOSE = "self: 本人在网上服务平台下载 downloaded by the insured person in the portal"


def pdf_response(issued: IssuedCertificate) -> HttpResponse:
    response = HttpResponse(issued.pdf, content_type="application/pdf")
    # No name or ID number in the file name: the kind and the code.
    response["Content-Disposition"] = f'attachment; filename="{issued.document.kind}-{issued.code}.pdf"'
    return response


def _issue(form: CertificateForm, caller, person, requester, purpose, channel: str) -> IssuedCertificate | None:
    """Issue from a valid form; the refusals go onto the form (None then)."""
    try:
        return issue_document(caller, person, form.cleaned_data["kind"], requester=requester, purpose=purpose,
                              channel=channel, **form.arguments())
    except InvalidTransaction as invalid:
        form.add_problems(invalid.errors, FIELDS)
    except OutOfScope as out:
        form.add_error("kind", str(out))
    return None


@page("desk_query_certificate")
@never_cache
@require_http_methods(["GET", "POST"])
def desk_certificate_view(request, uid):
    """A certificate for the person a counter query serves, in the served requester's scope, with the query's basis as
    purpose. Only the officer who recorded the query (as for its answer)."""
    query = _query(request, uid)
    if query.txn.created_by != request.actor.username:
        return refuse(request, _("only {user}, who recorded this query, may hand over its answer").format(
            user=query.txn.created_by))
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = _issue(form, request.actor, query.person, query.requester, query.purpose, "web")
        except (ReadRefused, Refused) as refused:
            return refuse(request, refused.message, getattr(refused, "status", 403))
        if issued is not None:
            return pdf_response(issued)
    return render(request, "web/certificates/desk_new.html", {"form": form, "query": query})


@never_cache
@require_http_methods(["GET", "POST"])
@person_page
def my_certificates_view(request):
    """/my/certificates/: the signed-in person's own certificates (the person is the session's, never a parameter)."""
    person = request.portal.person
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = _issue(form, person, person, Requester("self", person_uid=person.uid), PORTAL_PURPOSE, "portal")
        except Refused as refused:
            form.add_error(None, refused.message)
            issued = None
        if issued is not None:
            return pdf_response(issued)
    return render(request, "web/portal/my_certificates.html", {"form": form, "masked_id_number": person.masked_id_number})
