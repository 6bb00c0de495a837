#!/usr/bin/env python
"""Failover under postings (issue #20): postings through the API while the PostgreSQL leader is killed, repeated.

    .venv/bin/python bench/failover.py --start              # starts deploy/ha/lab.py's cluster, stops it at the end
    .venv/bin/python bench/failover.py --kills 3 --interval 10

The cluster is deploy/ha/lab.py's (three nodes under Patroni with synchronous replication, etcd, HAProxy). The
application reaches it by the multi-host DATABASE_URL (`target_session_attrs=read-write`, `connect_timeout=2`), in a
database of its own on the cluster, initialised by `sirecords init`. A clerk and four reviewers (staff made as an
installation makes them, each with an authenticator, signed in as the login pages sign in) post register_person
transactions one after another through the JSON API, in this process (Django's test client: every request through
the URLs, the middleware, the API and its error handlers, as a served request goes): open (Idempotency-Key), attach the
ID card's scan, submit (key), four reviews (a key each). A request answered 503 is retried with the same key after
half a second, for up to --timeout seconds. Every --interval seconds the leader is killed (`lab.py kill-leader`:
kill -9 of its Patroni and PostgreSQL); once postings go through again the killed node's Patroni is started again, and
it must rejoin as a replica (pg_rewind).

Afterwards, checked on the new primary: every acknowledged posting (the last review answered 200, state `posted`) is
in the ledger; no transaction is half-posted (entries without a posted transaction, or a posted one without
entries); `verify` passes; every node is running again, one leader and a synchronous standby, with lag 0; no answer
was a 500 (or anything but what the request should get, or 503). Figures: each kill's outage (from the kill to the
first request answered again), acknowledged vs present. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: its shared modules, imported or run as a script
from halab import lab, on  # noqa: E402

DATABASE = "sirecords_failover"
STAGES = {"review1": "fo.review1", "review2": "fo.review2", "review3": "fo.review3", "approval": "fo.approve"}
ROLES = {"fo.clerk": "clerk", "fo.review1": "reviewer1", "fo.review2": "reviewer2", "fo.review3": "reviewer3",
         "fo.approve": "approver"}
REGION = "440300"
GOAL_OUTAGE_S = 30


def with_database(url: str, name: str) -> str:
    return on(url, name, connect_timeout=2)


def fresh_database(url: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


class Poster:
    """Posts register_person transactions through the API, retrying a 503 with the same Idempotency-Key."""

    def __init__(self, clients: dict, scan: bytes, timeout: float) -> None:
        self.clients, self.scan, self.timeout = clients, scan, timeout
        self.answered_at = 0.0  # the last time any request was answered (not 503)
        self.unavailable = 0  # 503s seen
        self.unexpected: list[str] = []  # any other answer than the one the request should get
        self.acknowledged: list[str] = []
        self.sequence = 0

    def _call(self, client, method: str, path: str, expected: tuple[int, ...], key: str | None = None, **kwargs):
        deadline = time.monotonic() + self.timeout
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        while True:
            response = getattr(client, method)(path, **kwargs, **headers)
            if response.status_code != 503:
                self.answered_at = time.monotonic()
                if response.status_code not in expected:
                    self.unexpected.append(f"{method.upper()} {path}: {response.status_code} {response.content[:300]!r}")
                return response
            self.unavailable += 1
            if "Retry-After" not in response or time.monotonic() > deadline:
                self.unexpected.append(f"{method.upper()} {path}: 503 without Retry-After or past the timeout")
                return response
            time.sleep(0.5)

    def post_one(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        from sirecords.core.identifiers import make_id_number

        self.sequence += 1
        n = self.sequence
        number = make_id_number(REGION, date(1980, 1, 1).replace(year=1960 + n // 900 % 40), n % 900 + 1)
        clerk = self.clients["fo.clerk"]
        created = self._call(clerk, "post", reverse("api:txn_create"), (201,), key=f"create-{n}-{uuid.uuid4().hex}",
                             data={"type": "register_person", "region": REGION, "reason": "failover bench",
                                   "payload": {"id_number": number, "name": "张三", "phone": "13800138000",
                                               "region": REGION}}, content_type="application/json")
        if created.status_code != 201:
            return
        uid = created.json()["uid"]
        # The scan: a retry after a lost answer finds it attached already (a duplicate is refused: 409/422).
        self._call(clerk, "post", reverse("api:txn_attach", args=[uid]), (201, 409, 422),
                   data={"kind": "id_card", "file": SimpleUploadedFile("id.pdf", self.scan, content_type="application/pdf")})
        self._call(clerk, "post", reverse("api:txn_submit", args=[uid]), (200,), key=f"submit-{uid}")
        answer = None
        for stage, username in STAGES.items():
            answer = self._call(self.clients[username], "post", reverse("api:txn_review", args=[uid]), (200,),
                                key=f"{stage}-{uid}", data={"decision": "approve", "opinion": "核对无误"},
                                content_type="application/json")
            if answer.status_code != 200:
                return
        if answer is not None and answer.json().get("state") == "posted":
            self.acknowledged.append(uid)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3, help="leader kills (default %(default)s)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds of postings before each kill")
    parser.add_argument("--timeout", type=float, default=60.0, help="how long a request is retried on 503")
    parser.add_argument("--start", action="store_true", help="start the lab cluster first and stop it at the end")
    args = parser.parse_args(argv)
    if args.start:
        lab("start")
    try:
        return run(args)
    finally:
        if args.start:
            lab("stop")


def run(args) -> int:
    urls = lab("urls")
    fresh_database(urls["multi_host"])
    os.environ["DATABASE_URL"] = with_database(urls["multi_host"], DATABASE)
    from benchsetup import bench_staff, setup_django  # bench/ is on sys.path when run as a script

    setup_django("sirecords-failover-")
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from sirecords.users import services as staff_accounts
    from sirecords.users.backends import BACKEND
    from sirecords.users.models import SealedTOTPDevice

    admin, _first, actors = bench_staff("fo", ROLES, region=REGION)
    clients = {}
    for username in actors:
        staff_accounts.enrol_authenticator(username, name="bench", actor=admin, reason="failover bench", channel="cli")
        client = Client(SERVER_NAME="localhost", raise_request_exception=False)  # as served: a 500 is an answer
        client.force_login(_user(username), backend=BACKEND)  # as the login pages sign in, second factor below
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.get(user__username=username, confirmed=True).persistent_id
        session.save()
        clients[username] = client
    poster = Poster(clients, _pdf(), args.timeout)
    outages, rejoined = [], []
    began = time.monotonic()
    for _kill in range(args.kills):
        until = time.monotonic() + args.interval
        while time.monotonic() < until:
            poster.post_one()
        killed = lab("kill-leader")
        at = time.monotonic()
        while poster.answered_at < at and time.monotonic() < at + args.timeout:
            poster.post_one()
        outages.append(round(poster.answered_at - at, 2) if poster.answered_at >= at else None)
        lab("restart-node", killed["killed"])
        rejoined.append(killed["killed"])
    until = time.monotonic() + args.interval
    while time.monotonic() < until:
        poster.post_one()
    elapsed = time.monotonic() - began
    return report(poster, outages, rejoined, elapsed)


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="ID card (failover bench)")
    return bytes(pdf.output())


def _cluster_settled(timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    state = {}
    while time.monotonic() < deadline:
        state = lab("status")
        members = state.get("members", [])
        roles = sorted(m.get("role") for m in members)
        if (len(members) == 3 and all(m.get("state") in ("running", "streaming") for m in members)
                and "leader" in roles and "sync_standby" in roles
                and all(m.get("lag", 0) in (0, None) for m in members)):
            return {"settled": True, "members": [(m["name"], m["role"]) for m in members]}
        time.sleep(1)
    return {"settled": False, "members": [(m.get("name"), m.get("role"), m.get("state"), m.get("lag"))
                                          for m in state.get("members", [])]}


def report(poster: Poster, outages: list, rejoined: list, elapsed: float) -> int:
    from django.db import connection

    from sirecords.ledger.models import Entry
    from sirecords.ledger.verify import verify
    from sirecords.workflow.models import BusinessTransaction, State

    connection.close()  # a fresh connection to the primary now
    acked = set(poster.acknowledged)
    present = set(BusinessTransaction.objects.filter(uid__in=acked, state=State.POSTED).values_list("uid", flat=True))
    with_entries = set(Entry.objects.filter(txn__in=acked).values_list("txn", flat=True).distinct())
    posted = set(BusinessTransaction.objects.filter(type="register_person", state=State.POSTED).values_list("uid", flat=True))
    entry_txns = set(Entry.objects.filter(kind="person.registered").values_list("txn", flat=True))
    half_posted = len(entry_txns - posted) + len(posted - entry_txns)
    verified = verify()
    cluster = _cluster_settled()
    known = [o for o in outages if o is not None]
    figures = {"kills": len(outages), "outage_s": outages, "max_outage_s": max(known) if known else None,
               "goal_outage_s": GOAL_OUTAGE_S, "acknowledged": len(acked), "present": len(present & with_entries),
               "half_posted": half_posted, "responses_503": poster.unavailable, "unexpected": len(poster.unexpected),
               "verify_ok": verified.ok, "rejoined": rejoined, "cluster": cluster, "seconds": round(elapsed, 1),
               "postings_per_s": round(len(acked) / elapsed, 1) if elapsed else None}
    for line in poster.unexpected[:10]:
        print(f"unexpected: {line}")
    for finding in verified.findings[:10]:
        print(f"verify: {finding.where}: {finding.message}")
    figures["ok"] = bool(len(outages) == len(known) and known and max(known) <= GOAL_OUTAGE_S and acked
                         and figures["present"] == len(acked) and not half_posted and not poster.unexpected
                         and verified.ok and cluster["settled"])
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
