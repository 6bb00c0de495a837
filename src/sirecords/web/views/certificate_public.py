"""The public verification page `/v/<code>` (issue 11; the QR code on every certificate points here): no login,
rate-limited per client address, it says whether a certificate with this code was issued and is still valid, with
a masked summary — the kind, the masked ID number, the date of issue, the items of 第二条 it covers — never the
name nor a figure. An unknown or malformed code gets the same page with the same status as any other unknown one
(404, "no such certificate"), so nothing tells a guess that is near from one that is far.

A visitor may also upload the PDF itself (`/v/`, POST) to check its signature and ledger proofs against this
instance's root (certificates.verify.verify_pdf, database consulted for revocation).

Both read the certificate and its summary on the read replica when one is configured (databases/replica.py: no write,
and a moment old will do), a code the replica does not know yet on `default` (verify.certificate_by_code). The rate
counters are written on `default` as everywhere.
"""

from __future__ import annotations

import contextlib
import json

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from sirecords.certificates.kinds import CERTIFICATE_ISSUED
from sirecords.certificates.models import Certificate
from sirecords.certificates.services import canonical_code
from sirecords.certificates.verify import certificate_by_code, verify_pdf
from sirecords.databases.replica import REPLICA, reading_from_replica
from sirecords.ledger.models import Entry
from sirecords.registry.models import Person
from sirecords.web.guard import page

KIND_LABELS = {"contributions": gettext_lazy("Certificate of social insurance contributions"),
               "pension": gettext_lazy("Certificate of pension receipt"),
               "statement": gettext_lazy("Annual statement of personal rights records"),
               "query_result": gettext_lazy("Written answer to a query of the personal rights record")}
ITEM_LABELS = {"registration": gettext_lazy("registration"), "contributions": gettext_lazy("contributions"),
               "benefits": gettext_lazy("benefits"), "years_account": gettext_lazy("contribution years and account"),
               "other": gettext_lazy("other")}
MAX_UPLOAD = 5 * 1024 * 1024


def rate() -> str:
    return getattr(settings, "SIRECORDS_VERIFY_RATE", "30/m")


def limited(request) -> bool:
    """Count this request against the client address's rate (django-ratelimit, the shared "reads" cache)."""
    usage = get_usage(request, group="sirecords.verify", key="ip", rate=rate(), increment=True)
    return bool(usage and usage["should_limit"])


def summary(certificate: Certificate) -> dict:
    """What the page shows of `certificate`, read where the certificate was read (the replica, or `default`)."""
    with reading_from_replica() if certificate._state.db == REPLICA else contextlib.nullcontext():
        return _summary(certificate)


def _summary(certificate: Certificate) -> dict:
    # One issue_statements transaction issues many: the person's entry of it is this certificate's.
    entry = Entry.objects.filter(kind=CERTIFICATE_ISSUED, txn=certificate.txn, subject=f"person:{certificate.person_id}").first()
    items = json.loads(entry.payload).get("items", []) if entry else []
    person = Person.objects.filter(uid=certificate.person_id).first()
    return {"code": certificate.code, "kind": KIND_LABELS.get(certificate.kind, certificate.kind),
            "person": person.masked_id_number if person else "", "issued_on": certificate.issued_at[:10],
            "items": [ITEM_LABELS.get(item, item) for item in items], "revoked_on": certificate.revoked_on,
            "valid": not certificate.revoked_on}


def _too_many(request):
    return render(request, "web/certificates/verify.html", {"too_many": True}, status=429)


@page("certificate_verify")
@never_cache
@require_http_methods(["GET"])
def verify_code_view(request, code: str):
    if limited(request):
        return _too_many(request)
    canonical = canonical_code(code)
    certificate = certificate_by_code(canonical, replica=True) if canonical else None
    if certificate is None:
        return render(request, "web/certificates/verify.html", {"unknown": True}, status=404)
    return render(request, "web/certificates/verify.html", {"certificate": summary(certificate)})


@page("certificate_check")
@never_cache
@require_http_methods(["GET", "POST"])
def check_view(request):
    """GET ?code=…: to the code's page; POST a PDF: its verdict."""
    if request.method == "GET":
        typed = canonical_code(request.GET.get("code", ""))
        if typed:
            return redirect("certificate_verify", code=typed)
        error = _("Type the 16-character verification code printed on the certificate.") if "code" in request.GET else ""
        return render(request, "web/certificates/verify.html", {"form": True, "error": error},
                      status=400 if error else 200)
    if limited(request):
        return _too_many(request)
    upload = request.FILES.get("file")
    if upload is None or upload.size > MAX_UPLOAD:
        return render(request, "web/certificates/verify.html", {
            "form": True, "error": _("Choose the certificate's PDF file (at most 5 MB).")}, status=400)
    verdict = verify_pdf(upload.read(), trust_root_pem=None, database=True, replica=True)
    certificate = certificate_by_code(verdict.code, replica=True) if verdict.valid else None
    return render(request, "web/certificates/verify.html", {
        "form": True, "verdict": verdict, "certificate": summary(certificate) if certificate else None})
