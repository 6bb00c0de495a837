"""Fixtures of the transfer tests: the joining region's crew (a clerk and the two stages of a transfer request) and an
application scan on disk, as `sirecords transfer request --document` takes it."""

import pytest


@pytest.fixture
def crew(staff):
    return {"clerk": staff("tr.clerk", "clerk"), "review1": staff("tr.rev1", "reviewer1"),
            "approval": staff("tr.appr", "approver")}


@pytest.fixture
def scan(pdf, tmp_path):
    path = tmp_path / "application.pdf"
    path.write_bytes(pdf)
    return str(path)
