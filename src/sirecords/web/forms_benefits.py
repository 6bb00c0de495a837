"""Front-desk forms of the benefit and subsidy transactions: deemed service, retirement approval,
suspension, resumption, death, and a subsidy grant. The person is chosen by the resident ID number the
clerk has in hand; every figure (months, pension, subsidy) is computed by the rules engine when the
form is checked and again when the transaction posts — the clerk types none of them (第六条)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sirecords.engine.params import ParameterError, load_params
from sirecords.web.forms_desk import CODE, DATE, TransactionForm, _person_id, person_by_id_number

MONTH = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"[0-9]{4}-[0-9]{2}"})
CATEGORIES = [("male", _("Man (original age 60)")), ("female55", _("Woman in a cadre-type post (original age 55)")),
              ("female50", _("Woman in a worker-type post (original age 50)"))]


def _month_field(label):
    return forms.RegexField(label=label, regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$", widget=MONTH,
                            error_messages={"invalid": _("Write the month as YYYY-MM.")})


class PersonTransactionForm(TransactionForm):
    """A transaction about one insured person, found by ID number; `fields_to_payload` names the other fields."""

    lookups = {"person": "person_id_number"}
    fields_to_payload: tuple[tuple[str, str], ...] = ()  # (form field, payload key)
    person_id_number = forms.CharField(label=_("Resident ID number of the insured person"), max_length=30,
                                       widget=forms.TextInput(attrs=CODE))

    def clean_person_id_number(self):
        return person_by_id_number(self.cleaned_data["person_id_number"])

    def payload(self):
        person = self.cleaned_data.get("person_id_number")
        given = self._given(*(name for name, _key in self.fields_to_payload))
        return {"person": person.uid if person else "", **{key: given[name] for name, key in self.fields_to_payload
                                                           if name in given}}

    @classmethod
    def initial_from(cls, payload):
        initial = {name: payload[key] for name, key in cls.fields_to_payload if key in payload}
        if payload.get("person"):
            initial["person_id_number"] = _person_id(payload["person"])
        return initial


class RecogniseDeemedServiceForm(PersonTransactionForm):
    type_name = "recognise_deemed_service"
    fields_to_payload = (("start", "start"), ("end", "end"), ("work_unit", "work_unit"))
    start = _month_field(_("First month of the service"))
    end = _month_field(_("Last month of the service"))
    work_unit = forms.CharField(label=_("Work unit (as in the personnel archive)"), max_length=200)


class ApproveRetirementForm(PersonTransactionForm):
    type_name = "approve_retirement"
    fields_to_payload = (("category", "category"), ("retirement_month", "retirement_month"), ("flexible", "flexible"))
    category = forms.ChoiceField(label=_("Retirement category"), choices=CATEGORIES)
    retirement_month = _month_field(_("Retirement month (the pension starts the month after)"))
    flexible = forms.BooleanField(label=_("Flexible retirement (earlier or later than the statutory month)"), required=False)

    def payload(self):
        return {**super().payload(), "flexible": bool(self.cleaned_data.get("flexible"))}


class SuspendBenefitForm(PersonTransactionForm):
    type_name = "suspend_benefit"
    fields_to_payload = (("why", "reason"),)
    why = forms.CharField(label=_("Why the pension is suspended"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ResumeBenefitForm(PersonTransactionForm):
    type_name = "resume_benefit"
    fields_to_payload = (("why", "reason"),)
    why = forms.CharField(label=_("Why the pension is resumed"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RecordDeathForm(PersonTransactionForm):
    type_name = "record_death"
    fields_to_payload = (("date", "date"),)
    date = forms.DateField(label=_("Date of death (from the death certificate)"), widget=DATE)


class GrantSubsidyForm(PersonTransactionForm):
    type_name = "grant_subsidy"
    fields_to_payload = (("scheme", "scheme"), ("start", "start"), ("end", "end"))
    scheme = forms.ChoiceField(label=_("Subsidy scheme"))
    start = _month_field(_("First month subsidised"))
    end = _month_field(_("Last month subsidised"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            params = load_params(settings.SIRECORDS_REGION)
            choices = [(name, params.subsidy_scheme(name).title) for name in params.subsidy_schemes]
        except ParameterError:
            choices = []
        self.fields["scheme"].choices = choices


TRIGGERS = [("official_rate", _("The official crediting rate replaced the provisional one")),
            ("late_recognition", _("Deemed service or contributions recognised after the award")),
            ("pension_base", _("This year's pension calculation base (计发基数) is published"))]


class RecomputeAwardForm(PersonTransactionForm):
    """重新核定: the engine computes the new version and its back pay or overpayment; the clerk names why."""

    type_name = "recompute_award"
    fields_to_payload = (("trigger", "trigger"),)
    trigger = forms.ChoiceField(label=_("Why the award is recomputed"), choices=TRIGGERS)


class CorrectAwardForm(PersonTransactionForm):
    """A wrong award input put right: the inputs as they should have been; the reviewers see the settlement."""

    type_name = "correct_award"
    fields_to_payload = (("category", "category"), ("retirement_month", "retirement_month"), ("flexible", "flexible"),
                         ("why", "reason"))
    category = forms.ChoiceField(label=_("Retirement category"), choices=CATEGORIES)
    retirement_month = _month_field(_("Retirement month (the pension starts the month after)"))
    flexible = forms.BooleanField(label=_("Flexible retirement (earlier or later than the statutory month)"), required=False)
    why = forms.CharField(label=_("What was wrong, and the evidence"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def payload(self):
        return {**super().payload(), "flexible": bool(self.cleaned_data.get("flexible"))}


BENEFIT_FORMS = (RecogniseDeemedServiceForm, ApproveRetirementForm, SuspendBenefitForm, ResumeBenefitForm, RecordDeathForm,
                 GrantSubsidyForm, RecomputeAwardForm, CorrectAwardForm)
