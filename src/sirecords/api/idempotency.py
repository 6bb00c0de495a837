"""`Idempotency-Key`: a write sent again (after a timeout, a lost connection, a failover) is not done twice.

An operation declared with `@idempotent` (under `endpoint`) takes the request header `Idempotency-Key`, 1-255 printable
ASCII characters (space to ~), chosen by the client, one per intended write:

- first request with a key: handled as usual; its answer (status and body) is stored with the key, the request's
  method, path and body's SHA-256 in the same database transaction as the business change (api/models.py), so both
  are committed or neither;
- the same key again, with the same method, path and body: the stored answer, unchanged, with
  `Idempotent-Replayed: true`; nothing is done again;
- the same key with another request: 422 naming the header; a key that is not 1-255 printable ASCII characters: 422;
- two requests with the same key at once: the unique constraint on (caller, key) makes the second wait for the first,
  then it gets the first one's answer (or 409 "in progress" if it still cannot see it).

A request that fails (403, 422, 404, a lost database connection) stores nothing: the key stays free, and the same
request may be sent again with it. Keys are the caller's own (staff or service account) and expire after 24 hours
(`expire`, run by `sirecords` at each use of a key: one indexed DELETE).

Without the header an operation works as before. docs/operations.md, "Database failover: what the application does".
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import typing
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja import Header
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.utils import contribute_operation_args

from sirecords.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
_KEY = re.compile(r"[\x20-\x7e]{1,255}")
DESCRIPTION = ("Optional. 1-255 printable ASCII characters, new for each intended write. The answer is stored with the key "
               "(24 hours); the same request sent again with the same key gets the stored answer with "
               "Idempotent-Replayed: true and is not done twice. The same key with another request: 422; while the first "
               "is in progress: 409.")


class KeyProblem(HttpError):
    """A problem with the Idempotency-Key: answered as a problem naming the header (api/errors.py)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.message = message


def expire(now: datetime | None = None) -> int:
    """Delete the keys older than 24 hours; how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - LIFETIME).delete()
    return deleted


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise KeyProblem(422, f"{HEADER} must be 1 to 255 printable ASCII characters (space to ~), not {len(key)} "
                              "characters" + ("" if key.isascii() else " with some outside ASCII"))
    return key


def _replay(stored: IdempotencyKey, method: str, path: str, digest: str) -> HttpResponse:
    if (stored.method, stored.path, stored.body_sha256) != (method, path, digest):
        raise KeyProblem(422, f"this {HEADER} was used for another request ({stored.method} {stored.path} with another "
                              "body) in the last 24 hours: use a new key for a new request")
    if not stored.status:
        raise KeyProblem(409, f"the request with this {HEADER} is in progress: send it again in a moment")
    response = HttpResponse(stored.response.encode(), status=stored.status, content_type=stored.content_type or None)
    response[REPLAYED] = "true"
    return response


def _stored(principal: str, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(principal=principal, key=key).first()


def idempotent(view):
    """Make an API operation take the Idempotency-Key header (documented in the OpenAPI); use under `endpoint`."""
    @functools.wraps(view)
    def handled(request, *args, idempotency_key: str | None = None, **kwargs):
        if idempotency_key is None:
            return view(request, *args, **kwargs)
        key = _checked(idempotency_key)
        principal = request.auth.actor.username
        method, path, digest = request.method, request.path, hashlib.sha256(request.body).hexdigest()
        expire()  # an expired key is free again
        stored = _stored(principal, key)
        if stored is not None:
            return _replay(stored, method, path, digest)
        claimed, failure = False, None
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(principal=principal, key=key, method=method, path=path,
                                                      body_sha256=digest, status=0, created_at=timezone.now())
                claimed = True  # a concurrent request with the key now waits here for this one's commit
                try:
                    result = view(request, *args, **kwargs)
                except DatabaseError:
                    raise  # the whole transaction rolls back: the claim and any half-done work (a lost connection: 503)
                except Exception as error:  # refused or invalid: nothing was written but the refusal's log line,
                    if transaction.get_rollback():  # which is kept; the key is freed for the same request again
                        raise
                    failure = error
                    claim.delete()
                else:
                    operation = request.idempotent_operation  # set by _running
                    response = operation._result_to_response(request, result, operation.api.create_temporal_response(request))
                    claim.status, claim.content_type = response.status_code, response.get("Content-Type", "")
                    claim.response = response.content.decode()
                    claim.save(update_fields=["status", "content_type", "response"])
        except IntegrityError:
            if claimed:
                raise  # the view's own, not the key's
            stored = _stored(principal, key)  # another request with the key committed first
            if stored is None:
                raise KeyProblem(409, f"the request with this {HEADER} is in progress: send it again in a moment") from None
            return _replay(stored, method, path, digest)
        if failure is not None:
            raise failure
        return response

    # ninja reads the parameters' annotations with the module of the function it is given: this one's. The view's are
    # resolved here, in the view's module (which may use `from __future__ import annotations`).
    hints = typing.get_type_hints(view, include_extras=True)  # with Annotated[…, Path(…)]: the parameter as declared
    signature = inspect.signature(view)
    handled.__signature__ = signature.replace(parameters=[parameter.replace(annotation=hints.get(name, parameter.annotation))
                                                          for name, parameter in signature.parameters.items()])
    contribute_operation_args(handled, "idempotency_key", str | None, Header(None, alias=HEADER, description=DESCRIPTION))
    return decorate_view(_running)(handled)


def _running(run):
    """ninja's Operation.run, noting on the request the operation that runs (bound to the API, with its response
    schemas): `handled` turns the view's result into the answer to store as that operation would."""

    @functools.wraps(run)
    def running(request, *args, **kwargs):
        request.idempotent_operation = run.__self__
        return run(request, *args, **kwargs)

    return running
