"""The bulk integer arithmetic equals the rules engine, and the fast leaf template equals canonical JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.accounts.compute import kernel_for
from sirecords.accounts.crediting import CANONICAL_FIELDS, Plan, _leaf_template, canonical_row
from sirecords.core.money import from_fen, to_fen
from sirecords.engine.crediting import credit_year_values

RATES = [Decimal(r) for r in ("0.0831", "0.0712", "0.0829", "0.0761", "0.0604", "0.0669", "0.0612", "0.0397", "0.0262",
                              "0.03", "0.05", "0.0001")]


def both(rate, opening, credits, method, rounding):
    value = credit_year_values(from_fen(opening), [from_fen(c) for c in credits], rate, method=method, rounding=rounding)
    kernel = kernel_for(rate, method=method, rounding=rounding)
    weighted = sum(c * (13 - n) for n, c in enumerate(credits, start=1))
    on_prior, on_credits = kernel.interest(opening, sum(credits), weighted)
    return (to_fen(value.interest_on_prior), to_fen(value.interest_on_credits)), (on_prior, on_credits)


@settings(max_examples=400, deadline=None)
@given(rate=st.sampled_from(RATES), opening=st.integers(0, 10**11),
       credits=st.lists(st.integers(0, 5 * 10**6), min_size=12, max_size=12),
       method=st.sampled_from(["monthly", "annual"]), rounding=st.sampled_from(["half_up", "jiao_up"]))
def test_kernel_equals_the_engine(rate, opening, credits, method, rounding):
    expected, got = both(rate, opening, credits, method, rounding)
    assert got == expected


def test_rounding_edges():
    # 10000.00 × 0.0005 = 5.00 exactly; 1.00 × 0.005 = 0.005 → 0.01 (half-up); 12.34 → 12.40 (jiao_up)
    for rate, opening in ((Decimal("0.005"), 100), (Decimal("0.015"), 100), (Decimal("0.0262"), 4771), (Decimal("0.0831"), 1)):
        for rounding in ("half_up", "jiao_up"):
            for method in ("monthly", "annual"):
                expected, got = both(rate, opening, [opening] * 12, method, rounding)
                assert got == expected, (rate, opening, rounding, method)


@pytest.mark.parametrize("basis", ["arrival", "period"])
def test_leaf_template_is_canonical_json(basis):
    plan = Plan("440300", 2025, "440300/2025@abc%", "0.0262", "provisional", "monthly", "half_up", basis)
    template, plain = _leaf_template(plan)
    person = "f" * 32
    assert plain(person)
    row = dict(zip(CANONICAL_FIELDS, (person, 2025, 100, 200, 3, 4, 307, 12, "0.0262", "provisional", "monthly", basis,
                                      "440300/2025@abc%")))
    assert (template % (307, 200, 4, 3, 100, person)).encode() == canonical_row(row)
    assert f'"interest_from":"{basis}"'.encode() in canonical_row(row)
