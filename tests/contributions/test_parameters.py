"""Loading rule parameters is a reviewed transaction; every set used is in the ledger."""

from __future__ import annotations

import copy
import json

import pytest

from sirecords.engine.params import load_params as from_files
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.parameters.models import RuleParameterSet
from sirecords.parameters.queries import loaded_param_set, params_for_month
from sirecords.parameters.services import open_parameter_load
from sirecords.parameters.transactions import parameter_payload
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused, open_transaction, submit

from .conftest import REGION

pytestmark = pytest.mark.django_db


def test_a_loaded_set_is_in_the_ledger_and_its_projection(load_params):
    txn = load_params(2024)
    assert txn.stage_list == ["review1", "review2", "review3", "approval"] and txn.state == "posted"
    params = from_files(REGION, 2024)
    row = RuleParameterSet.objects.get()
    assert (row.version, row.region, row.period) == (params.version, REGION, "2024")
    entry = Entry.objects.get(seq=row.last_seq)
    assert entry.kind == "parameter_set.loaded" and entry.subject == f"rules:{REGION}/2024"
    assert loaded_param_set(params.version) == params and json.loads(row.canonical) == params.canonical
    assert verify().ok


def test_a_set_whose_values_do_not_hash_to_its_version_is_refused(staff):
    maintainer = staff("maint.x", "maintainer")
    payload = parameter_payload(from_files(REGION, 2024))
    tampered = copy.deepcopy(payload)
    tampered["canonical"]["values"]["contribution"]["floor_ratio"] = "0.4"
    txn = open_transaction(maintainer, "load_rule_parameters", tampered, region=REGION, reason="r", channel="counter")
    with pytest.raises(InvalidTransaction) as refused:
        submit(maintainer, txn)
    assert "version mismatch" in refused.value.errors["canonical"]


def test_only_a_maintainer_opens_it_and_a_set_loads_once(staff, load_params):
    clerk = staff("clerk.p", "clerk")
    with pytest.raises(Refused, match="maintainer"):
        open_parameter_load(clerk, REGION, 2024, "r")
    load_params(2024)
    with pytest.raises(InvalidTransaction, match="already loaded"):
        open_parameter_load(staff("maint.y", "maintainer"), REGION, 2024, "r")


def test_a_month_file_gives_its_own_set_within_the_year():
    december = params_for_month(REGION, 2019, 12)
    january = params_for_month(REGION, 2019, 1)
    assert december.period == "2019" and december == from_files(REGION, 2019)
    assert january.period == "2019-01" and january != december  # national/2019-05 lowered the employer rate
    assert params_for_month(REGION, 2019, 4) == january and params_for_month(REGION, 2019, 5) == december
    assert params_for_month(REGION, 2024, 3) == from_files(REGION, 2024)
