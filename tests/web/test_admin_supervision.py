"""The supervisors' pages (第三条): access log search, maintenance log, integrity status. Read-only."""

import json
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from sirecords.core.home import home
from sirecords.records.access_log import record_access

from .test_admin_helpers import ID, OTHER_ID, field_error, login_as, register_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def verify_result():
    """The file `sirecords verify` leaves for the integrity page; removed afterwards."""
    path = home() / "verify-last.json"
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_the_access_log_finds_a_read_by_the_maintainers_look_up(signed_in, make_staff, post_txn):
    uid = register_person(post_txn)
    other = register_person(post_txn, id_number=OTHER_ID, name="李娜")
    client = signed_in("maint.a", "maintainer")
    client.post("/maintenance/", {"kind": "person", "identifier": ID}, follow=True)
    client.get(f"/maintenance/person/{other}/")
    record_access("query.x", f"person:{uid}", "person.detail", "counter", "counter query")

    signed_in("super.a", "supervisor")
    form = client.get("/supervision/access-log/").content.decode()
    assert re.search(r'<input[^>]*name="id_number"[^>]*autofocus', form)
    search = client.post("/supervision/access-log/", {"id_number": ID, "actor": "maint.a", "since": "", "until": ""})
    assert search.status_code == 302 and ID not in search["Location"]  # the ID number never goes into an address
    page = client.get(search["Location"]).content.decode()
    rows = re.findall(r"<tr><td>(\d+)</td>.*?</tr>", page, re.S)
    assert len(rows) == 1
    assert f"person:{uid}" in page and "maint.a" in page and "person.detail" in page and "maintenance" in page
    assert f"person:{other}" not in page and "query.x" not in page
    assert ID[:6] + "************" in page  # the search says whose records these are, masked

    by_person = client.get(f"/supervision/access-log/?subject=person:{uid}").content.decode()
    assert "query.x" in by_person and "maint.a" in by_person and f"person:{other}" not in by_person

    bad = client.post("/supervision/access-log/", {"id_number": "12345", "actor": "", "since": "", "until": ""})
    assert bad.status_code == 400 and field_error(bad, "id_number")



def test_the_access_log_finds_probes_of_a_number_and_a_persons_reads_before_registration(signed_in, post_txn):
    """Look-ups of a number nobody is registered with (probes) and reads of a pending registration are logged under
    the number's keyed index: the supervisor finds them by the number, and under the person once registered."""
    from sirecords.registry.subjects import id_number_subject

    record_access("clerk.x", id_number_subject(OTHER_ID), "look-up: nobody registered with this ID number", "web",
                  "counter: 办理增员")
    client = signed_in("super.p", "supervisor")
    search = client.post("/supervision/access-log/", {"id_number": OTHER_ID, "actor": "", "since": "", "until": ""})
    assert search.status_code == 302 and OTHER_ID not in search["Location"]
    page = client.get(search["Location"]).content.decode()
    assert "clerk.x" in page and "look-up: nobody registered" in page and OTHER_ID not in page

    uid = register_person(post_txn, id_number=OTHER_ID, name="李娜")  # now registered: the probe is theirs
    record_access("query.y", f"person:{uid}", "person.detail", "counter", "counter: 窗口查询")
    by_person = client.get(f"/supervision/access-log/?subject=person:{uid}").content.decode()
    assert "clerk.x" in by_person and "query.y" in by_person


def test_access_log_dates_pages_and_order(signed_in):
    for n in range(60):
        record_access("clerk.x", f"person:p{n:02d}", "person.detail", "counter", "counter query")
    record_access("clerk.y", "person:p99", "person.detail", "counter", "counter query")
    client = signed_in("super.a", "supervisor")
    first = client.get("/supervision/access-log/?actor=clerk.x").content.decode()
    seqs = [int(s) for s in re.findall(r"<tr><td>(\d+)</td>", first)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)  # newest first
    assert "clerk.y" not in first
    assert 'href="?actor=clerk.x&amp;page=2"' in first
    second = client.get("/supervision/access-log/?actor=clerk.x&page=2").content.decode()
    assert len(re.findall(r"<tr><td>(\d+)</td>", second)) == 10
    today, tomorrow = date.today(), date.today() + timedelta(days=1)
    assert len(re.findall(r"<tr><td>\d+</td>", client.get(f"/supervision/access-log/?until={today}").content.decode())) == 50
    future = client.get(f"/supervision/access-log/?since={tomorrow}").content.decode()
    assert "No access records match" in future
    backwards = client.post("/supervision/access-log/", {"id_number": "", "actor": "", "since": str(tomorrow), "until": str(today)})
    assert backwards.status_code == 400 and field_error(backwards, "until")


def test_the_supervisor_only_reads(signed_in):
    client = signed_in("super.a", "supervisor")
    assert client.post("/supervision/maintenance-log.csv").status_code == 405
    assert client.post("/supervision/integrity/").status_code == 405
    assert client.get("/sysadmin/accounts/").status_code == 403
    assert client.get("/maintenance/").status_code == 403


def test_integrity_never_run(signed_in, verify_result):
    page = signed_in("super.a", "supervisor").get("/supervision/integrity/").content.decode()
    assert "Never run" in page


def test_integrity_shows_the_last_verify_result(signed_in, post_txn, verify_result):
    register_person(post_txn)
    try:
        call_command("verify", "--json")
    except SystemExit:
        pass  # findings are what the page is for
    assert verify_result.exists()
    result = json.loads(verify_result.read_text(encoding="utf-8"))
    page = signed_in("super.a", "supervisor").get("/supervision/integrity/").content.decode()
    assert result["entries"] > 0 and f"<dd>{result['entries']}</dd>" in page
    assert result["root"] and result["root"] in page
    assert "UTC" in page

    result.update(ok=False, findings=[{"check": "projection", "where": "registry_person pk=abc",
                                       "message": "the row differs from the ledger: name"}])
    verify_result.write_text(json.dumps(result), encoding="utf-8")
    page = signed_in("super.b", "supervisor").get("/supervision/integrity/").content.decode()
    assert "1 finding" in page and "registry_person pk=abc" in page and "the row differs from the ledger: name" in page

    verify_result.write_text("{not json", encoding="utf-8")
    broken = signed_in("super.c", "supervisor").get("/supervision/integrity/").content.decode()
    assert "cannot be read" in broken


def test_nav_links_follow_the_roles(signed_in, make_staff):
    client = signed_in("super.a", "supervisor")
    home_page = client.get("/").content.decode()
    assert 'href="/supervision/access-log/"' in home_page and 'href="/supervision/integrity/"' in home_page
    assert 'href="/sysadmin/accounts/"' not in home_page and 'href="/maintenance/"' not in home_page
    make_staff("maint.a", "maintainer")
    home_page = login_as(client, "maint.a").get("/").content.decode()
    assert 'href="/maintenance/"' in home_page and 'href="/supervision/access-log/"' not in home_page


def test_integrity_says_whether_the_last_verify_was_incremental_or_full(signed_in, verify_result):
    """The nightly run (--since-checkpoint) leaves the projections and stored files to the weekly full run: the
    supervisor must not read its "all held" as the full audit's."""
    base = {"checked_at": "2026-12-06T02:30:00Z", "ok": True, "findings": [], "entries": 120, "root": "ab" * 32}
    verify_result.write_text(json.dumps({**base, "mode": "incremental", "since": 100}), encoding="utf-8")
    client = signed_in("super.a", "supervisor")
    page = client.get("/supervision/integrity/").content.decode()
    assert "Incremental (the nightly run)" in page and "verified earlier at size 100" in page
    verify_result.write_text(json.dumps({**base, "mode": "full"}), encoding="utf-8")
    page = client.get("/supervision/integrity/").content.decode()
    assert "Full: the whole ledger" in page and "Incremental" not in page
