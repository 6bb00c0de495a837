"""The filter of the employer portal's contributions page: a month (YYYY-MM) or a year (YYYY), made canonical by
queries/scopes.py (full-width digits read as ASCII) and refused there with a message that names the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from sirecords.queries.scopes import checked_month, checked_year
from sirecords.transactions.posting import InvalidTransaction


def _canonical(check, field: str, value: str):
    try:
        return check(value)
    except InvalidTransaction as invalid:
        raise forms.ValidationError(invalid.errors.get(field, str(invalid)), code="invalid") from None


class ContributionFilterForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("Month (YYYY-MM)"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2024-03"}))
    year = forms.CharField(label=gettext_lazy("Year (YYYY)"), required=False, max_length=10,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2024"}))

    def clean_month(self) -> str | None:
        return _canonical(checked_month, "month", self.cleaned_data.get("month") or "")

    def clean_year(self) -> int | None:
        return _canonical(checked_year, "year", self.cleaned_data.get("year") or "")
