"""The services the dispute pages use (disputes/services.py, its last section): each scan attached to the transaction it
came with, and a portal caller's own case — another's answers None, logged."""

from __future__ import annotations

import logging

from sirecords.disputes import services
from sirecords.disputes.models import Evidence
from sirecords.registry.models import Employer
from sirecords.workflow.models import Attachment

from .test_cases import filed, png, world  # noqa: F401  (world: a fixture)


def test_each_scan_is_attached_to_the_transaction_it_came_with(world):  # noqa: F811
    """The ledger names each scan's hash; the workflow keeps the scan itself, attached to the transaction that posted
    it (the request's, the later addition's): what verify streams and checks."""
    case = filed(world)
    from sirecords.demo.documents import scan

    services.add_evidence(world["me"], case, services.Document("evidence", scan("letter"), "letter.pdf"), channel="web")
    scans = Evidence.objects.filter(case=case.uid)
    assert scans.count() == 2
    for evidence in scans:
        attached = Attachment.objects.filter(sha256=evidence.sha256)
        assert attached.count() == 1 and attached.get().kind == "evidence"
        assert attached.get().txn.type in ("file_dispute", "add_dispute_evidence")


def test_a_portal_caller_finds_only_its_own_case(world, caplog):  # noqa: F811
    case = filed(world)
    assert services.own_case(case.uid, person=world["person"].uid) == case
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        assert services.own_case(case.uid, person="0" * 32) is None
        assert services.own_case(case.uid, employer=Employer.objects.get().uid) is None  # not the unit's request
    assert sum(case.uid in record.getMessage() for record in caplog.records) == 2
