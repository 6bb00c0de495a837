"""GET /api/stats (scope stats:read, query officers and supervisors, their regions only) and `sirecords stats`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sirecords.records.models import AccessEvent

from ..api.conftest import bearer
from ..conftest import REGION, create_staff_account, issue_approved_token, test_admin
from .conftest import OTHER
from .helpers import assert_nothing_derivable, keyed


def token_for(username: str, roles: tuple[str, ...], scopes: str) -> Client:
    admin = test_admin()
    create_staff_account(admin, username, *roles, kind="service")
    return Client(HTTP_ACCEPT_LANGUAGE="en", **bearer(issue_approved_token(admin, username, scopes, region=REGION)))


def get(client, **query):
    return client.get(reverse("api:stats"), query)


def test_a_statistics_token_gets_its_regions_aggregates_and_is_logged(db, population):
    client = token_for("stats.bureau", ("query_officer",), "stats:read")
    answer = get(client, by="region,sex", measure="persons")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    rows = keyed(body)
    assert {key[0] for key in rows} == {REGION, None}  # 440400 is not the account's region
    assert rows[(REGION, None)]["value"] == 24 and rows[(None, None)]["value"] == 24
    assert_nothing_derivable(body)
    event = AccessEvent.objects.filter(subject="stats").order_by("-seq").first()
    assert (event.actor, event.channel) == ("stats.bureau", "api") and "regions 440300" in event.what


def test_the_scope_is_needed(db, population):
    client = token_for("stats.noscope", ("query_officer",), "persons:read")
    answer = get(client, by="region", measure="persons")
    assert answer.status_code == 403 and "stats:read" in answer.json()["detail"]


def test_a_clerk_may_not(db, population):
    client = token_for("stats.clerk", ("clerk",), "stats:read")
    answer = get(client, by="region", measure="persons")
    assert answer.status_code == 403 and "roles" in answer.json()["detail"]


def test_without_credentials(db, population):
    assert get(Client(), by="region", measure="persons").status_code == 401


def test_an_unknown_dimension_is_422_naming_it(db, population):
    client = token_for("stats.typo", ("supervisor",), "stats:read")
    answer = get(client, by="region,name", measure="persons")
    assert answer.status_code == 422
    assert "unknown dimension 'name'" in answer.json()["errors"]["by"]


def test_cli_json(db, population):
    out = io.StringIO()
    call_command("stats", "--by", "region,sex", "--measure", "persons", "--json", stdout=out)
    body = json.loads(out.getvalue())
    rows = keyed(body)
    assert rows[(OTHER, "M")] == {"region": OTHER, "sex": "M", "value": None, "suppressed": True}
    assert rows[(None, None)]["value"] == 30 and body["min_cell"] == 10
    assert_nothing_derivable(body)
    assert AccessEvent.objects.filter(subject="stats").order_by("-seq").first().actor.startswith("os:")


def test_cli_csv(db, population):
    out = io.StringIO()
    call_command("stats", "--by", "year", "--measure", "persons", "--csv", stdout=out)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert lines[0] == ["year", "persons", "suppressed"]
    assert lines[1:] == [["2023", "12", "0"], ["2024", "30", "0"], ["合计 total", "42", "0"]]


def test_cli_text_and_min_cell(db, population):
    out = io.StringIO()
    call_command("stats", "--by", "year", "--measure", "persons", "--min-cell", "15", stdout=out)
    text = out.getvalue()
    assert "minimum 15 persons per cell, 2 cell(s) withheld" in text
    assert "× (withheld 已抑制)" in text  # 2023 (12 persons), and 2024 with it


def test_cli_refuses_an_unknown_measure(db, population, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("stats", "--by", "year", "--measure", "salaries", stdout=io.StringIO())
    assert exit_.value.code == 1
    assert "measure: unknown measure 'salaries'" in capsys.readouterr().err


def test_a_supervisor_sees_the_uses_in_the_access_log(db, population, staff_client):
    client = token_for("stats.seen", ("query_officer",), "stats:read")
    assert get(client, by="year", measure="persons").status_code == 200
    supervisor = staff_client("stats.supervisor", "supervisor")
    page = supervisor.get(reverse("supervise_access_log"), {"subject": "stats"}).content.decode()
    assert "stats.seen" in page and "stats: persons by year" in page
