"""The counter pages of the portal. The query officer's (第十五条): after checking the applicant's ID document, issue the
activation code of their portal account (the first one opens it; a later one resets the password or lifts a lock).

The look-up is a read like the desk's person search: its purpose is stated, the look-up and probe rates apply, and
it is written to the access log (records/reads.py). The code is shown once, on this answer only (no-store), and
kept only as a keyed digest (portal/credentials.py).

The clerk's: open an employer's portal account (`create_employer_portal_account`, reviewed once by a first reviewer
on the desk's queue); its code is shown once to the clerk, who hands it to the employer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username, person_username
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount
from sirecords.records import reads
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_desk import DeskForm, checked_id_number, employer_by_uscc
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


class EmployerUserForm(DeskForm):
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40)
    user_name = forms.CharField(label=gettext_lazy("User name"), max_length=40)

    def clean(self):
        data = super().clean()
        if "uscc" in data and "user_name" in data:
            self.employer = employer_by_uscc(data["uscc"])
            self.username = employer_username(self.employer.uid, data["user_name"].strip().lower())
            if not EmployerPortalAccount.objects.filter(pk=self.username).exists():
                self.add_error("user_name", _("The employer has no portal user of this name."))
        return data


@page("desk_portal_employer_code")
@never_cache
@require_http_methods(["GET", "POST"])
def employer_code_view(request):
    """A clerk issues a new activation code for an employer's portal user: the only password reset, and what lifts
    a lock. At once (no review); the code is shown once."""
    form = EmployerUserForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            code, expires_on = portal.issue_employer_activation_code(request.actor, form.username, channel=CHANNEL)
        except (InvalidTransaction, Refused) as refused:
            form.add_error(None, getattr(refused, "message", None) or str(refused))
        else:
            issued = {"code": code, "expires_on": expires_on, "who": f"{form.employer.name} · {form.cleaned_data['user_name']}"}
            form = EmployerUserForm()
    return render(request, "web/portal/desk_employer_code.html", {"form": form, "issued": issued})


class LockForm(DeskForm):
    id_number = forms.CharField(label=gettext_lazy("Resident ID number (an insured person's account)"), max_length=40,
                                required=False)
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code (an employer's account)"), max_length=40,
                           required=False)
    user_name = forms.CharField(label=gettext_lazy("User name (an employer's account)"), max_length=40, required=False)
    reason = forms.CharField(label=gettext_lazy("Why is the account locked"), max_length=150)

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        return checked_id_number(raw) if raw else ""

    def clean(self):
        data = super().clean()
        self.username = None
        if data.get("id_number") and (data.get("uscc") or data.get("user_name")):
            raise forms.ValidationError(_("Give either an ID number or an employer's code and user name, not both."))
        if data.get("uscc") and data.get("user_name"):
            employer = employer_by_uscc(data["uscc"])
            username = employer_username(employer.uid, data["user_name"].strip().lower())
            if EmployerPortalAccount.objects.filter(pk=username).exists():
                self.username = username
            else:
                self.add_error("user_name", _("The employer has no portal user of this name."))
        elif not data.get("id_number") and "id_number" not in self.errors:
            raise forms.ValidationError(_("Give an ID number, or an employer's code and user name."))
        return data


def _person_account(request, form, purpose: str) -> str | None:
    """The username of the portal account of the ID number typed: a look-up like the desk's (rates, access log)."""
    number = form.cleaned_data["id_number"]
    reader = reads.Reader(request.actor, "web")
    reads.admit_lookup(reader, request, number, purpose)
    person = find_person_by_id_number(number)
    if person is None:
        reads.probe(reader, request, number, purpose, invalid=False)
        form.add_error("id_number", _("No insured person is registered with this ID number."))
        return None
    reads.read(reader, f"person:{person.uid}", "portal account locked", purpose)
    if not PersonPortalAccount.objects.filter(person_uid=person.uid).exists():
        form.add_error("id_number", _("No portal account belongs to this ID number."))
        return None
    return person_username(person.uid)


@page("desk_portal_lock")
@never_cache
@require_http_methods(["GET", "POST"])
def lock_view(request):
    """A query officer or clerk locks a portal account at once (a stolen phone, a misuse): no sign-in, no session,
    no token of it works; a new code, after the identity is checked again, lifts it. A person's look-up is a read
    (rates, access log; the lock's reason is its purpose)."""
    form = LockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        username = form.username or _person_account(request, form, f"portal lock: {reason}")
        if username:
            try:
                portal.lock_account(request.actor, username, reason=reason, channel=CHANNEL)
            except (InvalidTransaction, Refused) as refused:
                form.add_error(None, getattr(refused, "message", None) or str(refused))
            else:
                messages.success(request, _("The account is locked. A new activation code, issued after the holder's "
                                            "identity is checked again, lifts the lock."))
                return redirect("desk_portal_lock")
    return render(request, "web/portal/desk_lock.html", {"form": form})
