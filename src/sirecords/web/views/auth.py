"""Signing in: password (django-axes counts failures and locks the account), then the TOTP code of
an enrolled authenticator, or enrolment of one on the first sign-in. Only then is the session
logged in and verified."""

from __future__ import annotations

import base64
import time
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sirecords.web.guard import page

PENDING = "sirecords_pending_login"
PENDING_SECONDS = 300


class PasswordForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.RegexField(label=gettext_lazy("Authenticator code"), regex=r"^\d{6}$", max_length=6,
                             error_messages={"invalid": gettext_lazy("Enter the 6 digits your authenticator app shows.")},
                             widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                                           "inputmode": "numeric"}))


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()) else "/"


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


@page("login")
@require_http_methods(["GET", "POST"])
def login_view(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return render(request, "web/locked_out.html", status=403)
        if user is None:
            form.add_error(None, _("The username or password is wrong."))
        else:
            request.session.cycle_key()
            request.session[PENDING] = {"user": user.pk, "at": time.time()}
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            step = "login_otp" if has_device else "otp_enrol"
            return redirect(f"{reverse(step)}?{urlencode({'next': _next(request)})}")
    return render(request, "web/login.html", {"form": form, "next": _next(request)})


def _finish(request, user, device):
    request.session.pop(PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    return redirect(_next(request))


def _code_failed(request, user) -> None:
    # Wrong codes count towards the lockout exactly like wrong passwords.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


@page("login_otp")
@require_http_methods(["GET", "POST"])
def login_otp_view(request):
    user = _pending_user(request)
    if user is None:
        messages.error(request, _("Please sign in with your password first."))
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                return _finish(request, user, device)
        _code_failed(request, user)
        if getattr(request, "axes_locked_out", False):
            return render(request, "web/locked_out.html", status=403)
        form.add_error("token", _("That code is wrong or has expired."))
    return render(request, "web/login_otp.html", {"form": form, "next": _next(request)})


@page("otp_enrol")
@require_http_methods(["GET", "POST"])
def otp_enrol_view(request):
    user = _pending_user(request)
    if user is None:
        messages.error(request, _("Please sign in with your password first."))
        return redirect("login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("login_otp")
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            return _finish(request, user, device)
        _code_failed(request, user)
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
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "web/password_change.html", {"form": form})
