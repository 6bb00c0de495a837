"""Forms of the maintainers', system administrators' and supervisors' pages (views/admin_*.py).

The forms check what a browser can get wrong (required, formats, choices); the transaction types
check everything else and their messages are put next to the field at fault by the views.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sirecords.core.identifiers import InvalidIdentifier, check_uscc, parse_id_number
from sirecords.crypto.sealing import blind_index
from sirecords.registry.labels import FIELD_LABELS
from sirecords.registry.maintenance import CORRECTABLE, SUPPLEMENTABLE
from sirecords.registry.models import Employer, EmployerStatus, Person
from sirecords.registry.subjects import id_number_subject
from sirecords.transactions.actors import ANY_REGION
from sirecords.users.models import AccountKind, RoleGrant
from sirecords.users.roles import ROLES
from sirecords.users.transactions import SCOPES

# Fields a correction may empty (the others need a value: a name or an ID number is never blank).
CLEARABLE = {"person": ("phone", "address"), "employer": ("address",), "employment": ("end",)}


def reason_field(help_text=None) -> forms.CharField:
    return forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=help_text or _("Why this is done. The ledger records it with your name."))


def method_field() -> forms.CharField:
    return forms.CharField(label=_("Method"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("How the correct value was established, e.g. checked against the household "
                                       "register (第十二条)."))


def evidence_field() -> forms.FileField:
    return forms.FileField(label=_("Evidence"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
                           help_text=_("A scan of the document the correction rests on: PDF, JPEG or PNG (第十三条)."))


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def field_label(name: str) -> str:
    zh, en = FIELD_LABELS.get(name, (name, name))
    return f"{zh} {en}"


def role_choices() -> list[tuple[str, str]]:
    return [(code, f"{zh} {en} ({code})") for code, (zh, en) in ROLES.items()]


def known_regions(*extra: str) -> list[str]:
    """The pooling regions a page may offer: this agency's, those already in grants, and `extra`."""
    found = {settings.SIRECORDS_REGION, *extra}
    found.update(RoleGrant.objects.values_list("region", flat=True).distinct())
    return sorted(r for r in found if r and r != ANY_REGION)


def region_choices(regions: list[str]) -> list[tuple[str, str]]:
    return [(r, r) for r in regions]


# --- Maintainers ---------------------------------------------------------------------------------


class FindRecordForm(forms.Form):
    KINDS = [("person", _("Insured person, by resident ID number")), ("employer", _("Employer, by unified social credit code"))]
    kind = forms.ChoiceField(label=_("Record"), choices=KINDS)
    identifier = forms.CharField(label=_("ID number or credit code"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def clean(self):
        data = super().clean()
        kind, raw = data.get("kind"), data.get("identifier") or ""
        if not kind or not raw:
            return data
        if kind == "person":
            try:
                identity = parse_id_number(raw)
            except InvalidIdentifier as invalid:
                self.add_error("identifier", invalid.message)
                return data
            data["record"] = Person.objects.filter(id_number_index=blind_index("id_number", identity.normalized)).first()
            if data["record"] is None:
                self.add_error("identifier", _("No insured person is registered with this ID number."))
        else:
            code = "".join(raw.split()).upper()
            data["record"] = Employer.objects.filter(uscc=code).first()
            if data["record"] is None:
                problems = check_uscc(code)
                self.add_error("identifier", problems[0].message if problems else _("No employer is registered with this code."))
        return data


class MaintenanceForm(forms.Form):
    """A correction or supplement of one field of a person or an employer."""

    KINDS = [("correction", _("Correction: the recorded value is wrong")),
             ("supplement", _("Supplement: the value is missing"))]
    kind = forms.ChoiceField(label=_("Kind of maintenance"), choices=KINDS)
    field = forms.ChoiceField(label=_("Field"))
    new_value = forms.CharField(label=_("New value"), max_length=200, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    reason = reason_field(_("Why the record is maintained, e.g. the person's request of 2026-03-02 (第十二条)."))
    method = method_field()
    evidence = evidence_field()
    region = forms.ChoiceField(label=_("Pooling region of the transaction"))

    def __init__(self, *args, target: str, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        names = list(dict.fromkeys(CORRECTABLE[target] + SUPPLEMENTABLE.get(target, ())))
        self.fields["field"].choices = [(name, field_label(name)) for name in names]
        self.fields["region"].choices = region_choices(regions)
        if target == "employer":
            self.fields["new_value"].help_text = _("Employer status is one of: %(codes)s.") % {
                "codes": ", ".join(f"{code} ({label})" for code, label in EmployerStatus.choices)}
        else:
            self.fields["new_value"].help_text = _("Region as a 6-digit code; leave empty only to clear a phone or address.")

    def clean(self):
        data = super().clean()
        kind, name = data.get("kind"), data.get("field")
        if kind == "supplement" and name and name not in SUPPLEMENTABLE.get(self.target, ()):
            allowed = ", ".join(field_label(n) for n in SUPPLEMENTABLE.get(self.target, ())) or "—"
            self.add_error("field", _("A supplement only fills an empty field: %(fields)s. Use a correction to change "
                                      "a recorded value.") % {"fields": allowed})
        if name and not (data.get("new_value") or "").strip() and name not in CLEARABLE[self.target]:
            self.add_error("new_value", _("Enter the new value."))
        return data


class EmploymentCorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=[(n, field_label(n)) for n in CORRECTABLE["employment"]])
    new_value = forms.DateField(label=_("New date"), required=False, widget=date_input(),
                                help_text=_("YYYY-MM-DD. Leave empty only to clear the end of a period."))
    reason = reason_field(_("Why the record is maintained (第十二条)."))
    method = method_field()
    evidence = evidence_field()
    region = forms.ChoiceField(label=_("Pooling region of the transaction"))

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)

    def clean(self):
        data = super().clean()
        if data.get("field") == "start" and not data.get("new_value") and "new_value" not in self.errors:
            self.add_error("new_value", _("A period must have a start date."))
        return data


class AddEmploymentForm(forms.Form):
    employer_uscc = forms.CharField(label=_("Employer's unified social credit code"), max_length=40,
                                    widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    start = forms.DateField(label=_("Start"), widget=date_input())
    end = forms.DateField(label=_("End"), widget=date_input())
    reason = reason_field(_("Why the period is added, e.g. found in the employer's payroll archive (第十二条)."))
    method = method_field()
    evidence = evidence_field()
    region = forms.ChoiceField(label=_("Pooling region of the transaction"))

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)

    def clean_employer_uscc(self):
        code = "".join(self.cleaned_data["employer_uscc"].split()).upper()
        employer = Employer.objects.filter(uscc=code).first()
        if employer is None:
            problems = check_uscc(code)
            raise forms.ValidationError(problems[0].message if problems else _("No employer is registered with this code."))
        self.employer = employer
        return code

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data


# --- System administrators -----------------------------------------------------------------------


def request_ref_field() -> forms.CharField:
    return forms.CharField(label=_("Agency's request"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}),
                           help_text=_("The reference of the agency's written request, e.g. 人社经办〔2026〕12号. Required for "
                                       "every role but sysadmin and dba, and for every API token: a business-side "
                                       "approver approves the request before it takes effect (第二十六条)."))


def request_document_field() -> forms.FileField:
    return forms.FileField(label=_("Scan of the request"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
                           help_text=_("Optional: PDF, JPEG or PNG. It is archived and its SHA-256 recorded with the grant."))


class RequestFields(forms.Form):
    """The agency's request a grant or a token carries out: its reference and, where there is one, its scan."""

    def request(self) -> dict:
        document = self.cleaned_data.get("request_document")
        return {"request_ref": self.cleaned_data.get("request_ref", ""),
                "request_document": document.read() if document else None}


class AccountForm(RequestFields):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Lower-case letters, digits, '.', '_' or '-', starting with a letter."),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    display_name = forms.CharField(label=_("Full name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of account"), choices=[
        (AccountKind.STAFF.value, _("Staff member (password and authenticator)")),
        (AccountKind.SERVICE.value, _("Service account (API tokens only)"))])
    organisation = forms.CharField(label=_("External organisation"), max_length=200, required=False,
                                   help_text=_("Only for someone from outside the agency, e.g. a contracted maintainer: "
                                               "they may act only under a recorded confidentiality agreement (第十一条)."))
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("System and database administrators hold no other role (第二十六条)."))
    region = forms.ChoiceField(label=_("Region of the roles"))
    request_ref = request_ref_field()
    request_document = request_document_field()
    reason = reason_field()

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices()
        self.fields["region"].choices = region_choices(regions)


class GrantForm(RequestFields):
    role = forms.ChoiceField(label=_("Role"))
    region = forms.ChoiceField(label=_("Region"))
    request_ref = request_ref_field()
    request_document = request_document_field()
    reason = reason_field()

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()
        self.fields["region"].choices = region_choices(regions)


class RevokeForm(forms.Form):
    grant = forms.ChoiceField(label=_("Role to revoke"))
    reason = reason_field()

    def __init__(self, *args, grants: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grant"].choices = grants


class AgreementForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"), widget=date_input())
    expires_on = forms.DateField(label=_("Expires on"), widget=date_input())
    document = forms.FileField(label=_("Scan of the agreement"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
                               help_text=_("Optional: PDF, JPEG or PNG. It is archived and its SHA-256 recorded (第十三条)."))
    reason = reason_field()


class ReasonForm(forms.Form):
    """Deactivating an account, revoking a token, resetting an authenticator: only the reason is asked."""

    reason = reason_field()


class TokenForm(RequestFields):
    label = forms.CharField(label=_("Label"), max_length=100, help_text=_("What uses the token, e.g. the payroll import."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple,
                                       choices=[(s, s) for s in sorted(SCOPES)])
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)
    request_ref = request_ref_field()
    request_document = request_document_field()
    reason = reason_field()


# --- Supervisors ---------------------------------------------------------------------------------


class LogFilterForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number of the person"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    actor = forms.CharField(label=_("Staff username"), max_length=150, required=False)
    since = forms.DateField(label=_("From (date, UTC)"), required=False, widget=date_input())
    until = forms.DateField(label=_("To (date, UTC, inclusive)"), required=False, widget=date_input())

    def clean_id_number(self):
        """The person registered with the number, or — for a number nobody is registered with — the keyed index under
        which the access log names its look-ups (probes), so supervisors can find who tried it."""
        raw = self.cleaned_data["id_number"]
        self.person, self.subject = None, ""
        if not raw.strip():
            return ""
        try:
            identity = parse_id_number(raw)
        except InvalidIdentifier as invalid:
            raise forms.ValidationError(invalid.message) from None
        self.person = Person.objects.filter(id_number_index=blind_index("id_number", identity.normalized)).first()
        self.subject = f"person:{self.person.uid}" if self.person else id_number_subject(identity.normalized)
        return identity.normalized

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
