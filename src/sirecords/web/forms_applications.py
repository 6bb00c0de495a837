"""The written application form (第十九条): the applicant and its credentials, contact, purpose and legal basis, what
is asked (persons by ID number, items of 第二条, months), the agreed use (第二十四条, 第二十九条) and, for an
administrative or judicial body, the date until which its reads are kept from the person (第十八条).

Typed text is made canonical (DeskForm); the ID numbers are checked one per line here, and the rest by
applications/transactions.py (the one check, naming each field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.queries.scopes import ITEMS, item_title
from sirecords.web.forms_desk import CODE, DATE, DeskForm, checked_id_number
from sirecords.web.forms_query import MonthInput

KINDS = (("authority", _("An administrative or judicial body (第十八条)")),
         ("unit", _("Another unit applying in writing (第十九条)")))


class ApplicationForm(DeskForm):
    region = forms.ChoiceField(label=_("Pooling region"))
    applicant_kind = forms.ChoiceField(label=_("Applicant"), choices=KINDS, widget=forms.RadioSelect, initial="unit")
    organisation = forms.CharField(label=_("Name of the applying body or unit"), max_length=200)
    credentials = forms.FileField(label=_("Its valid credentials, scanned (PDF, JPEG or PNG)"))
    contact = forms.CharField(label=_("Contact (person and telephone)"), max_length=200)
    purpose = forms.CharField(label=_("Purpose of the query"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    persons = forms.CharField(label=_("Persons queried: resident ID numbers, one per line"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, **CODE}))
    items = forms.MultipleChoiceField(label=_("Items asked for"), widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Another unit is answered 第二条 (一) and (二) at most."))
    months_start = forms.CharField(label=_("First month asked for"), max_length=10, widget=MonthInput)
    months_end = forms.CharField(label=_("Last month asked for"), max_length=10, widget=MonthInput)
    agreed_use = forms.CharField(label=_("Agreed use: what the records may be used for, and nothing else"), max_length=500,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    disclose_on = forms.DateField(label=_("Keep these reads from the person until"), required=False, widget=DATE,
                                  help_text=_("Only for an administrative or judicial body that asks for it in writing (第十八条)."))

    def __init__(self, *args, regions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(region, region) for region in regions]
        self.fields["items"].choices = [(code, item_title(code)) for code in ITEMS]

    def clean_persons(self):
        numbers, problems = [], []
        for n, line in enumerate(self.cleaned_data["persons"].splitlines(), 1):
            if not line.strip():
                continue
            try:
                numbers.append(checked_id_number(line.strip()))
            except forms.ValidationError as invalid:
                problems.append(_("line {n}: {problem}").format(n=n, problem=" ".join(invalid.messages)))
        if problems:
            raise forms.ValidationError(problems)
        if not numbers:
            raise forms.ValidationError(_("name at least one person"))
        return numbers


class RefusalForm(DeskForm):
    reason = forms.CharField(label=_("Reason told to the applicant (第二十条(二))"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))
