"""Front-desk form of the correction of a person's individual account years (个人账户记账更正, docs/crediting.md). The
clerk names the person by ID number and the first wrong year, and says what the evidence shows; the figures of that
year and every later credited year, before and after, are recomputed from the record (accounts/corrections.prepare,
when the form is checked and again when the transaction is opened) and shown to the reviewers: nobody types them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.web.forms_benefits import PersonTransactionForm


class CorrectAccountYearForm(PersonTransactionForm):
    type_name = "correct_account_year"
    # errors of the computed figures ("years", "parameters", "engine") are shown above the form
    lookups = {"person": "person_id_number", "year": "year", "method": "method"}
    fields_to_payload = (("year", "year"), ("method", "method"))
    year = forms.IntegerField(label=_("First year to correct (later credited years are recomputed with it)"),
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    method = forms.CharField(label=_("Method of the correction (what the evidence shows)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


ACCOUNT_FORMS = (CorrectAccountYearForm,)
