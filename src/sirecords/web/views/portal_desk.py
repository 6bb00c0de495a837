"""The counter pages of the portal. The query officer's (第十五条): after checking the applicant's ID document, issue the
activation code of their portal account (the first one opens it; a later one resets the password or lifts a lock).

The look-up is a read like the desk's person search: its purpose is stated, the look-up and probe rates apply, and
it is written to the access log (records/reads.py). The code is shown once, on this answer only (no-store), and
kept only as a keyed digest (portal/credentials.py).

The clerk's: open an employer's portal account (`create_employer_portal_account`, reviewed once by a first reviewer
on the desk's queue); its code is shown once to the clerk, who hands it to the employer."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.portal import services as portal
from sirecords.records import reads
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_desk import DeskForm, employer_by_uscc
from sirecords.web.forms_record import CounterSearchForm
from sirecords.web.guard import page
from sirecords.workflow.services import Refused

CHANNEL = "counter"


class ActivationCodeForm(CounterSearchForm):
    identity_checked = forms.BooleanField(
        label=gettext_lazy("I have checked the applicant's resident ID card, and it is theirs and bears this number."),
        required=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"purpose": "counter", "purpose_detail": "网上查询账号激活码"})
        super().__init__(*args, **kwargs)


@page("desk_portal_activation")
@never_cache
@require_http_methods(["GET", "POST"])
def activation_code_view(request):
    form = ActivationCodeForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        number, purpose = form.cleaned_data["id_number"], form.purpose
        reader = reads.Reader(request.actor, "web")
        reads.admit_lookup(reader, request, number, purpose)
        person = find_person_by_id_number(number)
        if person is None:
            reads.probe(reader, request, number, purpose, invalid=False)
            form.add_error("id_number", _("No insured person is registered with this ID number."))
        else:
            reads.read(reader, f"person:{person.uid}", "portal activation code issued", purpose)
            try:
                code, expires_on = portal.issue_activation_code(person, actor=request.actor, channel=CHANNEL)
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                issued = {"code": code, "expires_on": expires_on, "masked_id_number": person.masked_id_number}
                form = ActivationCodeForm()  # ready for the next applicant
    return render(request, "web/portal/desk_activation.html", {"form": form, "issued": issued})


class EmployerAccountForm(DeskForm):
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40)
    user_name = forms.CharField(label=gettext_lazy("User name"), max_length=40,
                                help_text=gettext_lazy("2–40 lower-case letters, digits, '.', '_' or '-'; the employer "
                                                       "signs in with it and the unit's code."))
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=100)

    def clean_uscc(self):
        self.employer = employer_by_uscc(self.cleaned_data["uscc"])
        return self.employer.uscc


@page("desk_portal_employer")
@never_cache
@require_http_methods(["GET", "POST"])
def employer_account_view(request):
    """A clerk opens an employer's portal account (reviewed once, by a first reviewer); the code is shown once here
    and works once the account is approved."""
    form = EmployerAccountForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = portal.create_employer_account(request.actor, form.employer, data["user_name"], data["display_name"],
                                                     channel=CHANNEL)
        except InvalidTransaction as invalid:
            for name, message in invalid.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            form = EmployerAccountForm()
    return render(request, "web/portal/desk_employer.html", {"form": form, "created": created})
