"""Forms of the front-desk pages: one per registry transaction type (the benefit and subsidy types are in
forms_benefits.py), and the person search, the
document upload, the review decision and the withdrawal.

People and employers are chosen by what the clerk has in hand (the resident ID number, the unified
social credit code), never by typing internal uids: clean() looks them up. Before a transaction is
opened or amended, the type's own checks run on the payload (read only, rolled back), so every
problem the reviewer would meet is shown now, next to the field at fault, and nothing is written.
"""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language, gettext, gettext_lazy

from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.core.text import canonical, first_forbidden
from sirecords.ledger.context import WriteContext
from sirecords.registry.labels import FIELD_LABELS
from sirecords.registry.models import Employer, EmployerStatus, Employment, Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow import documents
from sirecords.workflow.services import check_draft, prepared

_ = gettext_lazy
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CODE = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}


def field_label(key: str) -> str:
    pair = FIELD_LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if (get_language() or "").startswith("en") else pair[0]


def is_formatted(field: forms.Field) -> bool:
    """A field whose value has a fixed format (a date, a month, an identifier, a code, a phone number): made canonical
    with NFKC, so full-width digits are read as ASCII; any other text field is free text (NFC, no control characters)."""
    attrs = field.widget.attrs
    return (isinstance(field, (forms.DateField, forms.RegexField, forms.ChoiceField))
            or getattr(field.widget, "input_type", "") in ("tel", "date", "month", "number")
            or attrs.get("autocapitalize") == "characters" or attrs.get("inputmode") == "numeric")


def no_control_characters(value: str) -> None:
    bad = first_forbidden(value, multiline=True)
    if bad is not None:
        raise forms.ValidationError(gettext("contains the control character {char} at position {position}; remove it").format(
            char=f"U+{ord(bad[1]):04X}", position=bad[0]), code="control")


class DeskForm(forms.Form):
    """Autofocus on the first field (or, after a failed check, on the first one at fault), and each
    error tied to its field for screen readers. What is typed is made canonical before any check (core/text.py):
    formatted fields (`is_formatted`) with NFKC, free text with NFC and no control characters."""

    autofocus = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.focus(self.first_visible())
        self.describe_help()

    def canonical_data(self) -> None:
        """Replace the typed text of every field by its canonical form (core/text.py), before the fields clean it."""
        data = self.data.copy()
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and not is_formatted(field) and no_control_characters not in field.validators:
                field.validators.append(no_control_characters)
            key = self.add_prefix(name)
            value = data.get(key)
            if isinstance(field, forms.FileField) or not isinstance(value, str) or not value:
                continue
            data[key] = canonical(value) if is_formatted(field) else unicodedata.normalize("NFC", value)
        self.data = data

    def describe_help(self) -> None:
        # form_fields.html gives the help text the id <auto_id>_help; point the field at it.
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_help"

    def first_visible(self) -> str | None:
        return next((name for name, field in self.fields.items() if not field.widget.is_hidden), None)

    def focus(self, name: str | None) -> None:
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        if name and self.autofocus:
            self.fields[name].widget.attrs["autofocus"] = True

    def full_clean(self):
        if self.is_bound:
            self.canonical_data()
        super().full_clean()
        self.mark_errors()

    def add_error(self, field, error):
        super().add_error(field, error)
        if self.is_bound and hasattr(self, "cleaned_data"):
            self.mark_errors()

    def mark_errors(self) -> None:
        if not self._errors:
            return
        for name, field in self.fields.items():
            described = [f"{self[name].auto_id}_help"] if field.help_text else []
            if name in self._errors:
                field.widget.attrs["aria-invalid"] = "true"
                described.append(f"{self[name].auto_id}_error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)
        first = next((name for name in self.fields if name in self._errors and not self.fields[name].widget.is_hidden), None)
        if first:
            self.autofocus = True
            self.focus(first)

    def add_problems(self, errors: dict[str, str], mapping: dict[str, str] | None = None) -> None:
        """Show a service's field → message errors: next to the field when the form has it, else at the top."""
        for key, message in errors.items():
            name = (mapping or {}).get(key, key)
            if name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, f"{field_label(key)}: {message}")


# --- looking people and employers up ----------------------------------------------------------


def checked_id_number(raw: str) -> str:
    try:
        return parse_id_number(raw).normalized
    except InvalidIdentifier as invalid:
        raise forms.ValidationError(invalid.message, code=invalid.code) from None


def person_by_id_number(raw: str) -> Person:
    try:
        person = find_person_by_id_number(raw)
    except InvalidIdentifier as invalid:
        raise forms.ValidationError(invalid.message, code=invalid.code) from None
    if person is None:
        raise forms.ValidationError(gettext("No insured person is registered with this ID number."), code="unknown_person")
    return person


def employer_by_uscc(raw: str) -> Employer:
    code = normalize_code(raw)
    employer = Employer.objects.filter(uscc=code).first()
    if employer is None:
        problems = check_uscc(code)
        if problems:
            raise forms.ValidationError(problems[0].message, code=problems[0].code)
        raise forms.ValidationError(gettext("No employer is registered with this code."), code="unknown_employer")
    return employer


def dry_run(type_name: str, payload: dict[str, Any], region: str) -> dict[str, str]:
    """The type's own checks on `payload` for a transaction of pooling region `region`, reading only (rolled back):
    field → message, empty when it passes. The payload checked is the one the transaction would be opened with
    (workflow/services.prepared: the figures a type computes for its reviewers added)."""
    try:
        ctx = WriteContext(actor="front-desk-check", reason="checking a draft", channel="counter", region=region)
        check_draft(type_name, prepared(type_name, payload, region), ctx)
    except InvalidTransaction as invalid:
        return invalid.errors
    return {}


# --- one form per transaction type -------------------------------------------------------------


class TransactionForm(DeskForm):
    type_name: ClassVar[str] = ""
    # payload key → the form field the clerk filled to choose it (for error messages)
    lookups: ClassVar[dict[str, str]] = {}
    # prefill the payload's region with the transaction's pooling region when opening
    region_default: ClassVar[bool] = False

    def __init__(self, *args, regions: list[str] | None = None, region: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.txn_region = region  # amending: the pooling region the transaction was opened in
        if regions is not None:  # opening, not amending: which pooling region, and why (第十二条)
            self.fields["txn_region"] = forms.ChoiceField(
                label=_("Pooling region of the transaction"), choices=[(r, r) for r in regions], initial=regions[0],
                widget=forms.HiddenInput if len(regions) == 1 else forms.Select)
            self.fields["reason"] = forms.CharField(
                label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Why this transaction is made, e.g. the applicant's written request (第十二条)."))
        self.focus(self.first_visible())
        self.describe_help()

    def clean(self):
        cleaned = super().clean()
        self.resolve(cleaned)
        if not self._errors:
            region = cleaned.get("txn_region") or self.txn_region
            self.add_problems(dry_run(self.type_name, self.payload(), region), self.lookups)
        return cleaned

    def resolve(self, cleaned: dict[str, Any]) -> None:
        """Look up what depends on several fields (after each field's own clean)."""

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, payload: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _given(self, *names: str) -> dict[str, Any]:
        """The named fields the clerk filled, as payload values (dates in ISO form)."""
        out = {}
        for name in names:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return out


def _person_id(uid: str | None) -> str:
    person = Person.objects.filter(pk=uid or "").first()
    return person.id_number if person else ""


def _employer_code(uid: str | None) -> str:
    return Employer.objects.filter(pk=uid or "").values_list("uscc", flat=True).first() or ""


class RegisterPersonForm(TransactionForm):
    type_name = "register_person"
    region_default = True
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30, widget=forms.TextInput(attrs=CODE))
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    region = forms.CharField(label=_("Household region code"), max_length=6, help_text=_("6-digit GB/T 2260 code."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE, help_text=_("Empty means today."))

    def clean_id_number(self):
        return checked_id_number(self.cleaned_data["id_number"])

    def payload(self):
        return self._given("id_number", "name", "phone", "address", "region", "registered_on")

    @classmethod
    def initial_from(cls, payload):
        return {k: payload[k] for k in ("id_number", "name", "phone", "address", "region", "registered_on") if k in payload}


KEEP = _("Leave empty to keep the current value.")


class ChangePersonDetailsForm(TransactionForm):
    type_name = "change_person_details"
    lookups = {"person": "person_id_number"}
    person_id_number = forms.CharField(label=_("Resident ID number of the insured person"), max_length=30,
                                       widget=forms.TextInput(attrs=CODE))
    name = forms.CharField(label=_("New name"), max_length=50, required=False, help_text=KEEP)
    phone = forms.CharField(label=_("New phone"), max_length=20, required=False, help_text=KEEP,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=_("New address"), max_length=200, required=False, help_text=KEEP)
    region = forms.CharField(label=_("New household region code"), max_length=6, required=False, help_text=KEEP,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    def clean_person_id_number(self):
        return person_by_id_number(self.cleaned_data["person_id_number"])

    def payload(self):
        person = self.cleaned_data.get("person_id_number")
        return {"person": person.uid if person else "", **self._given("name", "phone", "address", "region")}

    @classmethod
    def initial_from(cls, payload):
        initial = {k: payload[k] for k in ("name", "phone", "address", "region") if k in payload}
        if payload.get("person"):
            initial["person_id_number"] = _person_id(payload["person"])
        return initial


class RegisterEmployerForm(TransactionForm):
    type_name = "register_employer"
    region_default = True
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30, widget=forms.TextInput(attrs=CODE))
    name = forms.CharField(label=_("Employer name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    region = forms.CharField(label=_("Region code"), max_length=6, help_text=_("6-digit GB/T 2260 code."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE, help_text=_("Empty means today."))
    uscc_override = forms.CharField(
        label=_("Reason to accept a code failing its check character"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for a genuine legacy code whose check character fails; leave empty otherwise."))

    def clean_uscc(self):
        return normalize_code(self.cleaned_data["uscc"])

    def payload(self):
        return self._given("uscc", "name", "address", "region", "registered_on", "uscc_override")

    @classmethod
    def initial_from(cls, payload):
        return {k: payload[k] for k in ("uscc", "name", "address", "region", "registered_on", "uscc_override") if k in payload}


class ChangeEmployerDetailsForm(TransactionForm):
    type_name = "change_employer_details"
    lookups = {"employer": "employer_uscc"}
    employer_uscc = forms.CharField(label=_("Unified social credit code of the employer"), max_length=30,
                                    widget=forms.TextInput(attrs=CODE))
    name = forms.CharField(label=_("New name"), max_length=200, required=False, help_text=KEEP)
    address = forms.CharField(label=_("New address"), max_length=300, required=False, help_text=KEEP)
    region = forms.CharField(label=_("New region code"), max_length=6, required=False, help_text=KEEP,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    status = forms.ChoiceField(label=_("New status"), required=False, help_text=KEEP,
                               choices=[("", "—"), *EmployerStatus.choices])

    def clean_employer_uscc(self):
        return employer_by_uscc(self.cleaned_data["employer_uscc"])

    def payload(self):
        employer = self.cleaned_data.get("employer_uscc")
        return {"employer": employer.uid if employer else "", **self._given("name", "address", "region", "status")}

    @classmethod
    def initial_from(cls, payload):
        initial = {k: payload[k] for k in ("name", "address", "region", "status") if k in payload}
        if payload.get("employer"):
            initial["employer_uscc"] = _employer_code(payload["employer"])
        return initial


class StartEmploymentForm(TransactionForm):
    type_name = "start_employment"
    lookups = {"person": "person_id_number", "employer": "employer_uscc"}
    person_id_number = forms.CharField(label=_("Resident ID number of the insured person"), max_length=30,
                                       widget=forms.TextInput(attrs=CODE))
    employer_uscc = forms.CharField(label=_("Unified social credit code of the employer"), max_length=30,
                                    widget=forms.TextInput(attrs=CODE))
    start = forms.DateField(label=_("First day of employment"), widget=DATE)

    def clean_person_id_number(self):
        return person_by_id_number(self.cleaned_data["person_id_number"])

    def clean_employer_uscc(self):
        return employer_by_uscc(self.cleaned_data["employer_uscc"])

    def payload(self):
        person, employer = self.cleaned_data.get("person_id_number"), self.cleaned_data.get("employer_uscc")
        return {"person": person.uid if person else "", "employer": employer.uid if employer else "", **self._given("start")}

    @classmethod
    def initial_from(cls, payload):
        initial = {"start": payload["start"]} if payload.get("start") else {}
        if payload.get("person"):
            initial["person_id_number"] = _person_id(payload["person"])
        if payload.get("employer"):
            initial["employer_uscc"] = _employer_code(payload["employer"])
        return initial


class EndEmploymentForm(TransactionForm):
    type_name = "end_employment"
    lookups = {"employment": "employer_uscc"}
    person_id_number = forms.CharField(label=_("Resident ID number of the insured person"), max_length=30,
                                       widget=forms.TextInput(attrs=CODE))
    employer_uscc = forms.CharField(label=_("Unified social credit code of the employer"), max_length=30,
                                    widget=forms.TextInput(attrs=CODE))
    end = forms.DateField(label=_("Last day of employment"), widget=DATE)

    def clean_person_id_number(self):
        return person_by_id_number(self.cleaned_data["person_id_number"])

    def clean_employer_uscc(self):
        return employer_by_uscc(self.cleaned_data["employer_uscc"])

    def resolve(self, cleaned):
        person, employer = cleaned.get("person_id_number"), cleaned.get("employer_uscc")
        self.employment = None
        if person and employer:
            self.employment = (Employment.objects.filter(person=person, employer=employer, end__isnull=True)
                               .order_by("-start").first())
            if self.employment is None:
                self.add_error("employer_uscc", gettext("This person has no employment with this employer that is still open."))

    def payload(self):
        return {"employment": self.employment.uid if self.employment else "", **self._given("end")}

    @classmethod
    def initial_from(cls, payload):
        job = Employment.objects.filter(pk=payload.get("employment") or "").select_related("person", "employer").first()
        initial = {"end": payload["end"]} if payload.get("end") else {}
        if job:
            initial.update(person_id_number=job.person.id_number, employer_uscc=job.employer.uscc)
        return initial


# --- the other desk forms ------------------------------------------------------------------------


class AttachForm(DeskForm):
    kind = forms.ChoiceField(label=_("Which document"))
    file = forms.FileField(label=_("Scan of the original (PDF, JPEG or PNG)"),
                           widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds

    def clean_file(self):
        """The file's bytes, an oversize one refused by its size unread; what they are is checked by
        services.attach (workflow/documents.check: parsed, and matching the file's name)."""
        upload = self.cleaned_data["file"]
        try:
            self.content = documents.received(upload)
        except documents.DocumentRefused as refused:
            raise forms.ValidationError(str(refused), code="too_big") from None
        return upload


class ReviewForm(DeskForm):
    autofocus = False  # the reviewer reads the page first
    opinion = forms.CharField(label=_("Opinion"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when returning the transaction: say what must change."))

    def __init__(self, *args, decision: str = "", **kwargs):
        self.decision = decision
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.decision not in ("approve", "reject"):
            self.add_error(None, gettext("Choose to approve or to return the transaction."))
        elif self.decision == "reject" and not (cleaned.get("opinion") or "").strip():
            self.add_error("opinion", gettext("An opinion is required when returning a transaction: say what must change."))
        return cleaned


class WithdrawForm(DeskForm):
    autofocus = False
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=500)
