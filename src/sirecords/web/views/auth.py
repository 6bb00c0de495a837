"""Signing in: password (django-axes counts failures and locks the account), then the TOTP code of
an enrolled authenticator, or enrolment of one on the first sign-in. Only then is the session
logged in and verified, and only then are the failures cleared (django-axes, at login()).

Every step asks again whether the account may sign in (users/backends.py: active in the ledger and in
auth_user, its password hash the one the ledger recorded) and whether it is locked out, so neither a
deactivation nor a lockout that happens while a sign-in is in progress can be outrun. A wrong code counts
as a failure like a wrong password. Only the authenticator the ledger recorded verifies a code; an account
the ledger says has one is never offered a new enrolment (a system administrator resets it).
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from sirecords.core.text import canonical, is_ascii_digits
from sirecords.users import services as staff_accounts
from sirecords.users.backends import BACKEND, authenticators, sign_in_account
from sirecords.web.guard import page

PENDING = "sirecords_pending_login"
PENDING_SECONDS = 300


class PasswordForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Authenticator code"), max_length=20,
                            widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                                          "inputmode": "numeric"}))

    def clean_token(self) -> str:
        """Six ASCII digits after the one canonical rule (core/text.py): full-width digits typed with an IME are read,
        Arabic-Indic and other digits are not."""
        code = "".join(canonical(self.cleaned_data["token"]).split())
        if not (len(code) == 6 and is_ascii_digits(code)):
            raise forms.ValidationError(gettext_lazy("Enter the 6 digits your authenticator app shows."), code="invalid")
        return code


class OwnPasswordForm(PasswordChangeForm):
    """Django's form, but the old password is checked without re-hashing it behind the ledger's back (a rehash is
    a password change: users/backends.py records the one at sign-in; here the new password is recorded anyway)."""

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not check_password(old_password, self.user.password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()) else "/"


def _pending(request):
    """(user, staff account) of the sign-in in progress, or None: none, expired, or the account may no longer sign in."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending["user"]).first()
    account = sign_in_account(user) if user is not None else None
    if account is None:
        request.session.pop(PENDING, None)
        return None
    return user, account


def _locked(request, user) -> bool:
    return getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def _locked_out(request):
    """The lockout ends the sign-in in progress: after the cool-off, it starts again with the password."""
    request.session.pop(PENDING, None)
    return render(request, "web/locked_out.html", status=403)


def _start_again(request):
    messages.error(request, _("Please sign in with your password first."))
    return redirect("login")


@page("login")
@require_http_methods(["GET", "POST"])
def login_view(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return render(request, "web/locked_out.html", status=403)
        if user is None or sign_in_account(user) is None:  # a portal account (portal/backends.py) is no staff sign-in
            form.add_error(None, _("The username or password is wrong."))
        else:
            request.session.cycle_key()
            request.session[PENDING] = {"user": user.pk, "at": time.time()}
            has_device = bool(sign_in_account(user).second_factor_digest)
            step = "login_otp" if has_device else "otp_enrol"
            return redirect(f"{reverse(step)}?{urlencode({'next': _next(request)})}")
    return render(request, "web/login.html", {"form": form, "next": _next(request)})


def _finish(request, user, device):
    request.session.pop(PENDING, None)
    login(request, user, backend=BACKEND)  # django-axes clears the account's failures here, and only here
    otp_login(request, device)
    return redirect(_next(request))


def _code_failed(request, user) -> None:
    # Wrong codes count towards the lockout exactly like wrong passwords.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


@page("login_otp")
@require_http_methods(["GET", "POST"])
def login_otp_view(request):
    pending = _pending(request)
    if pending is None:
        return _start_again(request)
    user, account = pending
    if _locked(request, user):
        return _locked_out(request)
    if not account.second_factor_digest:
        return redirect(f"{reverse('otp_enrol')}?{urlencode({'next': _next(request)})}")
    devices = authenticators(user, account)
    if not devices:
        request.session.pop(PENDING, None)
        return render(request, "web/refused.html", {"message": _(
            "Your authenticator does not match the one on record, so it cannot be used to sign in. Ask a system "
            "administrator to reset it; you will then enrol it again.")}, status=403)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                return _finish(request, user, device)
        _code_failed(request, user)
        if _locked(request, user):
            return _locked_out(request)
        form.add_error("token", _("That code is wrong or has expired."))
    return render(request, "web/login_otp.html", {"form": form, "next": _next(request)})


@page("otp_enrol")
@require_http_methods(["GET", "POST"])
def otp_enrol_view(request):
    pending = _pending(request)
    if pending is None:
        return _start_again(request)
    user, account = pending
    if _locked(request, user):
        return _locked_out(request)
    if account.second_factor_digest:
        return redirect(f"{reverse('login_otp')}?{urlencode({'next': _next(request)})}")
    device = staff_accounts.start_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            staff_accounts.confirm_enrolment(device, actor=user.get_username(), channel="web",
                                             reason="authenticator enrolled at first sign-in")
            return _finish(request, user, device)
        _code_failed(request, user)
        if _locked(request, user):
            return _locked_out(request)
        form.add_error("token", _("That code is wrong or has expired."))
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return render(request, "web/otp_enrol.html", {"form": form, "secret": secret, "qr": qr, "next": _next(request)})


@page("logout")
@require_http_methods(["POST"])
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("login")


@page("password_change")
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff_accounts.set_password(request.user, form.cleaned_data["new_password1"], actor=request.user.get_username(),
                                    reason="password changed by its holder", channel="web")
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "web/password_change.html", {"form": form})
