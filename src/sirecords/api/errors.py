"""Every error the API returns is JSON: {"detail": "<what and why>"} and, for bad input,
"errors": {field: message}. Refusals by the services are 403, bad input 422; in both cases the
services have written nothing (their refusals are logged in the transaction's action log).

A request that meets a lost database connection (a failover: OperationalError or InterfaceError) is answered 503 with
Retry-After, as application/problem+json: the database transaction it was in has rolled back, so what it was writing
is either all committed or not at all (docs/operations.md, "Database failover: what the application does")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid

from sirecords.api.idempotency import HEADER, KeyProblem
from sirecords.records.limits import ReadRefused
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused

log = logging.getLogger("sirecords.api")

PROBLEM_JSON = "application/problem+json"
UNAVAILABLE = ("数据库暂时无法连接（可能正在主备切换），请在 Retry-After 所示秒数后重试；写入操作要么已完整保存，要么完全未保存，"
               "带同一 Idempotency-Key 重试不会重复办理。 The database cannot be reached for a moment (a failover may be "
               "under way): try again after Retry-After seconds. A write was either saved whole or not at all; repeated "
               "with the same Idempotency-Key it is not done twice.")

MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "json_invalid": "is not valid JSON",
}


def _field(loc) -> str:
    """ninja's error location, e.g. ("body", "body", "decision") or ("query", "purpose"), as a field name."""
    source, *parts = [str(p) for p in loc] or ["request"]
    if source in ("body", "form", "file") and len(parts) > 1:
        parts = parts[1:]  # drop the name of the schema parameter
    return ".".join(parts) or source


def field_errors(errors: list[dict]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        field = _field(error.get("loc", ()))
        message = MESSAGES.get(error.get("type"), error.get("msg", "is not valid"))
        found[field] = f"{found[field]}; {message}" if field in found else message
    return found


def invalid(errors: dict[str, str]) -> dict:
    return {"detail": "invalid input: " + "; ".join(f"{field} {message}" for field, message in errors.items()),
            "errors": errors}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Refused)
    def refused(request, exc: Refused):
        return api.create_response(request, {"detail": exc.message}, status=403)

    @api.exception_handler(InvalidTransaction)
    def invalid_transaction(request, exc: InvalidTransaction):
        return api.create_response(request, invalid(exc.errors), status=422)

    @api.exception_handler(RequestInvalid)
    def invalid_request(request, exc: RequestInvalid):
        return api.create_response(request, invalid(field_errors(exc.errors)), status=422)

    @api.exception_handler(ReadRefused)
    def read_refused(request, exc: ReadRefused):
        """A read outside the caller's regions (403) or beyond a read limit (429, with Retry-After: when to try
        again), already in the access log (records/reads.py)."""
        response = api.create_response(request, {"detail": exc.message}, status=exc.status)
        if exc.status == 429 and exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        """ninja's own refusals. A body that does not parse (not JSON, not UTF-8) is ninja's 400, undocumented: it is
        bad input like any other, 422 with the Problem body (found by bench/fuzz_api.py); the rest keep their status."""
        if exc.status_code == 400:
            return api.create_response(request, invalid({"body": MESSAGES["json_invalid"]}), status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        message = str(exc) if str(exc) != "Unauthorized" else (
            "authentication required: a signed-in staff session with its second factor, or Authorization: Bearer <token>")
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="sirecords"'
        return response

    def unavailable(request, exc: Exception):
        """The database connection was lost (failover): 503, Retry-After, nothing half-written."""
        log.warning("api %s %s: database unavailable (%s: %s), answered 503", request.method, request.path,
                    type(exc).__name__, str(exc).strip()[:200])
        if not connection.in_atomic_block:  # a broken connection is dropped; the next query opens a new one
            connection.close_if_unusable_or_obsolete()
        return problem(api, request, {"detail": UNAVAILABLE}, 503,
                       {"Retry-After": str(settings.SIRECORDS_DATABASE_RETRY_AFTER_SECONDS)})

    for lost in (OperationalError, InterfaceError):
        api.add_exception_handler(lost, unavailable)

    @api.exception_handler(KeyProblem)
    def key_problem(request, exc: KeyProblem):
        """The Idempotency-Key is malformed or was used for another request (422), or its first request is still in
        progress (409): api/idempotency.py."""
        return problem(api, request, {"detail": exc.message, "errors": {HEADER: exc.message}}, exc.status_code)


def problem(api: NinjaAPI, request, body: dict, status: int, headers: dict[str, str] | None = None):
    """A problem answer (the Problem schema's shape) as application/problem+json."""
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response[name] = value
    return response
