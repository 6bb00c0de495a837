"""The second demo region (issue #19 point 6): `SIRECORDS_REGION=510100 sirecords demo --load-only` loads 成都市's small
demo (demo/chengdu.py), with the same staff names, its own parameter sets and the mover (demo/mover.py), who contributed in
the first demo region (440300) until 2025-06 and in 510100 from 2025-07. The 440300 side of the mover, on the loaded
first demo, is in tests/cli/test_cli_end_to_end.py (the one test module that loads it)."""

import importlib.util
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.test import override_settings

from sirecords.core.identifiers import parse_id_number
from sirecords.core.periods import Month
from sirecords.demo import accounts, chengdu, mover
from sirecords.engine.params import load_params
from sirecords.engine.transfers import temporary_account

from ..conftest import outer_transaction

TODAY = date.today()
LAST_COMPLETE = Month(TODAY.year, TODAY.month) - 1


def test_the_mover_is_one_valid_person_who_opens_no_temporary_account_in_510100():
    number = parse_id_number(mover.id_number(), today=TODAY)
    assert (number.normalized, number.sex, number.birth_date, number.address_code) == (
        mover.id_number(), "M", mover.BIRTH, mover.BIRTH_REGION)
    assert mover.BIRTH_REGION[:2] not in ("44", "51")  # his household register is in neither demo province
    assert mover.registration(mover.SHENZHEN)["id_number"] == mover.registration(mover.CHENGDU)["id_number"]
    assert mover.registration(mover.CHENGDU)["registered_on"] == "2025-07-01"
    joining = temporary_account("M", mover.BIRTH, mover.JOINED, mover.BIRTH_REGION, mover.CHENGDU)
    assert joining.value.temporary is False and "under 50" in joining.value.reason


def test_the_movers_collection_rows_stop_at_2025_06_in_440300_and_start_at_2025_07_in_510100():
    there = [Month.parse(row[2]) for row in mover.collection_rows(mover.SHENZHEN, TODAY)]
    here = [Month.parse(row[2]) for row in mover.collection_rows(mover.CHENGDU, TODAY)]
    assert (there[0], there[-1], len(there)) == (Month(2016, 1), Month(2025, 6), 114)
    assert (here[0], here[-1], len(here)) == (Month(2025, 7), LAST_COMPLETE, LAST_COMPLETE - Month(2025, 7) + 1)
    assert all(row[5] <= TODAY.isoformat() for row in mover.collection_rows(mover.CHENGDU, TODAY))  # none paid in the future


def test_the_510100_parameter_sets_are_demo_values_of_their_own():
    for year in (2016, 2025, 2026):
        chengdu_set, shenzhen_set = load_params("510100", year), load_params("440300", year)
        assert chengdu_set.demo and chengdu_set.version.startswith(f"510100/{year}@")
        assert 0 < chengdu_set.reference_average_wage < shenzhen_set.reference_average_wage


def _settings_with(monkeypatch, **environ):
    """A fresh copy of the production settings module, read with `environ` (and no other SIRECORDS_ name setting)."""
    import sirecords.settings.base as base

    for name in ("SIRECORDS_REGION", "SIRECORDS_REGION_NAME", "SIRECORDS_AGENCY_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_copy", base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SIRECORDS_REGION_NAME, module.SIRECORDS_AGENCY_NAME


def test_a_demo_regions_name_and_agency_follow_sirecords_region(monkeypatch):
    assert _settings_with(monkeypatch, SIRECORDS_REGION="510100") == ("成都市", "成都市社会保险事业管理局（演示）")
    assert _settings_with(monkeypatch) == ("深圳市", "深圳市社会保险基金管理局（演示）")
    assert _settings_with(monkeypatch, SIRECORDS_REGION="510100", SIRECORDS_REGION_NAME="成都") == (
        "成都", "成都市社会保险事业管理局（演示）")
    assert _settings_with(monkeypatch, SIRECORDS_REGION="110105", SIRECORDS_AGENCY_NAME="北京市东城区社保中心") == (
        "北京市东城区社保中心", "北京市东城区社保中心")  # another region: its agency's name


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The 510100 demo, loaded once by `sirecords demo --load-only` into the empty test database (rolled back after)."""
    with outer_transaction(django_db_blocker), override_settings(SIRECORDS_REGION="510100"):
        with django_db_blocker.unblock():
            out = io.StringIO()
            call_command("demo", "--load-only", stdout=out)
        yield out.getvalue()
    accounts._actors.clear()  # the load's staff are gone with the rolled-back transaction


@pytest.fixture
def here(loaded, db, settings):
    settings.SIRECORDS_REGION = "510100"
    return loaded


def _mover_uid():
    from sirecords.registry.queries import find_person_by_id_number

    return find_person_by_id_number(mover.id_number()).uid


def test_it_loads_the_staff_the_persons_and_the_mover_in_510100(here):
    from sirecords.registry.models import Employer, Employment, Person
    from sirecords.users.models import RoleGrant

    assert "4 persons, 2 employers" in here and "430102199003185178" in here
    persons = {person.uid: person for person in Person.objects.all()}
    assert len(persons) == len(chengdu.LOCALS) + 1 and {p.pooling_region for p in persons.values()} == {"510100"}
    moved = persons[_mover_uid()]
    assert (moved.region, moved.registered_on.isoformat(), moved.sex) == ("430102", "2025-07-01", "M")
    [job] = Employment.objects.filter(person_id=moved.uid)
    assert (job.start.isoformat(), job.end) == ("2025-07-01", None)
    assert Employer.objects.get(uid=job.employer_id).uscc == mover.EMPLOYERS["510100"]["uscc"]
    grants = {(g.account_id, g.role, g.region) for g in RoleGrant.objects.filter(revoked_on__isnull=True)}
    assert {(username, role, "510100") for username, (_d, roles, _o) in accounts.STAFF.items() for role in roles} <= grants
    assert {region for _u, _r, region in grants} == {"510100"}


def test_the_mover_has_his_months_from_2025_07_and_his_2025_account_year_in_510100(here):
    from sirecords.accounts.models import AccountYear
    from sirecords.contributions.models import Contribution

    months = sorted({Month.parse(p) for p in Contribution.objects.filter(person_id=_mover_uid(), insurance_type="pension")
                     .values_list("period", flat=True)})
    assert months[0] == Month(2025, 7) and months[-1] == LAST_COMPLETE
    assert len(months) == LAST_COMPLETE - Month(2025, 7) + 1  # every month, none before he joined
    credited = AccountYear.objects.filter(person_id=_mover_uid()).values_list("year", "credits_fen")
    assert [year for year, _ in credited] == list(range(2025, TODAY.year)) and all(fen > 0 for _, fen in credited)


def test_the_logins_of_the_510100_home_name_the_staff_and_the_mover(here):
    out = io.StringIO()
    call_command("demo", "--logins", "--json", stdout=out)
    listed = json.loads(out.getvalue())
    assert [(e["login"], e["label"]) for e in listed if e["kind"] != "staff"] == [(mover.id_number(), "mover")]
    assert {e["login"] for e in listed if e["kind"] == "staff"} == set(accounts.STAFF)
    out = io.StringIO()
    call_command("demo", "--totp", mover.id_number(), stdout=out)
    assert len(out.getvalue().strip()) == 6


def test_the_510100_ledger_verifies(here):
    from sirecords.ledger.verify import verify

    report = verify(None)
    assert report.ok, report.findings[:5]
