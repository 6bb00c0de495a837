"""Forms of the portal's sign-in and activation pages. What is typed is canonicalised by the services (core/text.py,
core/identifiers.py); these forms only say which field is missing or malformed, never whether an account exists."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from sirecords.core.text import canonical, is_ascii_digits


def _code_field() -> forms.CharField:
    return forms.CharField(label=gettext_lazy("Authenticator code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def _six_digits(value: str) -> str:
    code = "".join(canonical(value).split())
    if not (len(code) == 6 and is_ascii_digits(code)):
        raise forms.ValidationError(gettext_lazy("Enter the 6 digits your authenticator app shows."), code="invalid")
    return code


class PersonLoginForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40,
                                widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = _code_field()

    def clean_code(self) -> str:
        return _six_digits(self.cleaned_data["code"])


class EmployerLoginForm(forms.Form):
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40,
                           widget=forms.TextInput(attrs={"autofocus": True}))
    username = forms.CharField(label=gettext_lazy("User name"), max_length=40,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = _code_field()

    def clean_code(self) -> str:
        return _six_digits(self.cleaned_data["code"])


class PersonActivationForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40,
                                widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    activation_code = forms.CharField(label=gettext_lazy("Activation code"), max_length=40,
                                      widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class EmployerActivationForm(forms.Form):
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40,
                           widget=forms.TextInput(attrs={"autofocus": True}))
    username = forms.CharField(label=gettext_lazy("User name"), max_length=40,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    activation_code = forms.CharField(label=gettext_lazy("Activation code"), max_length=40,
                                      widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class EnrolForm(forms.Form):
    password1 = forms.CharField(label=gettext_lazy("New password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("New password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    code = _code_field()

    def clean_code(self) -> str:
        return _six_digits(self.cleaned_data["code"])

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", gettext_lazy("The two passwords differ."))
        return data
