"""Settling a discrepancy at the desk: resolve or dismiss, why, and (resolving) a scan proving the fix; assigning it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.web.forms_desk import DeskForm

ACTIONS = (("resolve", _("Resolve: fix the record through a reviewed transaction")),
           ("dismiss", _("Dismiss: the record is right")))
DOCUMENT_KINDS = (("", _("(none)")), ("death_medical_certificate", _("Medical certificate of death")),
                  ("cremation_certificate", _("Cremation certificate")),
                  ("household_deregistration", _("Proof of household registration cancelled")),
                  ("suspension_basis", _("Grounds for suspending the pension")),
                  ("resumption_basis", _("Grounds for resuming the pension")),
                  ("id_change_proof", _("Public security's proof that the ID number changed")))


COLLECTOR_KINDS = ("paid_not_recorded", "recorded_not_paid", "amount_differs")
AS_CHOICES = (("", _("As the discrepancy calls for")), ("correction", _("A correction: compare the corrected month again")),
              ("arrears", _("Arrears: pay the months in arrears on the collector's date")))
RELATION_CHOICES = (("unknown", _("Unknown")), ("spouse", _("Spouse")), ("child", _("Child")), ("parent", _("Parent")),
                    ("sibling", _("Brother or sister")), ("other", _("Other")))


class SettleForm(DeskForm):
    action = forms.ChoiceField(label=_("What to do"), choices=ACTIONS, widget=forms.RadioSelect, initial="resolve")
    reason = forms.CharField(label=_("Why (第十二条)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    as_ = forms.ChoiceField(label=_("Resolved as (the collector's reports)"), choices=AS_CHOICES, required=False)
    received_by = forms.CharField(label=_("Who received the pension paid after the death, if known"), max_length=100,
                                  required=False)
    relation = forms.ChoiceField(label=_("Their relation to the deceased"), choices=RELATION_CHOICES, required=False)
    referral = forms.CharField(label=_("Refer to the administrative department (社会保险法 第八十八条): the facts, if any"),
                               max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("A scan proving the fix (PDF, JPEG or PNG), if any"), required=False)
    document_kind = forms.ChoiceField(label=_("Its kind"), choices=DOCUMENT_KINDS, required=False)

    def __init__(self, *args, kind: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if kind not in COLLECTOR_KINDS:
            del self.fields["as_"]
        if kind != "pensioner_died":  # the overpayment case names who received it
            del self.fields["received_by"], self.fields["relation"]

    def clean(self):
        data = super().clean()
        if data.get("document") and not data.get("document_kind"):
            self.add_error("document_kind", _("Say what the scan is."))
        return data


class AssignForm(DeskForm):
    to = forms.CharField(label=_("Clerk (username)"), max_length=150)
