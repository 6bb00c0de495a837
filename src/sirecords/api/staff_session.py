"""Staff API sessions (issue #17, point 6; users/api_sessions.py): `POST /api/staff/session` {"username", "password",
"code"} → 200 {"token", "expires_at"}, a bearer token for the desk's own clients and scripts, acting with the account's
roles as a web session does (15 minutes to 8 hours: SIRECORDS_STAFF_TOKEN_SECONDS). A wrong password or code → 401 with
one generic message, counted by django-axes like a failure of the sign-in page; a locked account → 429. `DELETE` on
the same path with the token ends it (204)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Status

from sirecords.api.operations import answers
from sirecords.api.schemas import Problem, Strict
from sirecords.users import api_sessions

router = Router(tags=["staff sessions"])
security_log = logging.getLogger("sirecords.security")
FAILED = "sign-in failed: check the username, the password and the authenticator code"
LOCKED = "too many failed attempts: this account is locked for a while"


class StaffSessionIn(Strict):
    username: str
    password: str
    code: str


class StaffSessionOut(Strict):
    token: str
    expires_at: datetime  # UTC, ISO 8601


@router.post("/staff/session", url_name="staff_session", auth=None, operation_id="staff_session_post",
             **answers({200: StaffSessionOut, 401: Problem, 422: Problem, 429: Problem}))
def staff_session(request, body: StaffSessionIn):
    """Sign in as a staff member (username, password, TOTP code): a short-lived bearer token with the account's roles."""
    try:
        user = api_sessions.sign_in(request, body.username, body.password, body.code)
    except api_sessions.SignInFailed as failed:
        request.axes_locked_out = False  # answered here as JSON, not with django-axes' page
        security_log.warning("staff api sign-in failed for %s%s", body.username, " (locked)" if failed.locked else "")
        return Status(429, {"detail": LOCKED}) if failed.locked else Status(401, {"detail": FAILED})
    token, expires = api_sessions.issue(user.get_username())
    return Status(200, {"token": token, "expires_at": expires})


@router.delete("/staff/session", url_name="staff_session", auth=None, operation_id="staff_session_delete",
               **answers({204: None, 401: Problem}))
def staff_session_end(request):
    """End this session: the token stops working at once."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(api_sessions.PREFIX) or api_sessions.holder(token) is None:
        return Status(401, {"detail": "no live staff session token"})
    api_sessions.end(token)
    return HttpResponse(status=204)
