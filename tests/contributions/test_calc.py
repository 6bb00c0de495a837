"""The bulk calculator gives exactly the engine's figures, and the fast canonical row form is canonical JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.contributions.calc import Calculator
from sirecords.contributions.rows import row_bytes, row_object
from sirecords.core.canonical import canonical_bytes
from sirecords.core.money import to_fen
from sirecords.engine.contributions import contribution
from sirecords.engine.params import ParameterError, ParamSet, load_params, read_data_dir

# A region with its own medical limits and a published pension ceiling: the calculator takes the type's limits too.
_OWN_LIMITS = {**read_data_dir(), "440300/2030.toml": ('[contribution.medical]\nfloor_ratio = "0.70"\n\n[year]\n'
                                                      'reference_average_wage = "12000.00"\nbase_ceiling = "33333.33"\n\n'
                                                      '[year.limits.unemployment]\nbase_floor = "2500.00"\n')}
SETS = [load_params("440300", 2024), load_params("440300", 2019, 3), load_params("440300", 2005),
        load_params("440300", 2030, files=_OWN_LIMITS)]
KINDS = [(p, t, c) for p in SETS for c in ("employee", "flexible") for t in ("pension", "medical", "unemployment")
         if c == "employee" or t == "pension"]


def jiao_up(params: ParamSet) -> ParamSet:
    data = params.canonical
    data["values"].setdefault("rounding", {})["contribution"] = "jiao_up"
    return ParamSet.from_canonical(data)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10_000_000), st.sampled_from(KINDS), st.booleans())
def test_calculator_equals_the_engine(wage_fen, kind, jiao):
    params, insurance_type, category = kind
    if jiao:
        params = jiao_up(params)
    expected = contribution(params, Decimal(wage_fen) / 100, insurance_type=insurance_type, category=category).value
    got = Calculator(params, insurance_type, category).amounts(wage_fen)
    assert (got.base_fen, got.employer_fen, got.individual_fen, got.account_credit_fen) == (
        to_fen(expected.contribution_base), to_fen(expected.employer_amount), to_fen(expected.individual_amount),
        to_fen(expected.account_credit))
    assert Calculator(params, insurance_type, category).figures(wage_fen) == (
        got.base_fen, got.employer_fen, got.individual_fen, got.account_credit_fen)


def test_every_kind_compared_has_rates_and_the_others_are_refused_alike():
    """KINDS are the pairs the sets give rates for (every one: none is skipped above); flexible workers pay
    pension only, so for their medical and unemployment both the calculator and the engine refuse, naming the rate."""
    for params, insurance_type, category in KINDS:
        assert params.rates(insurance_type, category).insurance_type == insurance_type
    for params in SETS:
        for insurance_type in ("medical", "unemployment"):
            match = f"rates.flexible.{insurance_type}: no value"
            with pytest.raises(ParameterError, match=match):
                Calculator(params, insurance_type, "flexible")
            with pytest.raises(ParameterError, match=match):
                contribution(params, Decimal(3000), insurance_type=insurance_type, category="flexible")


def test_fast_row_bytes_are_canonical_json():
    row = (7, "a" * 32, "", "2024-01", "pension", "flexible", 300000, 382725, 0, 76545, 30618, "", 76545, "440300/2024@" + "f" * 64)
    assert row_bytes(row) == canonical_bytes(row_object(row))
    odd = (7, 'a"b', "", "2024-01", "pension", "flexible", 1, 2, 3, 4, 5, "", 6, "v")
    assert row_bytes(odd) == canonical_bytes(row_object(odd))


def test_fast_leaves_and_root_equal_the_streaming_root():
    # The level-wise root itself (ledger.merkle.root_of_list) is tested in tests/ledger/test_merkle.py.
    from sirecords.contributions.rows import leaves, rows_root, rows_root_fast

    rows = [(i, "a" * 32, "" if i % 3 else "b" * 32, "2024-01", "pension", "employee", 300000 + i, 382725, 10, 76545, 30618,
             "" if i % 2 else "2024-01-15", 7, "440300/2024@" + "f" * 64) for i in range(1, 30)]
    assert rows_root_fast(rows) == rows_root(rows)[1]
    odd = [*rows[:5], (6, 'a"b', "", "2024-01", "pension", "flexible", 1, 2, 3, 4, 5, "", 6, "v\\x")]
    assert rows_root_fast(odd) == rows_root(odd)[1]
    assert leaves(odd)[:5] == leaves(rows[:5])
