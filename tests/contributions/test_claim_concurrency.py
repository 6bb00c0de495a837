"""Two concurrent imports of one collection file open one transaction: the file's SHA-256 is claimed (a primary
key) in the database transaction that opens the import (issue #9, finding 13). Over real commits, so in a module
of its own; the claim rule on both engines: test_canonical_rows.py."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from sirecords.contributions import services
from sirecords.contributions.models import ContributionBatch, FileClaim
from sirecords.workflow.models import BusinessTransaction

from .conftest import REGION
from .test_canonical_rows import one_month


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the in-memory SQLite test database cannot be shared by "
                    "threads; test_canonical_rows.py shows the claim deciding on SQLite")
def test_two_concurrent_imports_of_one_file_open_one_transaction(ledger_transactional_db, registry, load_params, staff):
    clerk = staff("clerk.c", "clerk")
    """Two threads (two PostgreSQL sessions) import one file at the same moment, both having checked it: one opens a
    transaction, the other is refused by the claim."""
    load_params(2024)
    data = one_month(registry).encode()
    barrier = threading.Barrier(2)
    real_claim = services._claim
    outcomes, errors = [], []

    def claim_together(sha256, actor):
        barrier.wait(timeout=30)  # both have checked the file; now both claim it
        return real_claim(sha256, actor)

    def run():
        try:
            outcomes.append(services.import_file(clerk, data, reason="r", region=REGION))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    services._claim = claim_together
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        services._claim = real_claim
    assert errors == []
    assert sorted(outcome.ok for outcome in outcomes) == [False, True]
    assert "already being imported" in next(o.refused for o in outcomes if not o.ok)
    assert BusinessTransaction.objects.filter(type="import_contributions").count() == 1
    assert not ContributionBatch.objects.exists() and FileClaim.objects.count() == 1
