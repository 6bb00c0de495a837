"""The portal's API sessions and accounts (issue #10 §5): for self-service terminals, a phone system and apps.

`POST /api/me/session` {"id_number", "password", "code"} and `POST /api/employer/session` {"uscc", "username",
"password", "code"} answer {"token", "expires_at"}; `DELETE` on the same path, with the token, ends it. A failure is
401 with one generic message (never which part was wrong, nor whether the account exists), counted by django-axes
like a failure of the sign-in page; a locked-out account is 429. `GET /api/me/account` and `/api/employer/account`
say which account the token is of.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Status
from pydantic import Field

from sirecords.api.operations import answers
from sirecords.api.portal_auth import EmployerBearer, PersonBearer, end_token, issue_token, portal_endpoint
from sirecords.api.schemas import ID_NUMBER_SHAPE, USCC_SHAPE, Problem, Strict
from sirecords.portal import services as portal
from sirecords.portal.credentials import EMPLOYER, PERSON

router = Router(tags=["portal"])
FAILED = "sign-in failed: check the identifier, the password and the authenticator code"
LOCKED = "too many failed attempts: this account is locked for a while"


class PersonSessionIn(Strict):
    id_number: str = Field(json_schema_extra=ID_NUMBER_SHAPE)
    password: str
    code: str


class EmployerSessionIn(Strict):
    uscc: str = Field(json_schema_extra=USCC_SHAPE)
    username: str
    password: str
    code: str


class SessionOut(Strict):
    token: str
    expires_at: datetime  # UTC, ISO 8601


class PersonAccountOut(Strict):
    kind: str
    state: str
    masked_id_number: str


class EmployerAccountOut(Strict):
    kind: str
    state: str
    employer_name: str
    uscc: str
    username: str
    display_name: str


def _session(request, kind: str, username: str, password: str, code: str):
    try:
        user, _device = portal.sign_in(request, username, password, code)
    except portal.SignInFailed as failed:
        request.axes_locked_out = False  # answered here as JSON, not with django-axes' page
        return Status(429, {"detail": LOCKED}) if failed.locked else Status(401, {"detail": FAILED})
    portal.signed_in_without_session(request, user)
    token, expires = issue_token(kind, user.get_username())
    return Status(200, {"token": token, "expires_at": expires})


@router.post("/me/session", url_name="me_session", auth=None, operation_id="me_session_post",
             **answers({200: SessionOut, 401: Problem, 422: Problem, 429: Problem}))
def person_session(request, body: PersonSessionIn):
    """Sign in as an insured person (ID number, password, TOTP code): a short-lived bearer token."""
    return _session(request, PERSON, portal.person_login_name(body.id_number), body.password, body.code)


@router.post("/employer/session", url_name="employer_session", auth=None, operation_id="employer_session_post",
             **answers({200: SessionOut, 401: Problem, 422: Problem, 429: Problem}))
def employer_session(request, body: EmployerSessionIn):
    """Sign in as an employer's user (USCC, user name, password, TOTP code): a short-lived bearer token."""
    return _session(request, EMPLOYER, portal.employer_login_name(body.uscc, body.username), body.password, body.code)


@router.delete("/me/session", url_name="me_session", auth=[PersonBearer()], operation_id="me_session_delete",
               **answers({204: None, 401: Problem}))
def person_session_end(request):
    """End this session: the token stops working at once."""
    end_token(request.portal_token)
    return HttpResponse(status=204)


@router.delete("/employer/session", url_name="employer_session", auth=[EmployerBearer()],
               operation_id="employer_session_delete", **answers({204: None, 401: Problem}))
def employer_session_end(request):
    end_token(request.portal_token)
    return HttpResponse(status=204)


@portal_endpoint(router, "GET", "/me/account", "me_account", response={200: PersonAccountOut, 401: Problem})
def person_account(request):
    """The account the token is of: its state and the masked ID number."""
    caller = request.auth
    return {"kind": caller.kind, "state": caller.account.state, "masked_id_number": caller.person.masked_id_number}


@portal_endpoint(router, "GET", "/employer/account", "employer_account", response={200: EmployerAccountOut, 401: Problem})
def employer_account(request):
    """The account the token is of: the unit and the user."""
    caller = request.auth
    return {"kind": caller.kind, "state": caller.account.state, "employer_name": caller.employer.name,
            "uscc": caller.employer.uscc, "username": caller.account.user_name,
            "display_name": caller.account.display_name}
