"""The services the dispute pages use (disputes/services.py, its last section): each scan found on the transaction it
came with (for the desk's document viewer), and a portal caller's own case — another's answers None, logged."""

from __future__ import annotations

import logging

from sirecords.disputes import services
from sirecords.registry.models import Employer
from sirecords.workflow.models import Attachment

from .test_cases import filed, png, world  # noqa: F401  (world: a fixture)


def test_each_scan_is_found_on_the_transaction_it_came_with(world):  # noqa: F811
    case = filed(world)
    from sirecords.demo.documents import scan

    services.add_evidence(world["me"], case, services.Document("evidence", scan("letter"), "letter.pdf"), channel="web")
    found = services.evidence_transactions(case)
    assert len(found) == 2 and len(set(found.values())) == 2  # the request's scan, and the one added later
    for digest, txn in found.items():
        assert Attachment.objects.get(txn_id=txn, sha256=digest).kind == "evidence"


def test_a_portal_caller_finds_only_its_own_case(world, caplog):  # noqa: F811
    case = filed(world)
    assert services.own_case(case.uid, person=world["person"].uid) == case
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        assert services.own_case(case.uid, person="0" * 32) is None
        assert services.own_case(case.uid, employer=Employer.objects.get().uid) is None  # not the unit's request
    assert sum(case.uid in record.getMessage() for record in caplog.records) == 2
