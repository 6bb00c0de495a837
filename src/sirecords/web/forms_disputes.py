"""Forms of the dispute pages (第十六条): filing a request (the portal, the employer portal, the counter), adding
evidence, and the desk's decisions (refuse, refer, correct). The rules are disputes/services.py's and the transactions'
(disputes/transactions.py): these forms only say which field is missing or malformed; the scans are checked by
workflow/documents.check inside the service, and its refusal is shown next to the file field."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.disputes.models import DisputeItem
from sirecords.disputes.transactions import MAX_CLAIM, MAX_REASON
from sirecords.web.forms_desk import CODE, DeskForm, checked_id_number

CENT = Decimal("0.01")
SCAN = forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})
MONTH = forms.TextInput(attrs={"placeholder": "2024-02", "inputmode": "numeric", "autocomplete": "off"})
ITEM_LABELS = {
    DisputeItem.CONTRIBUTION: _("Contribution record of a month"),
    DisputeItem.REGISTRATION: _("Registration details"),
    DisputeItem.EMPLOYMENT: _("Employment periods"),
    DisputeItem.ACCOUNT: _("Individual account"),
    DisputeItem.CONTRIBUTION_YEARS: _("Contribution years"),
    DisputeItem.BENEFIT: _("Pension benefit"),
}
STATE_LABELS = {"received": _("Received"), "examining": _("Being re-examined"), "corrected": _("Corrected"),
                "refused": _("Not corrected (refused)"), "referred": _("Referred to another region")}
# A step that did not change the state says what it was (services.STEP_NAMES).
STEP_LABELS = {"evidence_added": _("Evidence added"), "examination_started": _("Re-examination started")}
REQUESTER_LABELS = {"person": _("The person"), "delegate": _("A delegate"), "employer": _("The employer")}
# An employer disputes an employee's contributions or employment, or its own registration (disputes/transactions.py).
EMPLOYER_ITEMS = (DisputeItem.CONTRIBUTION, DisputeItem.EMPLOYMENT, DisputeItem.REGISTRATION)


def _claim_field() -> forms.CharField:
    return forms.CharField(label=_("What is wrong in the record, in your words"), max_length=MAX_CLAIM,
                           widget=forms.Textarea(attrs={"rows": 3}))


def _month_field() -> forms.RegexField:
    return forms.RegexField(label=_("Month (YYYY-MM), for a contribution"), regex=r"^[0-9]{4}-[0-9]{2}$", required=False,
                            widget=MONTH, error_messages={"invalid": _("Write the month as YYYY-MM, such as 2024-02.")})


class _Filing(DeskForm):
    autofocus = False  # a page of cases with the form below them: the focus stays at the top
    def clean(self):
        data = super().clean()
        if data.get("item") == DisputeItem.CONTRIBUTION and not data.get("period") and "period" not in self.errors:
            self.add_error("period", _("A contribution dispute names the month."))
        if data.get("item") and data.get("item") != DisputeItem.CONTRIBUTION:
            data["period"] = ""  # only a contribution names a month: a month typed for another item is not sent
        return data


class PersonDisputeForm(_Filing):
    """The insured person files about their own record; a scan of the evidence may go with it."""

    item = forms.ChoiceField(label=_("What in the record"), choices=list(ITEM_LABELS.items()))
    period = _month_field()
    claim = _claim_field()
    evidence = forms.FileField(label=_("Evidence (PDF, JPEG or PNG), if you have it"), required=False, widget=SCAN)


class EmployerDisputeForm(_Filing):
    """An employer's user files about the unit's registration, or an employee's contributions or employment (by the
    employee's ID number) within their periods with the unit."""

    item = forms.ChoiceField(label=_("What in the record"), choices=[(k, ITEM_LABELS[k]) for k in EMPLOYER_ITEMS])
    id_number = forms.CharField(label=_("Employee's ID number (empty: the unit's own registration)"), max_length=40,
                                required=False, widget=forms.TextInput(attrs=CODE))
    period = _month_field()
    claim = _claim_field()
    evidence = forms.FileField(label=_("Evidence (PDF, JPEG or PNG), if you have it"), required=False, widget=SCAN)

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number") or ""
        return checked_id_number(value) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("item") in (DisputeItem.CONTRIBUTION, DisputeItem.EMPLOYMENT) and not data.get("id_number") \
                and "id_number" not in self.errors:
            self.add_error("id_number", _("Name the employee whose record is wrong."))
        if data.get("item") == DisputeItem.REGISTRATION and data.get("id_number"):
            self.add_error("id_number", _("The unit disputes its own registration: leave the ID number empty."))
        return data


class EvidenceForm(DeskForm):
    autofocus = False
    evidence = forms.FileField(label=_("A scan of more evidence (PDF, JPEG or PNG)"), widget=SCAN)


class CounterDisputeForm(_Filing):
    autofocus = True
    """A clerk records a written request at the counter: whose record (by ID number), the signed request's scan, and a
    delegate's name with the written authorisation when a delegate brings it."""

    id_number = forms.CharField(label=_("Resident ID number of the person whose record is disputed"), max_length=40,
                                widget=forms.TextInput(attrs=CODE))
    item = forms.ChoiceField(label=_("What in the record"), choices=list(ITEM_LABELS.items()))
    period = _month_field()
    claim = _claim_field()
    requester_kind = forms.ChoiceField(label=_("Who brings the request"), widget=forms.RadioSelect, initial="person",
                                       choices=[("person", _("The person")), ("delegate", _("A delegate"))])
    delegate = forms.CharField(label=_("The delegate's name"), max_length=100, required=False)
    written_request = forms.FileField(label=_("Scan of the signed written request (PDF, JPEG or PNG)"), required=False,
                                      widget=SCAN, help_text=_("Required: the counter records a request only with it."))
    written_authorisation = forms.FileField(label=_("Scan of the written authorisation (a delegate)"), required=False,
                                            widget=SCAN)
    evidence = forms.FileField(label=_("Evidence (PDF, JPEG or PNG), if any"), required=False, widget=SCAN)

    def clean_id_number(self):
        return checked_id_number(self.cleaned_data["id_number"])

    def clean(self):
        data = super().clean()
        if data.get("requester_kind") == "delegate" and not data.get("delegate"):
            self.add_error("delegate", _("Name the delegate who brings the request."))
        if data.get("requester_kind") != "delegate":
            data["delegate"] = ""
        return data


class RefuseForm(DeskForm):
    reason = forms.CharField(label=_("Reasons for not correcting the record"), max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The decision adds the right to administrative review or litigation."))


class ReferForm(DeskForm):
    region = forms.RegexField(label=_("Region code where the months were earned"), regex=r"^[0-9]{6}$", max_length=6,
                              widget=forms.TextInput(attrs=CODE),
                              error_messages={"invalid": _("Write the six-digit region code, such as 110105.")})


class CorrectForm(DeskForm):
    """The correction: one of the types the item allows; for correct_contributions the corrected wage of each of the
    person's rows of the disputed month (a row left empty is not corrected), else the payload as JSON."""

    type = forms.ChoiceField(label=_("Correction to open"))
    method = forms.CharField(label=_("Method of the correction (what the evidence shows)"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    payload = forms.CharField(label=_("The correction's payload (JSON), for other corrections"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))

    def __init__(self, *args, types: tuple[str, ...] = (), titles: dict | None = None, rows: list[dict] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(name, f"{(titles or {}).get(name, name)} ({name})") for name in types]
        self.rows = rows or []
        for row in self.rows:
            self.fields[row["field"]] = forms.RegexField(
                label=_("%(insurance)s %(month)s: corrected wage (yuan; empty: unchanged)") % {
                    "insurance": row["insurance"], "month": row["row"].period},
                regex=r"^[0-9]{1,12}(\.[0-9]{1,2})?$", required=False,
                error_messages={"invalid": _("Write an amount in yuan such as 8000.00.")})

    def inner_payload(self, person: str) -> dict:
        """The correction's payload: built from the wages for correct_contributions, else the JSON typed."""
        data = self.cleaned_data
        if data["type"] == "correct_contributions" and not data.get("payload"):
            rows = [{"row": row["ref"], "wage": str(Decimal(data[row["field"]]).quantize(CENT))}
                    for row in self.rows if data.get(row["field"])]
            return {"person": person, "method": data.get("method") or "", "rows": rows}
        try:
            value = json.loads(data.get("payload") or "")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            self.add_error("payload", _("Write the correction's payload as a JSON object."))
            raise forms.ValidationError("payload")
        return value
