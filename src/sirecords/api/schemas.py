"""What the API accepts and answers (pydantic schemas through ninja; they make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Path, Schema
from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from sirecords.core.text import NotCanonical, canonical, free_text
from sirecords.transactions.validation import message

MAX_TEXT = 2000  # characters of a reason or an opinion, as workflow.services takes them


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# Input is made canonical before it is checked (core/text.py): free text with NFC and no control characters; codes and
# identifiers with NFKC (full-width digits read as ASCII). A refusal is a 422 naming the field.


def _free_text(value: str) -> str:
    try:
        return free_text(value, max_length=MAX_TEXT, multiline=True)
    except NotCanonical as problem:
        raise PydanticCustomError("text_invalid", message(problem)) from None


def _formatted(value: str) -> str:
    try:
        return free_text(canonical(value), max_length=200)
    except NotCanonical as problem:
        raise PydanticCustomError("text_invalid", message(problem)) from None


FreeText = Annotated[str, AfterValidator(_free_text)]
Formatted = Annotated[str, AfterValidator(_formatted)]


# Identifiers as the OpenAPI document describes them, so that a client (and bench/fuzz_api.py) sees their real shape.
# A uid (a transaction's, a dispute case's: uuid4().hex) is checked: any other text is 422. An ID number or a unified
# social credit code is only described: the services take it canonical-first (full-width digits, lower case, spaces:
# core/identifiers.normalize_code) and answer 422 naming the field for what is still not one.
UID_PATTERN = r"^[0-9a-f]{32}$"
ID_NUMBER_SHAPE = {"pattern": r"^[0-9]{17}[0-9Xx]$", "minLength": 18, "maxLength": 18}
USCC_SHAPE = {"pattern": r"^[0-9A-Za-z]{18}$", "minLength": 18, "maxLength": 18}


def uid_path(description: str):
    """A path parameter that is a uid: 32 lower-case hexadecimal digits."""
    return Path(..., pattern=UID_PATTERN, min_length=32, max_length=32, description=description)


# A path parameter's text described with USCC_SHAPE, not checked by it (ninja's Path takes no json_schema_extra).
UsccText = Annotated[str, WithJsonSchema({"type": "string", **USCC_SHAPE})]


def uscc_path():
    return Path(..., description="Unified social credit code (GB 32100): 18 characters")


# --- requests ---------------------------------------------------------------------------------------


class TransactionIn(Strict):
    type: Formatted = Field(description="Transaction type, e.g. register_person")
    region: Formatted = Field(description="Pooling region, a 6-digit GB/T 2260 code")
    reason: FreeText = Field(description="Why the transaction is made (第十二条)")
    payload: dict[str, Any] = Field(description="The type's fields, e.g. id_number, name, phone for register_person")


class PayloadIn(Strict):
    payload: dict[str, Any]


class ReviewIn(Strict):
    decision: Literal["approve", "reject"]
    opinion: FreeText = Field("", description="Required when rejecting: what must change")


class WithdrawIn(Strict):
    reason: FreeText


class PersonLookupIn(Strict):
    id_number: Formatted = Field(description="Resident ID number (GB 11643); sent in the body to keep it out of URLs and logs",
                                 json_schema_extra=ID_NUMBER_SHAPE)


# --- answers ----------------------------------------------------------------------------------------


class Problem(Schema):
    detail: str
    errors: dict[str, str] | None = None


class TransactionBrief(Schema):
    uid: str
    type: str
    title: str
    region: str
    state: str
    state_label: str
    summary: str = Field(description="Masked one-line description")
    due_stage: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class DocumentOut(Schema):
    kind: str
    title: str
    attached: bool


class AttachmentOut(Schema):
    kind: str
    sha256: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class ChangeOut(Schema):
    field: str
    label: str
    before: str
    after: str


class ActionOut(Schema):
    actor: str
    kind: str
    stage: str
    opinion: str
    at: datetime


class TransactionDetail(TransactionBrief):
    reason: str
    channel: str
    stages: list[str]
    required_documents: list[DocumentOut]
    missing_documents: list[str]
    attachments: list[AttachmentOut]
    changes: list[ChangeOut] = Field(description="Before and after, in full: reading them is access-logged")
    actions: list[ActionOut]
    posted_seq: int | None


class EmploymentOut(Schema):
    employer_uscc: str
    employer_name: str
    start: date
    end: date | None


class PersonOut(Schema):
    uid: str
    id_number: str = Field(description="Masked")
    name: str
    sex: str
    birth_date: date = Field(description="Full birth date: sealed at rest, opened for this answer")
    region: str = Field(description="Household region (户籍), a 6-digit GB/T 2260 code")
    pooling_region: str = Field(description="Pooling region (参保地): the agency that insures the person")
    registered_on: date
    employments: list[EmploymentOut]


class EmployerOut(Schema):
    uid: str
    uscc: str
    name: str
    address: str
    region: str
    status: str
    registered_on: date
