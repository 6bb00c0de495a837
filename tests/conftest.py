"""Test set-up: a throwaway SIRECORDS_HOME with fresh keys for the whole session."""

from __future__ import annotations

import contextlib
import os

import pytest

from sirecords.crypto.keys import create_keys, forget_loaded_keys
from sirecords.demo.documents import scan
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import Transaction, post
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for
from sirecords.users.roles import needs_approval

REGION = "440300"
PASSWORD = "Correct-Horse-2026"
REQUEST = "TEST-REQ-1"  # the agency's request reference the fixtures' grants carry out


# The longest test files run first: under xdist (--dist loadfile) each goes to a worker at the start, while the
# other worker takes the many short files, instead of starting last and leaving one worker idle at the end.
SLOW_FIRST = ("tests/cli/test_cli_end_to_end.py", "tests/browser/", "tests/ledger/test_verify_tamper_columns.py",
              "tests/backups/test_crash_during_import.py", "tests/backups/test_pgbackrest.py")


def pytest_configure(config):
    config.addinivalue_line("markers", "engine_independent: the same whatever DATABASE_URL says (it drives `sirecords` "
                                       "in a process of its own on SQLite, or needs no database): run without DATABASE_URL "
                                       "only, so CI's PostgreSQL pass does not repeat it")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the order within a file and among the others is kept
    # SIRECORDS_TEST_ALL_ENGINES=1 keeps them (a test that has a PostgreSQL path of its own then takes it).
    if os.environ.get("DATABASE_URL") and not os.environ.get("SIRECORDS_TEST_ALL_ENGINES"):
        repeated = [item for item in items if item.get_closest_marker("engine_independent")]
        if repeated:
            config.hook.pytest_deselected(items=repeated)
            items[:] = [item for item in items if not item.get_closest_marker("engine_independent")]


@pytest.fixture(autouse=True, scope="session")
def sirecords_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("sirecords-home")
    previous = os.environ.get("SIRECORDS_HOME")
    os.environ["SIRECORDS_HOME"] = str(home)
    create_keys(home / "keys")
    forget_loaded_keys()
    yield home
    forget_loaded_keys()
    if previous is None:
        os.environ.pop("SIRECORDS_HOME", None)
    else:
        os.environ["SIRECORDS_HOME"] = previous


@pytest.fixture
def ctx():
    return test_context()


def post_entries(kind: str, payload: dict, ctx: WriteContext | None = None):
    """The one posting helper: post `kind` with a new transaction uid (test context unless `ctx`); the posted entries.
    Plain function, so module- and session-scoped fixtures can post too."""
    return post(Transaction(kind, payload, ctx or test_context()))


def test_context() -> WriteContext:
    return WriteContext(actor="clerk.test", reason="test registration", channel="counter", region=REGION)


test_context.__test__ = False  # a helper, not a test


@pytest.fixture
def post_txn():
    """post_txn(type, payload) posts with the test context and a new transaction uid; returns the posted entries.
    (No `db` here: tests over real commits ask for ledger_transactional_db first, and it must be set up first.)"""
    return post_entries


@pytest.fixture
def steady_rate_windows(monkeypatch):
    """django-ratelimit counts in fixed windows (staggered per key): requests a test makes across a window's edge would
    see the count start again, and a limit not reached. The limiter's clock is held still for the test."""
    import time
    import types

    from django_ratelimit import core

    now = int(time.time())
    monkeypatch.setattr(core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture
def post_fresh(db):
    """post_entries, with the test database; post_fresh.posted holds every entry posted so far in the test."""

    def _post(kind: str, payload: dict):
        entries = post_entries(kind, payload)
        _post.posted.extend(entries)
        return entries

    _post.posted = []
    return _post


def load_param_sets(years, region: str = REGION) -> None:
    """The region's whole-year parameter sets of `years`, loaded through posted load_rule_parameters transactions
    (the computations use only sets the ledger holds); sets already loaded are left alone."""
    from sirecords.engine.params import load_params
    from sirecords.parameters.queries import loaded_param_set
    from sirecords.parameters.transactions import parameter_payload

    for year in years:
        params = load_params(region, year)
        if loaded_param_set(params.version) is None:
            post_entries("load_rule_parameters", parameter_payload(params))


@pytest.fixture
def params_loaded(db):
    """params_loaded(years, region="440300"): load_param_sets for one test."""
    return load_param_sets


def module_params(years):
    """An autouse module-scoped fixture for a conftest or test module: `years`' parameter sets loaded once for the
    module, in an outer_transaction (each test then runs in a rolled-back savepoint with the sets in place)."""

    @pytest.fixture(autouse=True, scope="module")
    def _module_params(django_db_setup, django_db_blocker):
        with outer_transaction(django_db_blocker):
            with django_db_blocker.unblock():
                load_param_sets(years)
            yield

    return _module_params


@contextlib.contextmanager
def outer_transaction(django_db_blocker):
    """For module- and class-scoped fixtures that build data once: a transaction left open while the tests run, each
    test in a savepoint of its own (pytest-django's `db` nests its atomic block in this one) that is rolled back after
    it, so the tests stay independent; the whole is rolled back at the end, so nothing is ever committed. Build the
    data inside `with django_db_blocker.unblock():`. Not for tests over real commits (transactional_db, live server)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def _append_only_restored(django_db_blocker):
    """Torn down after the transactional flush: put back what the migrations made (triggers, head row)."""
    yield
    from django.db import connection

    from sirecords.ledger import triggers
    from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
    from sirecords.ledger.models import Head

    with django_db_blocker.unblock():
        triggers.drop(connection)
        triggers.install(connection)
        Head.objects.get_or_create(id=1, defaults={"size": 0, "last_hash": GENESIS_PREV_HASH, "frontier": "[]"})


@pytest.fixture
def ledger_transactional_db(_append_only_restored, transactional_db):
    """transactional_db for tests that need real commits (threads, live server). The flush that empties
    the tables afterwards needs the append-only triggers out of the way; they come back after it."""
    yield
    from django.db import connection

    from sirecords.ledger import triggers

    triggers.drop(connection)


def create_staff_account(admin, username, *roles, region=REGION, organisation="", kind="staff", reason="test"):
    """The one way the fixtures make an account: created by `admin` with `roles` in `region`, password PASSWORD; the
    roles that reach personal data requested with REQUEST and approved by the tests' approver (test_approver)."""
    from sirecords.demo.accounts import open_approved

    approver = test_approver(admin) if any(needs_approval(role) for role in roles) else None
    return open_approved(admin, approver, username, username, roles=roles, region=region, reason=reason, channel="cli",
                         request_ref=REQUEST if approver else "", organisation=organisation, kind=kind,
                         password=None if kind == "service" else PASSWORD)


def fixture_sysadmin(username: str):
    """The sysadmin `username` (an Actor): made by the shell's operator on a fresh database (the first), else by an
    active sysadmin, as on a real installation (demo.accounts.sysadmin)."""
    from sirecords.demo.accounts import sysadmin

    return sysadmin(username, reason="test", password=PASSWORD, os_user="test")


def test_approver(admin):
    """The tests' business-side approver (approve.test) in `admin`'s region, who approves the fixtures' grants:
    the first approver of the test database (the bootstrap), or approved by the one already there."""
    from sirecords.demo.accounts import approver

    return approver(admin, "approve.test", region=staff_accounts.admin_region(admin), reason="test", request_ref=REQUEST)


test_approver.__test__ = False  # a helper, not a test


def issue_approved_token(admin, username: str, scopes: str, *, label: str = "test token", days: int = 30,
                         region: str | None = None) -> str:
    """An API token for the service account `username`, requested with REQUEST and approved by the tests' approver."""
    from sirecords.workflow.services import review

    issued = staff_accounts.issue_token(admin, username, label, scopes, days=days, region=region, reason="test",
                                        channel="cli", request_ref=REQUEST)
    review(test_approver(admin), issued.txn, "approve", "ok")
    return issued.token


def staff_factory():
    """staff_factory() -> make(username, *roles, region=REGION, organisation="") -> Actor; make.admin is a sysadmin
    Actor. Plain function (needs database access), so module- and session-scoped fixtures can make staff too."""
    admin = fixture_sysadmin("admin.t")

    def make(username, *roles, region=REGION, organisation=""):
        create_staff_account(admin, username, *roles, region=region, organisation=organisation)
        return actor_for(username)

    make.admin = admin
    return make


@pytest.fixture
def staff(db):
    """staff(username, *roles, region=REGION, organisation="") -> Actor; staff.admin is a sysadmin Actor."""
    return staff_factory()


@pytest.fixture
def pdf():
    return scan("test document")


@pytest.fixture
def credited(staff):
    """One person (post_sample_batch's) with two paid months of 2024 and the year 2024 credited, posted through
    the reviews; the Person. (tests/web/test_record.py and tests/api/test_record.py.)"""
    return make_credited(staff)


def module_credited():
    """`credited` made once per test module: in a test module, `credited = module_credited()`. Built in an
    outer_transaction, each test in a rolled-back savepoint of it (as module_params)."""

    @pytest.fixture(scope="module")
    def credited(django_db_setup, django_db_blocker):
        with outer_transaction(django_db_blocker):
            with django_db_blocker.unblock():
                person = make_credited(staff_factory())
            yield person

    return credited


def make_credited(staff):
    """`credited`'s set-up as a plain function of a staff maker (staff_factory()), for module-scoped fixtures."""
    from sirecords.accounts import services as crediting_runs
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.registry.models import Person
    from sirecords.workflow.services import review

    post_sample_batch(staff, year=2024)
    crew = {"review1": staff("rec.r1", "reviewer1"), "review2": staff("rec.r2", "reviewer2"),
            "review3": staff("rec.r3", "reviewer3"), "approval": staff("rec.ap", "approver")}
    txn = crediting_runs.prepare(staff("rec.maint", "maintainer"), 2024, region=REGION, reason="annual crediting (test)").txn
    for stage in txn.stage_list:
        txn = review(crew[stage], txn, "approve", "ok")
    return Person.objects.get()


def test_admin():
    """The sysadmin that test fixtures create accounts with."""
    return fixture_sysadmin("admin.test")


test_admin.__test__ = False  # a helper, not a test


@pytest.fixture
def make_staff(db):
    """make_staff(username, *roles, organisation="") -> the Django user (with a confirmed TOTP device)."""
    def make(username, *roles, organisation=""):
        return make_signed_in_staff(username, *roles, organisation=organisation)

    return make


def make_signed_in_staff(username, *roles, region=REGION, organisation=""):
    """A staff account as make_staff makes it (created by test_admin, authenticator enrolled and recorded): the user."""
    from django.contrib.auth import get_user_model

    create_staff_account(test_admin(), username, *roles, region=region, organisation=organisation)
    staff_accounts.enrol_authenticator(username, name="test", actor=test_admin(), reason="test", channel="cli")
    return get_user_model().objects.get(username=username)


def sign_in(client, user):
    """Sign `client` in as `user` with a verified second factor, as the login pages would."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from sirecords.users.backends import BACKEND
    from sirecords.users.models import SealedTOTPDevice

    client.force_login(user, backend=BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


@pytest.fixture
def signed_in(client, make_staff):
    """signed_in(username, *roles) -> the test client, signed in with password and second factor."""
    return lambda username, *roles, **kwargs: sign_in(client, make_staff(username, *roles, **kwargs))


@pytest.fixture
def staff_client(make_staff):
    """staff_client(username, *roles) -> a new test client, signed in with password and second factor."""
    from django.test import Client

    return lambda username, *roles, **kwargs: sign_in(Client(), make_staff(username, *roles, **kwargs))
