"""The desk form of withhold_read_disclosure (第十八条): the clerk who served a body's query records the body's written
order that its reads be kept from the person until a date (records/transactions.py checks it again at posting)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.web.forms_benefits import PersonTransactionForm
from sirecords.web.forms_desk import CODE, DATE


class WithholdReadDisclosureForm(PersonTransactionForm):
    type_name = "withhold_read_disclosure"
    fields_to_payload = (("reference", "reference"), ("authority", "authority"), ("disclose_on", "disclose_on"))
    reference = forms.CharField(label=_("Case reference the body's query stated"), max_length=60,
                                widget=forms.TextInput(attrs=CODE))
    authority = forms.CharField(label=_("Body that ordered it (as on the written order)"), max_length=200)
    disclose_on = forms.DateField(label=_("Show these reads to the person from"), widget=DATE)
