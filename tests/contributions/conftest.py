"""Persons, employers and loaded parameter sets for the collection-file tests."""

from __future__ import annotations

from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.parameters.queries import params_for_month
from sirecords.parameters.services import open_parameter_load
from sirecords.workflow.services import review

from ..conftest import outer_transaction, post_entries, staff_factory

REGION = "440300"
USCC = make_uscc("9", "1", "440300", "MA5F0001")
OTHER_USCC = make_uscc("9", "1", "440300", "MA5F0002")  # valid, never registered


@pytest.fixture
def reviewers(staff):
    """One reviewer per stage (第七条: one person acts on one stage only)."""
    return make_reviewers(staff)


def make_reviewers(staff):
    return {stage: staff(f"rev.{stage}", role) for stage, role in
            (("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver"))}


@pytest.fixture
def load_params(staff, reviewers):
    """load_params(year, month=None): a maintainer loads the set that governs that month; all stages approve."""
    maintainer = staff("maint.p", "maintainer")

    def load(year: int, month: int = 12):
        params = params_for_month(REGION, year, month)
        txn = open_parameter_load(maintainer, REGION, year, "年度参数", params=params)
        for stage in txn.stage_list:
            txn = review(reviewers[stage], txn, "approve", "ok")
        return txn

    return load


@pytest.fixture
def registry(post_txn):
    """Three registered persons and one employer: {"ids": [...], "uscc": USCC}."""
    return make_registry(post_txn)


def module_registry():
    """`registry` and `reviewers` made once per test module: in a test module, `registry, reviewers = module_registry()`.
    Built in an outer_transaction (tests/conftest.py), each test in a rolled-back savepoint of it; not for tests over
    real commits (test_claim_concurrency.py keeps the function-scoped ones)."""

    @pytest.fixture(scope="module")
    def registry(django_db_setup, django_db_blocker):
        with outer_transaction(django_db_blocker):
            with django_db_blocker.unblock():
                made = make_registry(post_entries)
            yield made

    @pytest.fixture(scope="module")
    def reviewers(registry, django_db_blocker):  # within registry's outer transaction
        with django_db_blocker.unblock():
            made = make_reviewers(staff_factory())
        yield made

    return registry, reviewers


def make_registry(post_txn):
    ids = [make_id_number("440305", date(1980 + i, 3, 1 + i), 100 + i) for i in range(3)]
    for i, number in enumerate(ids):
        post_txn("register_person", {"id_number": number, "name": f"测试{i}", "region": "440305"})
    post_txn("register_employer", {"uscc": USCC, "name": "测试公司", "region": "440305"})
    return {"ids": ids, "uscc": USCC}
