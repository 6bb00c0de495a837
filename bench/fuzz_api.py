#!/usr/bin/env python
"""API fuzzing (issue #20, point 5): schemathesis against the OpenAPI document, with a staff, a person and an employer
token.

    PYTHONPATH=src .venv/bin/python bench/fuzz_api.py                     # 20 examples an operation, seed 20
    PYTHONPATH=src .venv/bin/python bench/fuzz_api.py --max-examples 50 --seed 7 --operation /api/me/

Set-up: a new temporary SIRECORDS_HOME (unless one is set), `sirecords init` and the demo (`sirecords demo
--load-only`: reviewed transactions, about 20 s). Three callers: a staff service account made here (clerk and query
officer in the demo region, a token with every scope, requested and approved like any token), the demo worker's portal
bearer token (POST /api/me/session) and the worker's current employer's (POST /api/employer/session). The read limits
are raised for the process (SIRECORDS_READ_LIMITS, as bench/query.py does), so that the limits of 第二十二条 do not
answer every later read 429.

The application runs in process: schemathesis loads /api/openapi.json from Django's WSGI handler and sends every case
to it. Each operation of the document is fuzzed with each token (--max-examples cases, half schema-conforming and
half not: GenerationMode.POSITIVE and NEGATIVE; hypothesis seeded with --seed, so a run repeats), the operations that
end a session last. Every answer is checked by schemathesis's checks:

- not_a_server_error: no 5xx;
- response_schema_conformance and content_type_conformance: the body and media type are those documented for the
  status (a content-type failure is counted with the schema violations);
- status_code_conformance: the status is one the operation documents.

Printed: one line per distinct finding (operation, caller, check, status), then the figures; the last line is one
JSON object: {"operations", "cases", "server_errors", "schema_violations", "undocumented_status", "ok"} (ok: no
findings, and every operation could be fuzzed). tests/api/test_fuzz.py runs a smaller fuzz in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

FUZZ_LIMITS = {"user": {"hour": 10**9, "day": 10**9}, "token": {"hour": 10**9, "day": 10**9},
               "lookups": "1000000000/m", "probes": "1000000000/m"}
SERVICE = "fuzz.svc"
SERVICE_ROLES = ("clerk", "query_officer")


def staff_token(roles=SERVICE_ROLES) -> str:
    """A service account with `roles` in the demo region and an approved token with every scope."""
    from sirecords.demo import accounts
    from sirecords.users import services as staff_accounts
    from sirecords.users.actors import actor_for
    from sirecords.users.transactions import SCOPES
    from sirecords.workflow.services import review

    admin, approver = accounts.actor("admin.wang"), accounts.actor(accounts.FIRST_APPROVER)
    if actor_for(SERVICE) is None:
        accounts.open_approved(admin, approver, SERVICE, "接口模糊测试", roles=roles, region=accounts.REGION,
                               reason="API fuzzing (bench/fuzz_api.py)", request_ref="FUZZ", channel="cli", kind="service")
    issued = staff_accounts.issue_token(admin, SERVICE, "fuzz", " ".join(sorted(SCOPES)), days=1, region=accounts.REGION,
                                        reason="API fuzzing (bench/fuzz_api.py)", channel="cli", request_ref="FUZZ")
    review(approver, issued.txn, "approve", "ok")
    return issued.token


def portal_tokens() -> dict[str, str]:
    """{"person": the demo worker's bearer token, "employer": her current employer's}, signed in through the API."""
    from django.test import Client

    from sirecords.demo import portal
    from sirecords.demo.load import logins

    found = {login.label: login for login in logins()}
    worker, employer = found["worker"], found["employer"]
    client = Client(SERVER_NAME="localhost")  # the demo settings allow localhost, not testserver
    person = client.post("/api/me/session", {"id_number": worker.login, "password": portal.PASSWORD,
                                               "code": portal.current_code(worker.login)}, content_type="application/json")
    unit = client.post("/api/employer/session", {"uscc": employer.uscc, "username": employer.login,
                                                   "password": portal.PASSWORD, "code": portal.current_code(employer.login)},
                         content_type="application/json")
    for kind, response in (("person", person), ("employer", unit)):
        if response.status_code != 200:
            raise SystemExit(f"the demo {kind} could not sign in: {response.status_code} {response.content[:300]!r}")
    return {"person": person.json()["token"], "employer": unit.json()["token"]}


def ends_a_session(operation) -> bool:
    return operation.method.upper() == "DELETE" and operation.path.endswith("/session")


def kind_of(failure) -> str:
    """The figure a schemathesis failure counts in."""
    from schemathesis.core.failures import ServerError
    from schemathesis.openapi.checks import UndefinedStatusCode

    if isinstance(failure, ServerError):
        return "server_errors"
    if isinstance(failure, UndefinedStatusCode):
        return "undocumented_status"
    return "schema_violations"  # the body's schema, its media type, malformed JSON


class Tally:
    """What the fuzzing found: the cases sent, the statuses answered, the failures by figure and the distinct findings."""

    def __init__(self, verbose=print) -> None:
        self.cases = 0
        self.counts: Counter = Counter()
        self.statuses: Counter = Counter()
        self.findings: dict[tuple, int] = {}
        self.errors: list[str] = []
        self.verbose = verbose

    def record(self, label: str, caller: str, case, response, failures) -> None:
        for failure in failures:
            kind = kind_of(failure)
            self.counts[kind] += 1
            key = (label, caller, kind, response.status_code, failure.title)
            if key not in self.findings:
                self.findings[key] = 0
                body = response.content[:300] if response.content else b""
                self.verbose(f"FINDING {label} [{caller}] {kind}: {failure.title} (status {response.status_code}): "
                             f"{failure.message.strip()[:400]} | {case.as_curl_command()[:400]} | {body!r}")
            self.findings[key] += 1


def fuzz_operation(operation, caller: str, token: str, tally: Tally, *, max_examples: int, seed: int) -> None:
    """--max-examples cases of `operation` with `token`, each answer checked; what fails is in `tally`."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

    label = f"{operation.method.upper()} {operation.path}"
    headers = {"Authorization": f"Bearer {token}"}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception as exc:  # nothing to negate: positive cases only  # noqa: BLE001
        tally.verbose(f"  {label}: no negative cases ({type(exc).__name__})")

    @seeded(seed)
    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate], print_blob=False)
    @given(case=st.one_of(strategies))
    def run(case):
        tally.cases += 1
        response = case.call(headers=headers)
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS(), headers=headers)
        except FailureGroup as group:
            tally.record(label, caller, case, response, group.exceptions)

    try:
        run()
    except Exception as exc:  # a generation or transport error: the operation was not fully fuzzed  # noqa: BLE001
        tally.errors.append(f"{label} [{caller}]: {type(exc).__name__}: {str(exc)[:300]}")
        tally.verbose(f"ERROR {tally.errors[-1]}")


def CHECKS() -> list:  # noqa: N802  (the list of checks, imported when first needed)
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def fuzz(schema, tokens: dict[str, str], *, max_examples: int, seed: int, only: str = "", verbose=print) -> dict:
    """Fuzz every operation of `schema` (or those whose path contains `only`) with each of `tokens` ({caller: bearer}),
    the operations that end a session last. Returns the figures and the distinct findings."""
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if only in op.path]
    operations.sort(key=lambda op: (ends_a_session(op), op.path, op.method))
    tally = Tally(verbose)
    for caller, token in tokens.items():
        for operation in operations:
            fuzz_operation(operation, caller, token, tally, max_examples=max_examples, seed=seed)
    return {"operations": len(operations), "cases": tally.cases, "server_errors": tally.counts["server_errors"],
            "schema_violations": tally.counts["schema_violations"],
            "undocumented_status": tally.counts["undocumented_status"], "errors": tally.errors,
            "findings": tally.findings, "statuses": dict(sorted(tally.statuses.items()))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=20, help="cases per operation and caller (default 20)")
    parser.add_argument("--seed", type=int, default=20, help="hypothesis's seed (default 20)")
    parser.add_argument("--operation", default="", help="only the operations whose path contains this")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    args = parser.parse_args(argv)

    os.environ.setdefault("SIRECORDS_READ_LIMITS", json.dumps(FUZZ_LIMITS))  # before the settings are read
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchsetup, when run from elsewhere
    from benchsetup import setup_django

    started = time.monotonic()
    home, temporary = setup_django("sirecords-fuzz-")
    try:
        import logging

        import schemathesis
        from django.core.wsgi import get_wsgi_application

        from sirecords.demo.load import already_loaded, load

        if not already_loaded():
            load()
        tokens = {"staff": staff_token(), **portal_tokens()}
        print(f"set-up: demo loaded in {home}, three tokens, {time.monotonic() - started:.1f} s")
        # Django logs every 4xx answer and the refusals as warnings: thousands of lines. A 500's traceback (an
        # error) is still shown.
        logging.disable(logging.WARNING)
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
        fuzzing = time.monotonic()
        result = fuzz(schema, tokens, max_examples=args.max_examples, seed=args.seed, only=args.operation)
        seconds = time.monotonic() - fuzzing
    finally:
        if temporary and not args.keep:
            shutil.rmtree(home, ignore_errors=True)

    print(f"operations: {result['operations']}, callers: {len(tokens)}, cases: {result['cases']} in {seconds:.1f} s "
          f"(--max-examples {args.max_examples}, --seed {args.seed})")
    print("statuses answered: " + ", ".join(f"{status}: {n}" for status, n in result["statuses"].items()))
    for (label, caller, kind, status, title), n in sorted(result["findings"].items()):
        print(f"finding: {label} [{caller}] {kind} {status}: {title} ({n} cases)")
    for error in result["errors"]:
        print(f"not fuzzed: {error}")
    print(f"server errors: {result['server_errors']}, schema violations: {result['schema_violations']}, "
          f"undocumented statuses: {result['undocumented_status']}")
    ok = not result["findings"] and not result["errors"]
    print(json.dumps({"operations": result["operations"], "cases": result["cases"],
                      "server_errors": result["server_errors"], "schema_violations": result["schema_violations"],
                      "undocumented_status": result["undocumented_status"], "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
