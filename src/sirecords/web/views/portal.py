"""The portal's own pages: activation (the code from the counter or the annual statement, then a password and an
authenticator), sign-in in one form (identifier, password and TOTP code: portal/services.sign_in), sign-out, and the
landing pages `my_home` and `employer_home` that the record pages extend.

A failed sign-in says only that it failed (never which part was wrong, nor whether the ID number or the unit's user
is registered); portal/services.py logs and counts it towards django-axes' lockout of the account. A wrong
activation code counts the same way. Idle sign-out is the session's expiry (SESSION_COOKIE_AGE, saved on every
request).
"""

from __future__ import annotations

import base64
import time

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from sirecords.portal import services as portal
from sirecords.portal.credentials import EMPLOYER, PERSON, code_digest
from sirecords.portal.guard import employer_page, person_page
from sirecords.portal.models import EmployerPortalAccount
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_portal import (
    EmployerActivationForm,
    EmployerLoginForm,
    EnrolForm,
    PersonActivationForm,
    PersonLoginForm,
)

ACTIVATING = "sirecords_portal_activation"  # {kind, username, digest, at}: between the two activation steps
ACTIVATING_SECONDS = 600
PREVIOUS_LOGIN = "sirecords_portal_previous_login"
HOME = {PERSON: "my_home", EMPLOYER: "employer_home"}
LOGIN = {PERSON: "my_login", EMPLOYER: "employer_login"}
ACTIVATE = {PERSON: "my_activate", EMPLOYER: "employer_activate"}


def reset_hint(kind: str) -> str:
    if kind == PERSON:
        return _("A password is reset only with a new activation code: ask for one at a social insurance counter "
                 "(bring your ID card), or use the one printed on your annual statement. There is no reset by e-mail "
                 "or text message.")
    return _("A password is reset only with a new activation code, which the social insurance agency issues to the "
             "unit on request. There is no reset by e-mail or text message.")


def _next(request, kind: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse(HOME[kind])
    prefix = "/my/" if kind == PERSON else "/employer/"
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if ok and target.startswith(prefix) else reverse(HOME[kind])


def _login_page(request, kind: str, form, username_of):
    if request.method == "POST" and form.is_valid():
        username = username_of(form.cleaned_data)
        try:
            user, device = portal.sign_in(request, username, form.cleaned_data["password"], form.cleaned_data["code"])
        except portal.SignInFailed as failed:
            if failed.locked:
                request.axes_locked_out = False  # answered here, with the portal's page rather than axes'
                return render(request, "web/portal/locked_out.html", status=429)
            form.add_error(None, _("Sign-in failed: check what you typed and try again."))
        else:
            previous = user.last_login
            if request.user.is_authenticated:
                logout(request)  # a staff or other session in this browser ends: one kind of session at a time
            login(request, user, backend=portal.BACKEND)  # django-axes clears the account's failures here
            otp_login(request, device)
            request.session[PREVIOUS_LOGIN] = previous.isoformat() if previous else ""
            return redirect(_next(request, kind))
    heading = _("Insured person sign-in") if kind == PERSON else _("Employer sign-in")
    return render(request, "web/portal/login.html", {"form": form, "next": _next(request, kind), "heading": heading,
                                                     "activate_url": reverse(ACTIVATE[kind]),
                                                     "reset_hint": reset_hint(kind)})


@require_http_methods(["GET", "POST"])
def my_login_view(request):
    return _login_page(request, PERSON, PersonLoginForm(request.POST or None),
                       lambda data: portal.person_login_name(data["id_number"]))


@require_http_methods(["GET", "POST"])
def employer_login_view(request):
    return _login_page(request, EMPLOYER, EmployerLoginForm(request.POST or None),
                       lambda data: portal.employer_login_name(data["uscc"], data["username"]))


def _logout(request, kind: str):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(LOGIN[kind])


@require_http_methods(["POST"])
@person_page
def my_logout_view(request):
    return _logout(request, PERSON)


@require_http_methods(["POST"])
@employer_page
def employer_logout_view(request):
    return _logout(request, EMPLOYER)


def _activate_page(request, kind: str, form, username_of):
    if request.method == "POST" and form.is_valid():
        username = username_of(form.cleaned_data)
        code = form.cleaned_data["activation_code"]
        if portal.locked(request, username):
            request.axes_locked_out = False
            return render(request, "web/portal/locked_out.html", status=429)
        if portal.code_valid(username, code):
            request.session.cycle_key()
            request.session[ACTIVATING] = {"kind": kind, "username": username, "at": time.time(),
                                           "digest": code_digest(username, code)}
            return redirect("employer_activate_enrol" if kind == EMPLOYER else "my_activate_enrol")
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        portal.security_log.warning("portal activation refused for %s: wrong, used or expired code", username)
        form.add_error(None, _("This activation code cannot be used with what you typed: it may be wrong, used "
                               "or expired."))
    return render(request, "web/portal/activate.html", {"form": form, "reset_hint": reset_hint(kind)})


@require_http_methods(["GET", "POST"])
def my_activate_view(request):
    return _activate_page(request, PERSON, PersonActivationForm(request.POST or None),
                          lambda data: portal.person_login_name(data["id_number"]))


@require_http_methods(["GET", "POST"])
def employer_activate_view(request):
    return _activate_page(request, EMPLOYER, EmployerActivationForm(request.POST or None),
                          lambda data: portal.employer_login_name(data["uscc"], data["username"]))


def _enrol_page(request, kind: str):
    pending = request.session.get(ACTIVATING)
    if (not pending or pending.get("kind") != kind or time.time() - pending["at"] > ACTIVATING_SECONDS
            or not portal.digest_valid(pending["username"], pending["digest"])):
        request.session.pop(ACTIVATING, None)
        messages.error(request, _("Please enter your activation code first."))
        return redirect(ACTIVATE[kind])
    username = pending["username"]
    device = portal.start_activation(username)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            try:
                portal.activate_by_digest(username, pending["digest"], form.cleaned_data["password1"], device,
                                          channel="web")
            except InvalidTransaction as refused:
                for field, message in refused.errors.items():
                    form.add_error("password1" if field == "password" else None, message)
            else:
                request.session.pop(ACTIVATING, None)
                messages.success(request, _("Your account is active. Sign in with your password and authenticator."))
                return redirect(LOGIN[kind])
        else:
            # A wrong code counts towards the account's lockout, as at sign-in.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            form.add_error("code", _("That code is wrong or has expired."))
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return render(request, "web/portal/enrol.html", {"form": form, "secret": secret, "qr": qr})


@require_http_methods(["GET", "POST"])
def my_activate_enrol_view(request):
    return _enrol_page(request, PERSON)


@require_http_methods(["GET", "POST"])
def employer_activate_enrol_view(request):
    return _enrol_page(request, EMPLOYER)


def _previous_login(request):
    value = request.session.get(PREVIOUS_LOGIN) or ""
    return parse_datetime(value) if value else None


# The person's landing page /my/ is the record's summary: web/views/portal_record.my_summary_view.


@require_http_methods(["GET"])
@employer_page
def employer_home_view(request):
    account: EmployerPortalAccount = request.portal.account
    return render(request, "web/portal/employer_home.html", {
        "employer_name": request.portal.employer.name, "display_name": account.display_name,
        "user_name": account.user_name, "previous_login": _previous_login(request), "reset_hint": reset_hint(EMPLOYER)})


