"""Declaring an API operation: its URL name, and the gate (api/auth.py) that applies its access rule.

Every operation is declared through `endpoint`, so none can exist without a rule and a scope: a name
missing from api/rules.py fails at import time, before any request is served.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from ninja import Router

from sirecords.api.auth import guard
from sirecords.api.rules import RULES, SCOPES

NAMESPACE = "api"


def endpoint(router: Router, method: str, path: str, name: str, **options):
    """router.api_operation with url_name=`name` and the credentials checked against the rule "api:<name>"."""
    url_name = f"{NAMESPACE}:{name}"
    if url_name not in RULES or url_name not in SCOPES:
        raise ImproperlyConfigured(f"API operation {url_name} needs a rule and a scope in sirecords/api/rules.py")
    options.setdefault("operation_id", name)
    return router.api_operation([method], path, url_name=name, auth=guard(url_name), **options)
