"""A person with two employers and contributions (tests/queries/conftest.py), the query officer and the reviewers."""

from __future__ import annotations

import pytest

from sirecords.demo.documents import scan

from ..queries.conftest import two_employers  # noqa: F401 (the fixture)

AUTHORITY = "深圳市某区人民法院"
UNIT = "某商业银行深圳分行"


@pytest.fixture
def crew(staff):
    """The query officer and the reviewers of the two stages (stages.toml answer_application)."""
    return {"officer": staff("app.officer", "query_officer"), "review1": staff("app.r1", "reviewer1"),
            "approval": staff("app.ap", "approver")}


def application_fields(person_id: str, **changes):
    fields = {"region": "440300", "applicant_kind": "unit", "organisation": UNIT, "contact": "王经理 0755-12345678",
              "purpose": "核实贷款申请人的缴费情况", "legal_basis": "《商业银行法》第三十五条及本人书面同意",
              "persons": [person_id], "items": ["contributions"], "months": ("2022-05", "2022-06"),
              "agreed_use": "仅用于本次贷款审查，不得向第三方提供", "credentials": scan("credentials"),
              "credentials_name": "licence.pdf"}
    fields.update(changes)
    return fields
