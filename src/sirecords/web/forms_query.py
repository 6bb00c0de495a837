"""The counter query form (第十五条): whose record, who asks (the person, a delegate, an employer) and on what basis.

The person and the employer are named by what the officer has in hand (the ID number, the USCC); the view looks the
person up through the read gate (records/reads.py: look-up rates, probes logged) and queries/services.py checks
the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.core.identifiers import check_uscc, normalize_code
from sirecords.queries.scopes import ITEMS, item_title
from sirecords.registry.models import Employer
from sirecords.web.forms_desk import CODE, DeskForm, checked_id_number

REQUESTERS = (("self", _("The insured person (identity document checked)")),
              ("delegate", _("A delegate with a written authorisation")),
              ("employer", _("An employer, about its employee")))


class MonthInput(forms.TextInput):
    input_type = "month"


class CounterQueryForm(DeskForm):
    id_number = forms.CharField(label=_("Resident ID number of the insured person"), max_length=40,
                                widget=forms.TextInput(attrs=CODE))
    requester = forms.ChoiceField(label=_("Who asks"), choices=REQUESTERS, widget=forms.RadioSelect, initial="self")
    identity_checked = forms.BooleanField(label=_("I checked the requester's valid identity document"), required=False)
    delegate_id_number = forms.CharField(label=_("The delegate's resident ID number"), max_length=40, required=False,
                                         widget=forms.TextInput(attrs=CODE))
    authorisation = forms.FileField(label=_("Scanned written authorisation (PDF, JPEG or PNG)"), required=False)
    items = forms.MultipleChoiceField(label=_("Items the authorisation names"), required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("None ticked: every item of 第二条."))
    months_start = forms.CharField(label=_("First month the authorisation names"), required=False, max_length=10,
                                   widget=MonthInput, help_text=_("YYYY-MM; empty: every month."))
    months_end = forms.CharField(label=_("Last month the authorisation names"), required=False, max_length=10,
                                 widget=MonthInput)
    uscc = forms.CharField(label=_("The employer's unified social credit code"), max_length=40, required=False,
                           widget=forms.TextInput(attrs=CODE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(code, item_title(code)) for code in ITEMS]
        self.employer = None

    def clean_id_number(self):
        return checked_id_number(self.cleaned_data["id_number"])

    def clean(self):
        data = super().clean()
        requester = data.get("requester")
        if requester == "delegate":
            if not data.get("delegate_id_number"):
                self.add_error("delegate_id_number", _("is required for a delegated query (第十五条)"))
            else:
                try:
                    data["delegate_id_number"] = checked_id_number(data["delegate_id_number"])
                except forms.ValidationError as invalid:
                    self.add_error("delegate_id_number", invalid)
            if not data.get("authorisation"):
                self.add_error("authorisation", _("is required for a delegated query (第十五条)"))
            if bool(data.get("months_start")) != bool(data.get("months_end")):
                self.add_error("months_end", _("give both months, or neither"))
        if requester == "employer":
            code = normalize_code(data.get("uscc") or "")
            problems = check_uscc(code) if code else None
            if not code:
                self.add_error("uscc", _("is required for an employer's query"))
            elif problems:
                self.add_error("uscc", problems[0].message)
            else:
                self.employer = Employer.objects.filter(uscc=code).first()
                if self.employer is None:
                    self.add_error("uscc", _("no employer is registered with this code"))
        return data

    def months(self) -> tuple[str, str] | None:
        start, end = self.cleaned_data.get("months_start"), self.cleaned_data.get("months_end")
        return (start, end) if start and end else None

    def items_named(self) -> frozenset[str] | None:
        return frozenset(self.cleaned_data["items"]) if self.cleaned_data.get("items") else None
