"""Every error the API returns is JSON: {"detail": "<what and why>"} and, for bad input,
"errors": {field: message}. Refusals by the services are 403, bad input 422; in both cases the
services have written nothing (their refusals are logged in the transaction's action log)."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestInvalid

from sirecords.records.limits import ReadRefused
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused

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
