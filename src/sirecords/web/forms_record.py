"""Forms of the person's record pages: the stated purpose of a read (第二十一条), alone or with the ID number
searched for. The purpose is checked by records/purposes.py; its problems are shown next to the field at fault."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.records.purposes import MAX_DETAIL, MAX_REFERENCE, check_purpose, label, purposes
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_desk import CODE, DeskForm, checked_id_number


class PurposeForm(DeskForm):
    purpose = forms.ChoiceField(label=_("Purpose of this read"))
    purpose_reference = forms.CharField(label=_("Reference (case, application, transaction or task number)"),
                                        max_length=MAX_REFERENCE * 2, required=False)
    purpose_detail = forms.CharField(label=_("What you need the record for"), max_length=MAX_DETAIL * 2,
                                     help_text=_("In a few words; it is written to the access log with your name."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", "—")] + [
            (code, label(code) + (" *" if entry.get("reference") else "")) for code, entry in purposes().items()]
        self.fields["purpose_reference"].help_text = _("Required for the purposes marked *.")
        self.describe_help()
        self.purpose = None

    def clean(self):
        data = super().clean()
        try:
            self.purpose = check_purpose(data.get("purpose"), data.get("purpose_detail"), data.get("purpose_reference"))
        except InvalidTransaction as invalid:
            for name, message in invalid.errors.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return data


class RecordSearchForm(PurposeForm):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=40, widget=forms.TextInput(attrs=CODE))
    field_order = ["id_number", "purpose", "purpose_reference", "purpose_detail"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.focus(self.first_visible())


class CounterSearchForm(RecordSearchForm):
    """The desk's look-up of the applicant at the counter: the ID number and why (a counter enquiry by default, with
    the business the applicant came for in a few words), checked like any read."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"purpose": "counter"})
        super().__init__(*args, **kwargs)
        self.fields["purpose_detail"].help_text = _("The business the applicant came for, e.g. 办理增员 or 信息变更; "
                                                    "it is written to the access log with your name.")

    def clean_id_number(self):
        return checked_id_number(self.cleaned_data["id_number"])
