"""The form that asks for a certificate (counter and portal): which kind, and its period or year. What the input
means is checked by certificates.documents.build_document (a field and why); the form only carries it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.web.forms_desk import DeskForm
from sirecords.web.forms_query import MonthInput

KIND_CHOICES = (("contributions", _("Certificate of contributions (参保缴费证明), for a period")),
                ("pension", _("Certificate of pension receipt (养老金领取证明)")),
                ("statement", _("Annual statement (个人权益记录对账单), for a year")))
FIELDS = {"from": "start", "to": "end"}  # build_document's field names → the form's


class CertificateForm(DeskForm):
    kind = forms.ChoiceField(label=_("Certificate"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="contributions")
    start = forms.CharField(label=_("First month"), required=False, max_length=10, widget=MonthInput,
                            help_text=_("YYYY-MM, for a certificate of contributions."))
    end = forms.CharField(label=_("Last month"), required=False, max_length=10, widget=MonthInput)
    year = forms.CharField(label=_("Year"), required=False, max_length=4, help_text=_("YYYY, for an annual statement."))

    def arguments(self) -> dict:
        """The period or year the kind takes, and nothing else (build_document refuses what is missing)."""
        data, kind = self.cleaned_data, self.cleaned_data["kind"]
        if kind == "contributions":
            return {"start": data.get("start") or None, "end": data.get("end") or None}
        if kind == "statement":
            return {"year": data.get("year") or None}
        return {}
