"""The supervising department's pages (第三条): the access log, the maintenance log (第十二条) with its
CSV export, and the last integrity check. Read-only.

A search by ID number is posted, never put in a URL: the page resolves it through the blind index
and redirects to the filter `subject=person:<uid>`, so ID numbers stay out of addresses and server logs.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sirecords.core.home import home
from sirecords.ledger.models import Entry
from sirecords.operations.reading import last_backup, latest_drills, latest_readability
from sirecords.records import reads
from sirecords.records.access_log import record_access
from sirecords.records.limits import UNCOUNTED, recent_alerts
from sirecords.records.models import AccessEvent
from sirecords.records.purposes import implied
from sirecords.registry.maintenance_log import KINDS, maintenance_log, write_csv
from sirecords.web.forms_admin import LogFilterForm
from sirecords.web.guard import page
from sirecords.web.views.admin_common import CHANNEL, focus, query_string, txn_url

PER_PAGE = 50
MAINTENANCE_LOG, MAINTENANCE_CSV = UNCOUNTED  # what these listings record: not counted against the read limits
FILTERS = ("subject", "actor", "since", "until")


def _filters(request, url_name: str):
    """(form, filters, redirect-or-None) from a posted search or the query string of a listing."""
    if request.method == "POST":
        form = LogFilterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            subject = form.subject
            if form.person:
                messages.info(request, _("Showing the records of the person with ID number %(masked)s (%(subject)s).") % {
                    "masked": form.person.masked_id_number, "subject": subject})
            elif subject:
                messages.info(request, _("Nobody is registered with this ID number: showing the look-ups of it (probes), "
                                         "which the access log names by its keyed index."))
            params = {"subject": subject, "actor": data["actor"].strip(),
                      "since": data["since"].isoformat() if data["since"] else "",
                      "until": data["until"].isoformat() if data["until"] else ""}
            return form, {}, redirect(f"{reverse(url_name)}?{query_string(params)}")
        return form, {}, None
    given = {key: request.GET.get(key, "").strip() for key in FILTERS}
    form = LogFilterForm({**given, "id_number": ""}) if any(given.values()) else LogFilterForm()
    filters = {"subject": given["subject"][:80]}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters.update(actor=data["actor"].strip(), since=data["since"].isoformat() if data["since"] else "",
                       until=data["until"].isoformat() if data["until"] else "")
    return form, {key: value for key, value in filters.items() if value}, None


def _day_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _listing_context(form, filters: dict, listing) -> dict:
    return {"form": focus(form), "filters": filters, "listing": listing, "read_alerts": recent_alerts(),
            "prev_query": query_string(filters, page=listing.previous_page_number()) if listing.has_previous() else "",
            "next_query": query_string(filters, page=listing.next_page_number()) if listing.has_next() else "",
            "clear_subject": query_string(filters, subject=None) if filters.get("subject") else None}


@page("supervise_access_log")
@require_http_methods(["GET", "POST"])
def access_log_view(request):
    form, filters, done = _filters(request, "supervise_access_log")
    if done:
        return done
    events = AccessEvent.objects.order_by("-seq")
    if filters.get("subject"):
        # A person's reads include those made before they were registered (their pending registration, earlier
        # probes of their number), which the log names by the number's keyed index.
        events = events.filter(subject__in=reads.subjects_of(filters["subject"]))
    if filters.get("actor"):
        events = events.filter(actor=filters["actor"])
    if filters.get("since"):
        events = events.filter(at__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(at__lt=_day_after(filters["until"]))
    listing = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    context = _listing_context(form, filters, listing)
    context["rows"] = [{"event": e, "only_this": query_string(filters, subject=e.subject)} for e in listing]
    return render(request, "web/admin/access_log.html", context, status=400 if form.errors else 200)


def _log_entries(filters: dict):
    entries = Entry.objects.filter(kind__in=KINDS).order_by("-seq")
    if filters.get("subject"):
        entries = entries.filter(subject=filters["subject"])
    if filters.get("actor"):
        entries = entries.filter(actor=filters["actor"])
    if filters.get("since"):
        entries = entries.filter(recorded_at__gte=filters["since"])
    if filters.get("until"):
        entries = entries.filter(recorded_at__lt=_day_after(filters["until"]))
    return entries


def _records(filters: dict):
    """Every maintenance log record the filters select, newest first."""
    for record in maintenance_log(since=filters.get("since", ""), until=filters.get("until", ""), actor=filters.get("actor", "")):
        if not filters.get("subject") or record.subject == filters["subject"]:
            yield record


def _log_people(request, subjects, what: str) -> None:
    """The maintenance log shows personal data (names, phones, addresses before and after): one access record
    per person shown."""
    purpose = str(implied("supervision", "review of the maintenance log (第十二条)", "maintenance-log"))
    for subject in sorted({s for s in subjects if s.startswith("person:")}):
        record_access(request.actor.username, subject, what, CHANNEL, purpose)


@page("supervise_maintenance_log")
@require_http_methods(["GET", "POST"])
def maintenance_log_view(request):
    form, filters, done = _filters(request, "supervise_maintenance_log")
    if done:
        return done
    listing = Paginator(_log_entries(filters).values_list("seq", "recorded_at"), PER_PAGE).get_page(request.GET.get("page"))
    records = []
    if listing.object_list:
        seqs = {seq for seq, _at in listing}
        times = sorted(at for _seq, at in listing)
        # Decode only the records of this page: the log between the page's first and last time, then by seq.
        records = [r for r in maintenance_log(since=times[0], until=times[-1], actor=filters.get("actor", "")) if r.seq in seqs]
    _log_people(request, (r.subject for r in records), MAINTENANCE_LOG)
    context = _listing_context(form, filters, listing)
    context.update(records=[{"record": r, "url": txn_url(r.txn, request.actor)} for r in records],
                   csv_query=query_string(filters))
    return render(request, "web/admin/maintenance_log.html", context, status=400 if form.errors else 200)


@page("supervise_maintenance_csv")
@require_GET
def maintenance_csv_view(request):
    _form, filters, _done = _filters(request, "supervise_maintenance_log")
    subjects: list[str] = []

    def noted(records):
        for record in records:
            subjects.append(record.subject)
            yield record

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="maintenance-log-{stamp}.csv"'
    response.write("\ufeff")  # byte order mark: Excel then reads the file as UTF-8 and shows the Chinese
    write_csv(noted(_records(filters)), response)
    _log_people(request, subjects, MAINTENANCE_CSV)
    return response


@page("supervise_integrity")
@require_GET
def integrity_view(request):
    path = home() / "verify-last.json"
    context: dict = {"path": path, "result": None, "problem": None, "read_alerts": recent_alerts(),
                     "last_backup": last_backup(),
                     "checks_tables": [(_("Readability checks"), latest_readability(), False),
                                       (_("Restore drills"), latest_drills(), True)]}
    if path.exists():
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(result, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as error:
            context["problem"] = str(error)
        else:
            when = (datetime.fromisoformat(result["checked_at"].replace("Z", "+00:00")) if result.get("checked_at")
                    else datetime.fromtimestamp(path.stat().st_mtime, UTC))
            checked = when.strftime("%Y-%m-%d %H:%M:%S UTC")
            findings = [f for f in result.get("findings") or [] if isinstance(f, dict)]
            context.update(result=result, checked=checked, findings=findings,
                           ok=bool(result.get("ok", not findings)) and not findings)
    return render(request, "web/admin/integrity.html", context)
