"""The desk form of each transaction type a clerk opens at the counter, by type name."""

from __future__ import annotations

from sirecords.web.forms_accounts import ACCOUNT_FORMS
from sirecords.web.forms_benefits import BENEFIT_FORMS
from sirecords.web.forms_contributions import CONTRIBUTION_FORMS
from sirecords.web.forms_desk import (
    ChangeEmployerDetailsForm,
    ChangePersonDetailsForm,
    EndEmploymentForm,
    RegisterEmployerForm,
    RegisterPersonForm,
    StartEmploymentForm,
    TransactionForm,
)
from sirecords.web.forms_disclosure import WithholdReadDisclosureForm

FORMS: dict[str, type[TransactionForm]] = {form.type_name: form for form in (
    RegisterPersonForm, ChangePersonDetailsForm, RegisterEmployerForm, ChangeEmployerDetailsForm,
    StartEmploymentForm, EndEmploymentForm, *BENEFIT_FORMS, WithholdReadDisclosureForm, *CONTRIBUTION_FORMS,
    *ACCOUNT_FORMS)}
