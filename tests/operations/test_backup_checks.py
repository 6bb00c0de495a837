"""The results of backup readability checks and restore drills are ledger entries posted by an administrator
(第九条(二), 第二十五条): the supervisors' integrity page and the metrics read them from there."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sirecords.core.home import home
from sirecords.ledger.models import Entry
from sirecords.operations.kinds import BACKUP_DRILLED, BACKUP_VERIFIED
from sirecords.operations.reading import LAST_BACKUP, last_backup, latest_drills, remember_backup
from sirecords.operations.services import may_record, record_backup_checks
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import actor_for
from sirecords.workflow.services import Refused

from ..conftest import test_admin

pytestmark = pytest.mark.django_db

ROOT = "ab" * 32


def drill(**changes):
    check = {"check": "drill", "backup": "backup-20261206T010203000000Z", "target": "/srv/backups", "ok": True,
             "checked_at": "2026-12-06T01:05:00Z", "root_equal": True, "entries": 42, "root": ROOT,
             "manifest_root": ROOT, "manifest_entries": 42, "rto_ms": 8123, "rpo_ms": 180000, "findings": 0}
    return {**check, **changes}


def readability(**changes):
    check = {"check": "readability", "backup": "backup-20261206T010203000000Z", "target": "s3://agency/backups",
             "ok": True, "checked_at": "2026-12-06T02:00:00Z", "files": 31, "files_opened": 9}
    return {**check, **changes}


@pytest.fixture
def no_last_backup():
    path = home() / LAST_BACKUP
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_a_drill_and_a_verify_run_are_posted_an_entry_per_backup_by_the_administrator():
    admin = test_admin()
    assert may_record(admin)
    txn = record_backup_checks(admin, [drill()], reason="monthly drill")
    verified = record_backup_checks(admin, [readability(), readability(backup="backup-20261205T010203000000Z", ok=False,
                                                                        files_opened=0, problem="files/000003 does not open")],
                                    reason="nightly readability check")
    drilled = Entry.objects.get(kind=BACKUP_DRILLED)
    assert drilled.seq == txn.posted_seq and drilled.actor == admin.username and drilled.subject.startswith("backup:")
    assert Entry.objects.filter(kind=BACKUP_VERIFIED, txn=verified.uid).count() == 2
    (last,) = latest_drills(1)
    assert last.ok and last.body["rto_ms"] == 8123 and last.body["root"] == ROOT


@pytest.mark.parametrize("changes, field", [
    ({"root_equal": True, "root": "cd" * 32}, "checks[1].root_equal"),  # says equal when the roots differ
    ({"ok": True, "root_equal": False, "entries": 41}, "checks[1].ok"),  # a drill with another root did not succeed
    ({"rto_ms": -1}, "checks[1].rto_ms"),
    ({"rto_ms": 1.5}, "payload"),  # no float reaches a payload (the canonical JSON refuses it)
    ({"backup": "../etc/passwd"}, "checks[1].backup"),
    ({"checked_at": "yesterday"}, "checks[1].checked_at"),
    ({"root": "xyz"}, "checks[1].root"),
    ({"surprise": 1}, "checks[1].surprise"),
    ({"check": "restore"}, "checks[1].check"),
])
def test_a_check_that_contradicts_itself_is_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidTransaction) as refused:
        record_backup_checks(test_admin(), [drill(**changes)], reason="drill")
    assert field in refused.value.errors
    assert not Entry.objects.filter(kind=BACKUP_DRILLED).exists()


def test_only_an_administrator_posts_a_check(make_staff):
    make_staff("clerk.ops", "clerk")
    clerk = actor_for("clerk.ops")
    assert not may_record(clerk)
    with pytest.raises(Refused):
        record_backup_checks(clerk, [drill()], reason="drill")
    assert not Entry.objects.filter(kind=BACKUP_DRILLED).exists()


def test_the_integrity_page_shows_the_newest_backup_the_readability_checks_and_the_drills(signed_in, no_last_backup):
    client = signed_in("super.ops", "supervisor")
    page = client.get("/supervision/integrity/").content.decode()
    assert "None made on this server" in page and page.count("None on record") == 2
    remember_backup("backup-20261206T010203000000Z", "2026-12-06T01:02:03.000000Z", ["/srv/backups"], 42)
    record_backup_checks(test_admin(), [readability(ok=False, files_opened=0, problem="files/000003 does not open")],
                         reason="nightly readability check")
    record_backup_checks(test_admin(), [drill()], reason="monthly drill")
    page = client.get("/supervision/integrity/").content.decode()
    assert "backup-20261206T010203000000Z — 2026-12-06 01:02 UTC" in page
    assert "FAILED" in page and "files/000003 does not open" in page and "0 of 31 files opened and hashed" in page
    assert "42 entries; restored and verified in 8.1 s; the newest data restored was 3 min old" in page and "passed" in page
    assert "None on record" not in page and "admin.test" in page


def samples(response) -> dict:
    assert response.status_code == 200, response.content
    return {sample.name: sample.value for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def test_the_metrics_give_the_backup_verify_and_drill_ages_and_outcomes(client, no_last_backup):
    found = samples(client.get("/metrics"))
    for name in ("sirecords_backup_age_seconds", "sirecords_backup_verify_age_seconds", "sirecords_backup_drill_age_seconds"):
        assert found[name] != found[name]  # NaN: never
    assert found["sirecords_backup_drill_ok"] == 0 and found["sirecords_backup_verify_ok"] == 0
    remember_backup("backup-20261206T010203000000Z", "2020-01-01T00:00:00.000000Z", ["/srv/backups"], 42)
    assert last_backup().ledger_size == 42
    record_backup_checks(test_admin(), [readability(checked_at="2020-01-01T00:00:00Z")], reason="check")
    record_backup_checks(test_admin(), [drill(ok=False, root_equal=False, root="cd" * 32)], reason="drill")
    found = samples(client.get("/metrics"))
    assert found["sirecords_backup_age_seconds"] > 6 * 365 * 86400
    assert found["sirecords_backup_verify_ok"] == 1 and found["sirecords_backup_verify_age_seconds"] > 6 * 365 * 86400
    assert found["sirecords_backup_drill_ok"] == 0 and found["sirecords_backup_drill_age_seconds"] >= 0
