"""Front-desk forms of the transactions on contribution rows (docs/contributions.md): arrears paid late (补缴) on the
payment receipt, a refund (退费) and a correction (更正). The clerk names the person by ID number and the months by
month, insurance type and employer; the form finds the rows (contributions/reversals.py) and the transaction's own
checks run as the form is checked. Amounts and late fees are the engine's, shown to the reviewers (describe); the clerk
types none of them but the corrected wage (第六条)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.contributions import reversals
from sirecords.contributions.models import InsuranceType
from sirecords.web.forms_benefits import PersonTransactionForm, _month_field
from sirecords.web.forms_desk import CODE, DATE, _employer_code, employer_by_uscc

TYPES = [(code, label) for code, label in InsuranceType.choices]


class PayArrearsForm(PersonTransactionForm):
    type_name = "pay_arrears"
    lookups = {"person": "person_id_number", "from": "first", "to": "last", "paid_on": "paid_on",
               "insurance_types": "insurance_types"}
    fields_to_payload = (("first", "from"), ("last", "to"), ("paid_on", "paid_on"))
    first = _month_field(_("First month paid (in arrears)"))
    last = _month_field(_("Last month paid (in arrears)"))
    paid_on = forms.DateField(label=_("Date paid (on the payment receipt)"), widget=DATE)
    insurance_types = forms.MultipleChoiceField(label=_("Insurance types paid (none: every type in arrears)"),
                                                choices=TYPES, required=False, widget=forms.CheckboxSelectMultiple)

    def payload(self):
        out = super().payload()
        types = self.cleaned_data.get("insurance_types")
        return {**out, "insurance_types": list(types)} if types else out

    @classmethod
    def initial_from(cls, payload):
        return {**super().initial_from(payload), "insurance_types": payload.get("insurance_types") or []}


class _RowsForm(PersonTransactionForm):
    """Names the rows of a run of months of one insurance type and employer (empty: a flexible worker's own rows)."""

    counting_only = True
    first = _month_field(_("First month"))
    last = _month_field(_("Last month"))
    insurance_type = forms.ChoiceField(label=_("Insurance type"), choices=TYPES)
    uscc = forms.CharField(label=_("Employer's unified social credit code (empty: contributions without an employer)"),
                           max_length=30, required=False, widget=forms.TextInput(attrs=CODE))

    def clean_uscc(self):
        raw = self.cleaned_data.get("uscc", "")
        return employer_by_uscc(raw).uid if raw.strip() else ""

    def refs(self) -> list[str]:
        given = self.cleaned_data
        person = given.get("person_id_number")
        if not person or not given.get("first") or not given.get("last") or not given.get("insurance_type"):
            return []
        args = (person.uid, given["first"], given["last"], given["insurance_type"], given.get("uscc") or "")
        return (reversals.refs_for(*args, counting_only=True)
                or ([] if self.counting_only else reversals.refs_for(*args, counting_only=False)))

    def resolve(self, cleaned):
        if not self._errors and not self.refs():
            self.add_error("first", _("No contribution row of these months, insurance type and employer can be named here."))

    @classmethod
    def rows_initial(cls, refs) -> dict:
        months = [reversals.month_of(text) for text in refs or []]
        months = [m for m in months if m]
        if not months:
            return {}
        return {"first": min(m[0] for m in months), "last": max(m[0] for m in months), "insurance_type": months[0][1],
                "uscc": _employer_code(months[0][2])}


class RefundContributionsForm(_RowsForm):
    type_name = "refund_contributions"
    lookups = {"person": "person_id_number", "rows": "first", "ground": "ground", "reason": "why"}
    fields_to_payload = (("ground", "ground"), ("why", "reason"))
    ground = forms.ChoiceField(label=_("Ground of the refund"), choices=[("duplicate", _("Duplicate payment")),
                                                                          ("wrong", _("Wrong payment"))])
    why = forms.CharField(label=_("Explanation (what the evidence shows)"), max_length=500,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def payload(self):
        return {**super().payload(), "rows": self.refs()}

    @classmethod
    def initial_from(cls, payload):
        return {**super().initial_from(payload), **cls.rows_initial(payload.get("rows"))}


class CorrectContributionsForm(_RowsForm):
    type_name = "correct_contributions"
    counting_only = False
    lookups = {"person": "person_id_number", "rows": "first", "method": "method"}
    fields_to_payload = (("method", "method"),)
    wage = forms.RegexField(label=_("Corrected wage (yuan; empty: unchanged)"), regex=r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
                            required=False, error_messages={"invalid": _("Write an amount in yuan such as 8000.00.")})
    period = _month_field(_("Corrected month (empty: unchanged)"))
    method = forms.CharField(label=_("Method of the correction (what the evidence shows)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].required = False

    def payload(self):
        corrected = {name: self.cleaned_data[name] for name in ("wage", "period") if self.cleaned_data.get(name)}
        return {**super().payload(), "rows": [{"row": ref, **corrected} for ref in self.refs()]}

    @classmethod
    def initial_from(cls, payload):
        rows = payload.get("rows") or []
        first = rows[0] if rows and isinstance(rows[0], dict) else {}
        return {**super().initial_from(payload), **cls.rows_initial([r.get("row") for r in rows if isinstance(r, dict)]),
                **{name: first[name] for name in ("wage", "period") if name in first}}


CONTRIBUTION_FORMS = (PayArrearsForm, RefundContributionsForm, CorrectContributionsForm)
