"""Region parameters for the contribution base: a July–June contribution year, published absolute floors
and ceilings, and limits per insurance type, each validated with an error naming file and key."""

from decimal import Decimal as D

import pytest

from sirecords.contributions.calc import Calculator
from sirecords.core.money import to_fen
from sirecords.engine.contributions import contribution, limits_for
from sirecords.engine.params import ParameterError, load_params, read_data_dir
from sirecords.engine.subsidies import subsidy_for_month


@pytest.fixture(scope="module")
def base_files():
    return dict(read_data_dir())


@pytest.fixture
def files(base_files):
    return dict(base_files)


def test_existing_regions_keep_calendar_years():
    p = load_params("440300", 2024, 3)
    assert (p.year_start_month, p.limits_year, p.reference_average_wage) == (1, 2024, D("10123.00"))
    # the pension floor 10123.00 × 0.60 = 6073.80, medical (no own limits) the same
    assert limits_for(p, "medical").value.floor == D("6073.80")


def test_july_to_june_contribution_year(files):
    # 2023.toml's wage 9641.00 applies 2023-07 … 2024-06; 2024.toml's 10123.00 from 2024-07
    files["440300/2023-07.toml"] = "[contribution]\nyear_start_month = 7\n"
    march = load_params("440300", 2024, 3, files=files)
    assert (march.limits_year, march.reference_average_wage) == (2023, D("9641.00"))
    assert march.pension_base == D("10123.00")  # other [year] values stay the calendar year's
    assert march.origin("year.reference_average_wage") == "440300/2023.toml"
    # 9641.00 × 0.60 = 5784.60: the floor of 2024-03
    assert contribution(march, "5000.00").value.contribution_base == D("5784.60")
    july = load_params("440300", 2024, 7, files=files)
    assert (july.limits_year, july.reference_average_wage) == (2024, D("10123.00"))
    assert load_params("440300", 2024, files=files).reference_average_wage == D("10123.00")  # the whole year: December's
    # before the region changed to July–June, 2023-03 is in calendar year 2023
    assert load_params("440300", 2023, 3, files=files).reference_average_wage == D("9641.00")
    assert load_params("440300", 2023, 6, files=files).limits_year == 2023


def test_params_for_month_in_a_july_to_june_region(files, monkeypatch):
    from sirecords.engine import params as params_module
    from sirecords.parameters import queries

    files["440300/2023-07.toml"] = "[contribution]\nyear_start_month = 7\n"
    monkeypatch.setattr(params_module, "_default_files", lambda: files)
    params_module._load_default.cache_clear()
    queries.params_for_month.cache_clear()
    try:
        march, july = queries.params_for_month("440300", 2024, 3), queries.params_for_month("440300", 2024, 7)
        assert (march.period, march.reference_average_wage) == ("2024-01", D("9641.00"))
        assert (july.period, july.reference_average_wage) == ("2024", D("10123.00"))
    finally:
        params_module._load_default.cache_clear()
        queries.params_for_month.cache_clear()


def test_missing_contribution_year_names_its_files(files):
    files["440300/2025-07.toml"] = "[contribution]\nyear_start_month = 7\n"
    del files["440300/2025.toml"]
    p = load_params("440300", 2026, 3, files=files)  # contribution year 2025: national/2025 has no wage
    with pytest.raises(ParameterError, match="national/2025.toml or 440300/2025.toml"):
        limits_for(p, "pension")


def test_published_absolute_limits_override_the_ratios(files):
    files["440300/2030.toml"] = '[year]\nreference_average_wage = "12000.00"\nbase_floor = "6500.00"\nbase_ceiling = "35000.00"\n'
    p = load_params("440300", 2030, files=files)
    limits = limits_for(p, "pension")
    assert (limits.value.floor, limits.value.ceiling) == (D("6500.00"), D("35000.00"))  # not 7200.00 / 36000.00
    assert "year.base_floor" in limits.trace.steps[0].en
    # only the floor published: the ceiling stays 12000.00 × 3.00 = 36000.00
    files["440300/2030.toml"] = '[year]\nreference_average_wage = "12000.00"\nbase_floor = "6500.00"\n'
    p = load_params("440300", 2030, files=files)
    assert (limits_for(p).value.floor, limits_for(p).value.ceiling) == (D("6500.00"), D("36000.00"))
    assert contribution(p, "99999.00").value.contribution_base == D("36000.00")


def test_medical_base_has_its_own_limits(files):
    # medical floor 70 %, ceiling 300 % of 12000.00: 8400.00 … 36000.00; pension keeps 60 %: 7200.00
    files["440300/2030.toml"] = ('[contribution.medical]\nfloor_ratio = "0.70"\n\n'
                                 '[year]\nreference_average_wage = "12000.00"\n')
    p = load_params("440300", 2030, files=files)
    medical = contribution(p, "5000.00", insurance_type="medical").value
    pension = contribution(p, "5000.00").value
    assert (medical.contribution_base, medical.clamped, pension.contribution_base) == (D("8400.00"), "floor", D("7200.00"))
    # medical amounts on 8400.00: the region's medical rates (employer 5 %, individual 2 %): 420.00 and 168.00
    rates = p.rates("medical")
    assert medical.employer_amount == (D("8400.00") * rates.employer).quantize(D("0.01"))
    # a published medical floor wins over the medical ratio and the general published floor
    files["440300/2031.toml"] = ('[year]\nreference_average_wage = "12000.00"\nbase_floor = "6000.00"\n\n'
                                 '[year.limits.medical]\nbase_floor = "9000.00"\n')
    p31 = load_params("440300", 2031, files=files)
    assert limits_for(p31, "medical").value.floor == D("9000.00")
    assert limits_for(p31, "pension").value.floor == D("6000.00")
    assert limits_for(p31, "unemployment").value.floor == D("6000.00")
    # the bulk calculator of imports agrees with the engine
    calc = Calculator(p, "medical", "employee")
    assert (calc.floor_fen, calc.ceiling_fen) == (to_fen(D("8400.00")), to_fen(D("36000.00")))
    assert calc.amounts(to_fen(D("5000.00"))).base_fen == to_fen(medical.contribution_base)


def test_subsidy_at_the_floor_uses_the_types_floor(files):
    # employment_difficulty covers the employer's contribution at the base floor: medical 8400.00 × 5 % = 420.00
    # (at the pension floor 7200.00 it would be 360.00); the employer paid 500.00 → 420.00
    files["440300/2030.toml"] = ('[contribution.medical]\nfloor_ratio = "0.70"\n\n'
                                 '[year]\nreference_average_wage = "12000.00"\n')
    p = load_params("440300", 2030, files=files)
    scheme = p.subsidy_scheme("employment_difficulty")
    got = subsidy_for_month(p, scheme, insurance_type="medical", employer_paid="500.00", individual_paid="0")
    assert got.value == (D("8400.00") * p.rates("medical").employer).quantize(D("0.01"))


def test_published_floor_above_a_derived_ceiling_is_refused(files):
    files["440300/2030.toml"] = '[year]\nreference_average_wage = "1000.00"\nbase_floor = "5000.00"\n'
    p = load_params("440300", 2030, files=files)  # ceiling 1000.00 × 3 = 3000.00 < 5000.00
    with pytest.raises(ParameterError, match="not below its ceiling"):
        limits_for(p)


@pytest.mark.parametrize(
    ("addition", "key", "reason"),
    [
        ("[contribution]\nyear_start_month = 13\n", "contribution.year_start_month", "between 1 and 12"),
        ('[contribution]\nyear_start_month = "7"\n', "contribution.year_start_month", "whole number"),
        ('[contribution.dental]\nfloor_ratio = "0.7"\n', "contribution.dental", "unknown insurance type"),
        ('[contribution.medical]\nfloor_ratio = "1.2"\n', "contribution.medical.floor_ratio", "≤ 1"),
        ('[contribution.medical]\nbase_floor = "1.2"\n', "contribution.medical.base_floor", "unknown key"),
        ('[contribution.medical]\nfloor_ratio = "1"\nceiling_ratio = "1.0"\n', "contribution.medical.floor_ratio",
         "below the ceiling ratio"),
        ('[year]\nbase_floor = "-1"\n', "year.base_floor", "> 0"),
        ('[year]\nbase_ceiling = "100.001"\n', "year.base_ceiling", "two decimal places"),
        ('[year]\nbase_floor = "9000"\nbase_ceiling = "8000"\n', "year.base_floor", "below the base ceiling"),
        ('[year.limits.medical]\nbase_floor = "9000"\nbase_ceiling = "8000"\n', "year.limits.medical.base_floor",
         "below the base ceiling"),
        ('[year.limits.medical]\nfloor_ratio = "0.7"\n', "year.limits.medical.floor_ratio", "unknown key"),
        ('[year.limits.dental]\nbase_floor = "9000"\n', "year.limits.dental", "unknown insurance type"),
        ('[year]\nlimits = 3\n', "year.limits", "must be a table"),
    ],
)
def test_new_keys_are_validated(files, addition, key, reason):
    files["440300/2030.toml"] = addition
    with pytest.raises(ParameterError) as info:
        load_params("440300", 2030, files=files)
    assert (info.value.file, info.value.key) == ("440300/2030.toml", key)
    assert reason in info.value.reason


def test_canonical_round_trip_with_the_new_keys(files):
    from sirecords.engine.params import ParamSet

    files["440300/2030.toml"] = ('[contribution]\nyear_start_month = 7\n\n[contribution.medical]\nfloor_ratio = "0.70"\n\n'
                                 '[year]\nreference_average_wage = "12000.00"\nbase_ceiling = "30000.00"\n\n'
                                 '[year.limits.medical]\nbase_floor = "9000.00"\n')
    p = load_params("440300", 2030, files=files)
    rebuilt = ParamSet.from_canonical(p.canonical, version=p.version)
    assert limits_for(rebuilt, "medical").value == limits_for(p, "medical").value
