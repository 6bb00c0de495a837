"""API fuzzing in the suite (issue #20, point 5): bench/fuzz_api.py's fuzz, smaller (a few cases an operation, a fixed
seed), on the tests' records: every operation of /api/openapi.json with a staff service token, an insured person's
portal token and an employer's, and not one server error, response outside its schema or undocumented status.

The same whatever the database engine (the API's validation and documents are Python's): CI runs it once, in the
SQLite pass (.ci/run's ONCE list)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from ..conftest import create_staff_account, issue_approved_token, staff_factory, test_admin
from ..portal.conftest import employer_account
from ..portal.employer.conftest import employer_token
from ..portal.record_setup import api_token, me, other, world  # noqa: F401  (fixtures)
from .conftest import ALL_SCOPES

pytestmark = pytest.mark.django_db
BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_api.py"
EXAMPLES, SEED = 4, 20


def bench():
    spec = importlib.util.spec_from_file_location("fuzz_api", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, without the signal handlers that close the database connection at each request's start
    and end (they would close the test's transaction; django.test.Client disconnects them likewise)."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_fuzz_finds_nothing(me, wsgi_app):  # noqa: F811
    import schemathesis

    from sirecords.core.identifiers import make_uscc
    from sirecords.registry.models import Employer
    from sirecords.users.actors import actor_for

    from ..conftest import REGION

    staff = staff_factory()
    staff("fz.clerk", "clerk")
    create_staff_account(test_admin(), "fz.svc", "clerk", "query_officer", kind="service")
    unit = Employer.objects.get(uscc=make_uscc("9", "1", REGION, "MA5T0404"))  # `me`'s employer
    tokens = {"staff": issue_approved_token(test_admin(), "fz.svc", ALL_SCOPES),
              "person": api_token(me),
              "employer": employer_token(employer_account(unit, actor_for("fz.clerk"), actor_for("rec.r1")), unit.uscc)}

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    result = bench().fuzz(schema, tokens, max_examples=EXAMPLES, seed=SEED, verbose=lambda line: None)

    assert result["operations"] >= 40
    assert result["cases"] >= result["operations"] * len(tokens)
    assert not result["errors"]
    findings = [f"{label} [{caller}] {kind} {status}: {title}" for (label, caller, kind, status, title) in result["findings"]]
    assert findings == []
    assert (result["server_errors"], result["schema_violations"], result["undocumented_status"]) == (0, 0, 0)
    assert {200, 401, 422} <= set(result["statuses"])  # the tokens were read: some answers are the operations' own
