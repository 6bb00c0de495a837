"""Declaring an API operation: its URL name, and the gate (api/auth.py) that applies its access rule.

Every operation is declared through `endpoint`, so none can exist without a rule and a scope: a name
missing from api/rules.py fails at import time, before any request is served.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from ninja import Router

from sirecords.api.auth import guard
from sirecords.api.rules import RULES, SCOPES
from sirecords.api.schemas import Problem

NAMESPACE = "api"
# Any operation may meet a lost database connection (a failover): it is answered 503 with Retry-After, as
# application/problem+json (api/errors.py). Documented on every operation, so a client knows to ask again.
UNAVAILABLE = {"description": "The database cannot be reached for a moment (a failover): ask again after the "
                              "Retry-After header's seconds",
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def with_unavailable(options: dict) -> dict:
    """The operation's options with 503 among its documented answers (its schema and its problem+json content)."""
    response = options.get("response")
    if response is not None:
        answers = dict(response) if isinstance(response, dict) else {200: response}
        answers.setdefault(503, Problem)
        options["response"] = answers
    extra = dict(options.get("openapi_extra") or {})
    responses = dict(extra.get("responses") or {})
    responses.setdefault(503, UNAVAILABLE)
    options["openapi_extra"] = {**extra, "responses": responses}
    return options


def answers(response: dict) -> dict:
    """The response= and openapi_extra= options of an operation declared outside `endpoint` (the sign-in sessions):
    its answers, and 503 (with_unavailable)."""
    return with_unavailable({"response": response})


def endpoint(router: Router, method: str, path: str, name: str, **options):
    """router.api_operation with url_name=`name` and the credentials checked against the rule "api:<name>"."""
    url_name = f"{NAMESPACE}:{name}"
    if url_name not in RULES or url_name not in SCOPES:
        raise ImproperlyConfigured(f"API operation {url_name} needs a rule and a scope in sirecords/api/rules.py")
    options.setdefault("operation_id", name)
    return router.api_operation([method], path, url_name=name, auth=guard(url_name), **with_unavailable(options))
