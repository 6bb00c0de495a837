"""Parameter files: national defaults of RULES-REFERENCE.md, region over national, errors that name the
file and the key, the canonical form and its version."""

import json
from decimal import Decimal as D

import pytest

from sirecords.core.canonical import canonical_json
from sirecords.engine.params import (
    ParameterError,
    ParamSet,
    available_periods,
    latest_year,
    load_params,
    parse_parameter_file,
    read_data_dir,
)

OFFICIAL_RATES = {2016: "0.0831", 2017: "0.0712", 2018: "0.0829", 2019: "0.0761", 2020: "0.0604",
                  2021: "0.0669", 2022: "0.0612", 2023: "0.0397", 2024: "0.0262"}
DIVISORS = dict(zip(range(40, 71), [233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195, 190, 185, 180, 175, 170,
                                    164, 158, 152, 145, 139, 132, 125, 117, 109, 101, 93, 84, 75, 65, 56]))


@pytest.fixture
def files():
    """The package's own files, as texts a test may change."""
    return dict(read_data_dir())


# --- the national defaults -------------------------------------------------------------------------------


def test_national_base_limits_and_rates():
    p = load_params("national", 2024)
    assert (p.floor_ratio, p.ceiling_ratio) == (D("0.60"), D("3.00"))
    rates = p.rates("pension", "employee")
    assert (rates.employer, rates.individual, rates.account) == (D("0.16"), D("0.08"), D("0.08"))
    flexible = p.rates("pension", "flexible")
    assert (flexible.employer, flexible.individual, flexible.account) == (D(0), D("0.20"), D("0.08"))
    assert p.rounding("contribution") == p.rounding("interest") == p.rounding("pension") == "half_up"
    assert not p.demo


@pytest.mark.parametrize("region", ["national", "440300"])  # national: pension only; Shenzhen: all five for employees
@pytest.mark.parametrize("category", ["employee", "flexible"])
def test_insurance_types_are_those_with_a_rate_table(region, category):
    from sirecords.engine.params import INSURANCE_TYPES

    p = load_params(region, 2024)
    with_rates = []
    for kind in INSURANCE_TYPES:
        try:
            p.rates(kind, category)
            with_rates.append(kind)
        except ParameterError:
            pass
    assert p.insurance_types(category) == tuple(with_rates)
    assert p.insurance_types(category)[0] == "pension"
    with pytest.raises(ParameterError, match="unknown category"):
        p.insurance_types("retired")


def test_a_region_adds_the_insurance_types_it_collects():
    assert load_params("440300", 2024).insurance_types() == ("pension", "medical", "unemployment", "work_injury", "maternity")
    assert load_params("national", 2024).insurance_types() == ("pension",)


def test_account_credit_was_11_percent_before_2006():
    assert load_params("national", 2005).rates().account == D("0.11")
    assert load_params("national", 2006).rates().account == D("0.08")


def test_employer_rate_16_percent_from_2019_05():
    # national/2019-05.toml: a month file; a bare year means the rates in force at the end of the year.
    assert load_params("national", 2019, 4).rates().employer == D("0.20")
    assert load_params("national", 2019, 5).rates().employer == D("0.16")
    assert load_params("national", 2019).rates().employer == D("0.16")
    assert load_params("national", 2019, 4).version != load_params("national", 2019, 5).version


@pytest.mark.parametrize(("year", "rate"), OFFICIAL_RATES.items())
def test_official_crediting_rates(year, rate):
    p = load_params("national", year)
    assert p.crediting_rate == D(rate)
    assert p.crediting_rate_status == "official"


def test_2025_rate_is_provisional_and_rates_are_not_carried_forward():
    assert load_params("national", 2025).crediting_rate_status == "provisional"
    with pytest.raises(ParameterError) as info:
        _ = load_params("national", 2026).crediting_rate
    assert info.value.key == "year.crediting_rate"
    assert "national/2026.toml" in str(info.value)


def test_months_divisor_table():
    table = load_params("national", 2025).months_divisor_table
    assert table == {age: D(months) for age, months in DIVISORS.items()}
    assert table[47] == 208  # a data value: sources say 208 or 207


def test_minimum_schedule_and_retirement_rules():
    p = load_params("national", 2025)
    schedule = dict(p.minimum_contribution_schedule)
    assert schedule[1998] == 180 and schedule[2030] == 186 and schedule[2038] == 234 and schedule[2039] == 240
    assert str(p.reform_base_month) == "2024-12"
    male, f50 = p.retirement_category("male"), p.retirement_category("female50")
    assert (male.original_age, male.months_per_delay_month, male.max_delay_months) == (60, 4, 36)
    assert (f50.original_age, f50.months_per_delay_month, f50.max_delay_months) == (50, 2, 60)
    assert p.retirement_category("female55").original_age == 55
    assert (p.flexible_earlier_months, p.flexible_later_months) == (36, 36)


# --- the demo region ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", range(2000, 2027))
def test_demo_region_has_wages_and_pension_bases(year):
    p = load_params("440300", year)
    assert p.demo  # demo data, never official figures
    assert p.reference_average_wage > 0 and p.pension_base > 0
    if year < 2026:
        assert p.crediting_rate > 0  # regional before 2016, national after
    assert p.rates("medical").employer == D("0.05")  # a region-set rate for another insurance type


def test_region_wages_grow_and_years_are_listed():
    wages = [load_params("440300", year).reference_average_wage for year in range(2000, 2027)]
    assert wages == sorted(wages)
    assert latest_year("440300") == 2026
    assert "2019-05" in available_periods("national")


# --- region over national, files given as texts ----------------------------------------------------------------


def test_region_overrides_national(files):
    files["440300/2010.toml"] += '\n[rounding]\ninterest = "jiao_up"\n\n[months_divisor]\n"47" = 207\n'
    p = load_params("440300", 2024, files=files)
    assert p.rounding("interest") == "jiao_up"
    assert p.months_divisor_table[47] == D(207)
    assert p.origin("months_divisor.47") == "440300/2010.toml"
    assert p.origin("months_divisor.48") == "national/2006.toml"
    assert load_params("440300", 2009, files=files).rounding("interest") == "half_up"  # not before the file's year
    assert load_params("national", 2024, files=files).months_divisor_table[47] == 208


def test_region_year_value_overrides_national_year_value(files):
    files["440300/2024.toml"] += 'crediting_rate = "0.03"\ncrediting_rate_status = "official"\n'
    assert load_params("440300", 2024, files=files).crediting_rate == D("0.03")
    assert load_params("national", 2024, files=files).crediting_rate == D("0.0262")


# --- errors name the file, the key and the reason -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addition", "key", "reason"),
    [
        ('[contribution]\nfloor_ratio = "abc"\n', "contribution.floor_ratio", "decimal number"),
        ("[contribution]\nfloor_ratio = 1.5\n", "contribution.floor_ratio", "≤ 1"),
        ('[contribution]\nceiling_ratio = "0.5"\n', "contribution.ceiling_ratio", "≥ 1"),
        ('[contribution]\nbase_floor = "0.6"\n', "contribution.base_floor", "unknown key"),
        ('[contributions]\nfloor_ratio = "0.6"\n', "contributions", "unknown section"),
        ('[rates.employee.pension]\nemployer = "16"\n', "rates.employee.pension.employer", "≤ 0.99"),
        ('[rates.employee.pensions]\nemployer = "0.16"\n', "rates.employee.pensions", "unknown insurance type"),
        ('[rates.retired.pension]\nemployer = "0.16"\n', "rates.retired", "unknown category"),
        ('[rounding]\ninterest = "up"\n', "rounding.interest", "half_up, jiao_up"),
        ('[months_divisor]\n"sixty" = 139\n', "months_divisor.sixty", "ages"),
        ("[months_divisor]\n\"60\" = -1\n", "months_divisor.60", "> 0"),
        ("[minimum_contribution]\nschedule = [ { from_year = 2030, months = 186 }, { from_year = 2029, months = 180 } ]\n",
         "minimum_contribution.schedule", "increase"),
        ("[retirement.male]\noriginal_age = 60.5\n", "retirement.male.original_age", "whole number"),
        ('[retirement]\nbase_month = "2024-12"\n', "retirement.base_month", "unknown key"),
        ('[retirement]\nreform_base_month = "2024-13"\n', "retirement.reform_base_month", "month"),
        ('[year]\ncrediting_rate = "0.03"\n', "year.crediting_rate_status", "go together"),
        ('[year]\nreference_average_wage = "-100"\n', "year.reference_average_wage", "> 0"),
        ('[year]\npension_base = "100.001"\n', "year.pension_base", "two decimal places"),
        ("[meta]\ndemo = \"yes\"\n", "meta.demo", "true or false"),
        ('[deemed]\nservice_before = "1992"\n', "deemed.service_before", "month"),
        ('[deemed]\nminimum_age = 10\n', "deemed.minimum_age", "between 14 and 30"),
        ('[subsidies.Bad-Name]\nshare = "1"\n', "subsidies.Bad-Name", "lower case"),
        ('[subsidies.hard_to_employ]\nshare = "0"\n', "subsidies.hard_to_employ.share", "> 0"),
        ('[subsidies.hard_to_employ]\ntypes = ["pension", "dental"]\n', "subsidies.hard_to_employ.types", "array of pension"),
        ('[subsidies.hard_to_employ]\nparties = ["employer", "employer"]\n', "subsidies.hard_to_employ.parties", "twice"),
        ('[subsidies.hard_to_employ]\nbase = "ceiling"\n', "subsidies.hard_to_employ.base", "floor, actual"),
        ('[subsidies.hard_to_employ]\ncap = 3\n', "subsidies.hard_to_employ.cap", "unknown key"),
    ],
)
def test_invalid_values_name_file_and_key(files, addition, key, reason):
    files["440300/2030.toml"] = addition
    with pytest.raises(ParameterError) as info:
        load_params("440300", 2030, files=files)
    assert info.value.file == "440300/2030.toml"
    assert info.value.key == key
    assert reason in info.value.reason
    assert str(info.value).startswith(f"440300/2030.toml: {key}: ")


def test_toml_syntax_error_names_the_file(files):
    files["440300/2030.toml"] = "[year\n"
    with pytest.raises(ParameterError, match=r"^440300/2030.toml: not valid TOML"):
        load_params("440300", 2030, files=files)


def test_month_file_may_not_hold_year_values(files):
    files["440300/2030-07.toml"] = '[year]\npension_base = "9000"\n'
    with pytest.raises(ParameterError, match="month file") as info:
        load_params("440300", 2030, files=files)
    assert info.value.file == "440300/2030-07.toml"


def test_floor_must_stay_below_ceiling_across_files(files):
    files["440300/2030.toml"] = '[contribution]\nceiling_ratio = "1.0"\n'
    files["440300/2031.toml"] = '[contribution]\nfloor_ratio = "1.0"\n'
    with pytest.raises(ParameterError, match="below the ceiling") as info:
        load_params("440300", 2031, files=files)
    assert info.value.file == "440300/2031.toml"


def test_missing_value_and_unknown_region():
    # standing values carry forward into 2030, the year's own values do not
    assert load_params("440300", 2030).floor_ratio == D("0.60")
    with pytest.raises(ParameterError, match="national/2030.toml or 440300/2030.toml"):
        _ = load_params("440300", 2030).reference_average_wage
    with pytest.raises(ParameterError, match="unknown region 999999"):
        load_params("999999", 2024)
    with pytest.raises(ParameterError, match="6-digit"):
        load_params("shenzhen", 2024)
    with pytest.raises(ParameterError, match="no national parameter file"):
        load_params("national", 1990)
    with pytest.raises(ParameterError, match="is named national/YYYY.toml"):
        parse_parameter_file("national/2024.txt", "")


# --- canonical form and version ------------------------------------------------------------------------------------


def test_canonical_form_is_plain_json_and_versioned():
    p = load_params("440300", 2024)
    canonical = p.canonical
    text = canonical_json(canonical)  # refuses floats and non-JSON types
    assert json.loads(text) == canonical
    assert canonical["values"]["year"]["reference_average_wage"] == "10123.00"
    assert canonical["values"]["contribution"]["floor_ratio"] == "0.60"
    assert canonical["demo"] is True
    region, _, digest = p.version.partition("@")
    assert region == "440300/2024" and len(digest) == 64
    import hashlib

    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_version_is_stable_and_changes_with_any_value(files):
    assert load_params("440300", 2024, files=files).version == load_params("440300", 2024).version
    files["national/2006.toml"] = files["national/2006.toml"].replace('"47" = 208', '"47" = 207')
    assert load_params("440300", 2024, files=files).version != load_params("440300", 2024).version


def test_from_canonical_rebuilds_the_same_set():
    p = load_params("440300", 2024)
    rebuilt = ParamSet.from_canonical(json.loads(canonical_json(p.canonical)), version=p.version)
    assert rebuilt == p and rebuilt.version == p.version
    assert rebuilt.crediting_rate == D("0.0262") and rebuilt.months_divisor_table[60] == 139


def test_from_canonical_refuses_changes():
    p = load_params("440300", 2024)
    data = json.loads(canonical_json(p.canonical))
    data["values"]["year"]["pension_base"] = "99999.00"
    with pytest.raises(ParameterError, match="version mismatch"):
        ParamSet.from_canonical(data, version=p.version)
    data["values"]["year"]["pension_base"] = "-1"
    with pytest.raises(ParameterError, match="year.pension_base"):
        ParamSet.from_canonical(data)
