"""The engine is pure Python: importing and running it loads no Django, and no float reaches a result."""

import subprocess
import sys

SCRIPT = """
import sys
from sirecords.engine import contributions, crediting, params, pension, retirement, years
p = params.load_params("440300", 2025)
pension.pension_for(p, wage_index="1.2", contribution_months=300, balance="150000.00", age="60y1m", deemed_months=60)
crediting.credit_account_year(p, "10000.00", ["800.00"] * 12)
retirement.statutory_retirement("1965-01", "male", p)
years.contribution_months([("2010-01", "2015-12")])
contributions.contribution(p, "8000.00")
assert not any(name == "django" or name.startswith("django.") for name in sys.modules), "django imported"
"""


def test_engine_imports_no_django():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_every_result_is_canonical_json():
    """Values and traces go into ledger payloads as they are: plain JSON, decimals as strings."""
    import json

    from sirecords.core.canonical import canonical_json
    from sirecords.engine import contributions, crediting, params, pension, retirement, years

    p = params.load_params("440300", 2025)
    results = [
        contributions.contribution(p, "8000.00"),
        crediting.credit_account_year(p, "10000.00", ["800.00"] * 12),
        crediting.recredit_year("10000.00", ["800.00"] * 12, "0.0262", "0.03"),
        years.contribution_months([("2010-01", "2015-12"), ("2015-06", "2016-03")], deemed_months=[("2005-01", "2009-12")]),
        retirement.statutory_retirement("1965-01", "male", p),
        retirement.pension_eligibility(179, 2029, p),
        pension.pension_for(p, wage_index="1.2", contribution_months=300, balance="150000.00", age="60y1m", deemed_months=60),
        pension.average_wage_index([("6000.00", "10000.00", 12)], deemed_months=12),
        pension.adjust_for(p, "3000.00", contribution_months=300),
    ]
    for result in results:
        text = canonical_json(result.as_dict())
        data = json.loads(text)
        assert data["trace"]["steps"] and all({"name", "zh", "en", "formula", "value"} <= set(s) for s in data["trace"]["steps"])
        assert data["trace"]["version"] in (p.version, None)
    assert json.loads(canonical_json(results[4].as_dict()))["value"]["retirement_month"] == "2025-02"
