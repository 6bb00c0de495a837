"""Versioned rule parameters: TOML files per region and year, region over national.

Layout (``data/`` beside this module, or any folder / mapping of texts the caller gives)::

    national/2006.toml      national defaults in force from January 2006
    national/2019-05.toml   a change in force from May 2019 (a month file)
    440300/2024.toml        the region's own values for 2024

Resolving the parameter set of region R for year Y (and month M, default December):

* *Standing* sections (``contribution``, ``rates``, ``rounding``, ``months_divisor``,
  ``minimum_contribution``, ``retirement``, ``transitional``, ``deemed``, ``subsidies``, ``crediting``,
  ``late_fee``) carry forward:
  every national file in force by Y-M is applied in date order, then every file of R in date order, each
  value replacing the one before. A region's value holds until the region's own files change it.
  ``[deemed]``: ``service_before`` (the month the region's individual-contribution system began; service
  before it may be recognised as deemed contribution months) and ``minimum_age`` (default 16).
  ``[subsidies.<scheme>]``: ``title``, ``share`` of the covered contribution, ``types`` and ``parties``
  covered, ``base`` (``floor``: the contribution at the base floor, ``actual``: as paid; the lesser of the
  two is subsidised under ``floor``) and ``max_months`` per person.
  ``[crediting]``: ``method`` (``monthly`` accumulation, the default, or ``annual``, the 1.083 method) and
  ``interest_from`` (``arrival``, the default: a paid credit earns interest from the month it arrived
  (记账月份); ``period``: from its contribution month).
  ``[late_fee]`` (滞纳金, 社会保险法 第八十六条): ``daily_rate`` (a fraction ≤ 0.01, default 0.0005),
  ``due_months_after`` (0: a month's contribution is due within that month, the default; 1: the next
  month) and ``due_day`` (1–31, clipped to the due month's last day; default 31, the last day).
* The ``[year]`` section (``crediting_rate`` and its status, ``reference_average_wage``,
  ``pension_base``, the yearly adjustment, and the published base limits ``base_floor`` /
  ``base_ceiling`` and ``[year.limits.<type>]``) belongs to its year only: it is read from
  ``national/Y.toml`` and then ``R/Y.toml`` and never carried into another year. Month files
  may not hold it.
* Base limits (``engine.contributions.limits_for``): ``[contribution]`` ``floor_ratio`` / ``ceiling_ratio``
  of the reference average wage, or a type's own ``[contribution.<type>]`` ratios; published amounts
  ``[year] base_floor`` / ``base_ceiling`` override the general ratios, ``[year.limits.<type>]`` amounts
  everything for that type (the most specific value wins).
* Contribution years: ``[contribution] year_start_month`` (1–12, default 1). With 7, contribution year
  Y runs Y-07 … (Y+1)-06, and the set of a month before July takes its base-limit values (`LIMIT_KEYS`:
  ``reference_average_wage``, ``base_floor``, ``base_ceiling``, ``limits``) from ``Y−1.toml``; every
  other ``[year]`` value stays the calendar year's (`ParamSet.limits_year`). A whole year's set is
  the one in force in December.
* ``[meta]`` (``title``, ``source``, ``notes``, ``demo``) describes a file. A parameter set that
  used any file marked ``demo = true`` is flagged ``demo``.

Every value is checked when a file is read; a problem names the file, the key and the reason
(`ParameterError`). A value the computation needs but no file gives is reported the same way,
naming the files that could have given it.

The canonical form (`ParamSet.canonical`) is a dict of plain JSON values (decimals as strings);
`ParamSet.version` is ``"<region>/<period>@<SHA-256 of its canonical JSON>"``, so a ledger entry
can record exactly which values a computation used, and `ParamSet.from_canonical` rebuilds the
same set (same version) from what the ledger holds.

TOML numbers with a fraction are read as `Decimal` (never float); quoted decimal strings are
accepted too.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sirecords.core.canonical import canonical_json
from sirecords.core.money import FEN, ROUNDING_MODES, InvalidInput, as_decimal
from sirecords.core.periods import Month
from sirecords.engine.trace import jsonable

__all__ = [
    "CATEGORIES",
    "CREDITING_METHODS",
    "INTEREST_FROM",
    "LIMIT_KEYS",
    "LATE_FEE_DAILY_RATE",
    "DATA_DIR",
    "INSURANCE_TYPES",
    "PARTIES",
    "RETIREMENT_CATEGORIES",
    "ParamSet",
    "ParameterError",
    "Rates",
    "RetirementCategory",
    "SubsidyScheme",
    "available_periods",
    "clear_cache",
    "latest_year",
    "load_params",
    "parse_parameter_file",
    "read_data_dir",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL = "national"

INSURANCE_TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity")
CATEGORIES = ("employee", "flexible")  # employees (employer + individual) and flexible workers (individual only)
PARTIES = ("employer", "individual", "account")
RETIREMENT_CATEGORIES = ("male", "female55", "female50")
ROUNDING_KINDS = ("contribution", "interest", "pension")
RATE_STATUSES = ("official", "provisional")
SUBSIDY_BASES = ("floor", "actual")  # a subsidy covers the contribution at the base floor, or as actually paid
CREDITING_METHODS = ("monthly", "annual")  # 月积数法 / 年度计算法 (劳办发〔1997〕116号)
INTEREST_FROM = ("arrival", "period")  # a paid credit earns interest from the month it arrived, or its contribution month
LATE_FEE_DAILY_RATE = Decimal("0.0005")  # 社会保险法 第八十六条: 万分之五 a day

_FILE_NAME = re.compile(r"(?P<scope>national|[0-9]{6})/(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2}))?\.toml\Z")
_REGION = re.compile(r"[0-9]{6}\Z")


class ParameterError(ValueError):
    """A parameter file or value is missing or invalid: which file, which key, why."""

    def __init__(self, file: str | None, key: str | None, reason: str):
        self.file = file
        self.key = key
        self.reason = reason
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {reason}" if where else reason)


# --- value checkers ----------------------------------------------------------------------------------
# Each takes the raw TOML value and returns the typed value, or raises ValueError with the reason.


def _decimal(value) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValueError(f"must be a decimal number, got {type(value).__name__} {value!r}")
    if not isinstance(value, (Decimal, int, str)):
        raise ValueError(f"must be a decimal number, got {type(value).__name__}")
    try:
        return as_decimal(value)
    except InvalidInput as error:
        raise ValueError(str(error)) from None


def _ratio(low: Decimal, high: Decimal, *, low_inclusive: bool = True):
    def check(value):
        number = _decimal(value)
        if number < low or (number == low and not low_inclusive) or number > high:
            bound = "≥" if low_inclusive else ">"
            raise ValueError(f"must be {bound} {low} and ≤ {high}, got {number}")
        return number

    return check


_rate = _ratio(Decimal(0), Decimal("0.99"))  # a fraction: 0.16 is 16 %
_floor_ratio = _ratio(Decimal(0), Decimal(1), low_inclusive=False)
_ceiling_ratio = _ratio(Decimal(1), Decimal(10))


def _amount(*, positive: bool):
    def check(value):
        number = _decimal(value)
        if number < 0 or (positive and number == 0):
            raise ValueError(f"must be {'> 0' if positive else '≥ 0'} yuan, got {number}")
        if number != number.quantize(FEN):
            raise ValueError(f"must be in yuan with at most two decimal places, got {number}")
        return number

    return check


def _divisor(value):
    number = _decimal(value)
    if number <= 0:
        raise ValueError(f"must be > 0 months, got {number}")
    return number


def _integer(low: int, high: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {type(value).__name__} {value!r}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return check


def _choice(options):
    def check(value):
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {value!r}")
        return value

    return check


def _month_text(value):
    if not isinstance(value, str):
        raise ValueError(f"must be a month written \"YYYY-MM\", got {value!r}")
    try:
        return str(Month.parse(value))
    except InvalidInput as error:
        raise ValueError(str(error)) from None


def _text(value):
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {type(value).__name__}")
    return value


def _flag(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _schedule(value):
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty array of { from_year = YYYY, months = N }")
    entries = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"from_year", "months"}:
            raise ValueError(f"entry {index} must be {{ from_year = YYYY, months = N }}, got {item!r}")
        try:
            entries.append({"from_year": _integer(1950, 2200)(item["from_year"]), "months": _integer(1, 600)(item["months"])})
        except ValueError as error:
            raise ValueError(f"entry {index}: {error}") from None
    for before, after in zip(entries, entries[1:]):
        if after["from_year"] <= before["from_year"]:
            raise ValueError(f"from_year must increase: {after['from_year']} follows {before['from_year']}")
        if after["months"] < before["months"]:
            raise ValueError(f"months must not decrease: {after['months']} (from {after['from_year']}) "
                             f"follows {before['months']}")
    return entries


_FLAT_SECTIONS = {
    "meta": {"title": _text, "source": _text, "notes": _text, "demo": _flag},
    "contribution": {"floor_ratio": _floor_ratio, "ceiling_ratio": _ceiling_ratio, "year_start_month": _integer(1, 12)},
    "rounding": {kind: _choice(ROUNDING_MODES) for kind in ROUNDING_KINDS},
    "minimum_contribution": {"schedule": _schedule},
    "transitional": {"coefficient": _ratio(Decimal(0), Decimal("0.1"))},
    "deemed": {"service_before": _month_text, "minimum_age": _integer(14, 30)},
    "crediting": {"method": _choice(CREDITING_METHODS), "interest_from": _choice(INTEREST_FROM)},
    # 丧葬补助金 and 抚恤金 by regional rules (社会保险法 第十七条): months of the reference average wage, and months of
    # the deceased's pension (of the reference average wage for an insured person not yet retired).
    "survivors": {"funeral_grant_months": _integer(0, 60), "survivors_pension_months": _integer(0, 60)},
    "late_fee": {"daily_rate": _ratio(Decimal(0), Decimal("0.01")), "due_months_after": _integer(0, 12),
                 "due_day": _integer(1, 31)},
    "year": {
        "crediting_rate": _rate,
        "crediting_rate_status": _choice(RATE_STATUSES),
        "reference_average_wage": _amount(positive=True),
        "pension_base": _amount(positive=True),
        "base_floor": _amount(positive=True),
        "base_ceiling": _amount(positive=True),
        "adjustment_percent": _ratio(Decimal(0), Decimal("0.5")),
        "adjustment_fixed": _amount(positive=False),
        "adjustment_per_year": _amount(positive=False),
    },
}
# Per-insurance-type base limits: [contribution.<type>] ratios (standing) and [year.limits.<type>] published amounts.
_TYPE_RATIO_KEYS = {"floor_ratio": _floor_ratio, "ceiling_ratio": _ceiling_ratio}
_TYPE_AMOUNT_KEYS = {"base_floor": _amount(positive=True), "base_ceiling": _amount(positive=True)}
# The [year] values that set a month's base limits: read from the contribution year containing the month.
LIMIT_KEYS = ("reference_average_wage", "base_floor", "base_ceiling", "limits")
_RETIREMENT_KEYS = {"reform_base_month": _month_text, "flexible_earlier_months": _integer(0, 120),
                    "flexible_later_months": _integer(0, 120), "first_pension_month_offset": _integer(0, 12)}
_RETIREMENT_CATEGORY_KEYS = {"original_age": _integer(16, 80), "months_per_delay_month": _integer(1, 12),
                             "max_delay_months": _integer(0, 120)}
_STANDING = ("contribution", "rates", "rounding", "months_divisor", "minimum_contribution", "retirement", "transitional",
             "deemed", "subsidies", "crediting", "late_fee", "survivors")
SECTIONS = ("meta", *_STANDING, "year")


def _list_of(options):
    def check(value):
        if not isinstance(value, list) or not value or any(item not in options for item in value):
            raise ValueError(f"must be a non-empty array of {', '.join(options)}, got {value!r}")
        if len(set(value)) != len(value):
            raise ValueError(f"lists a value twice: {value!r}")
        return list(value)

    return check


_SCHEME_NAME = re.compile(r"[a-z][a-z_]{2,40}\Z")
_SUBSIDY_KEYS = {"title": _text, "share": _ratio(Decimal(0), Decimal(1), low_inclusive=False),
                 "types": _list_of(INSURANCE_TYPES), "parties": _list_of(("employer", "individual")),
                 "base": _choice(SUBSIDY_BASES), "max_months": _integer(1, 600)}


def _table(value, key: str) -> dict:
    if not isinstance(value, dict):
        raise ParameterError(None, key, f"must be a table ([{key}]), got {type(value).__name__}")
    return value


def _check_keys(table: dict, prefix: str, checkers: Mapping[str, Any]) -> dict:
    out = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key not in checkers:
            raise ParameterError(None, dotted, f"unknown key; known keys of [{prefix}]: {', '.join(checkers)}")
        try:
            out[key] = checkers[key](value)
        except ValueError as error:
            raise ParameterError(None, dotted, str(error)) from None
    return out


def _by_type(table: dict, prefix: str, checkers: Mapping[str, Any]) -> dict:
    out = {}
    for insurance_type, keys in table.items():
        if insurance_type not in INSURANCE_TYPES:
            raise ParameterError(None, f"{prefix}.{insurance_type}",
                                 f"unknown insurance type; known: {', '.join(INSURANCE_TYPES)}")
        out[insurance_type] = _check_keys(_table(keys, f"{prefix}.{insurance_type}"), f"{prefix}.{insurance_type}", checkers)
    return out


def _check_section(name: str, table: dict) -> dict:
    if name == "contribution":  # flat keys, and a table per insurance type with its own ratios
        nested = {key: value for key, value in table.items() if isinstance(value, dict)}
        flat = {key: value for key, value in table.items() if key not in nested}
        return {**_check_keys(flat, name, _FLAT_SECTIONS[name]), **_by_type(nested, name, _TYPE_RATIO_KEYS)}
    if name == "year":  # flat keys, and [year.limits.<type>] published amounts
        flat = {key: value for key, value in table.items() if key != "limits"}
        out = _check_keys(flat, name, _FLAT_SECTIONS[name])
        if "limits" in table:
            out["limits"] = _by_type(_table(table["limits"], "year.limits"), "year.limits", _TYPE_AMOUNT_KEYS)
        return out
    if name in _FLAT_SECTIONS:
        return _check_keys(table, name, _FLAT_SECTIONS[name])
    if name == "rates":
        out = {}
        for category, by_type in table.items():
            if category not in CATEGORIES:
                raise ParameterError(None, f"rates.{category}", f"unknown category; known: {', '.join(CATEGORIES)}")
            out[category] = {}
            for insurance_type, parties in _table(by_type, f"rates.{category}").items():
                prefix = f"rates.{category}.{insurance_type}"
                if insurance_type not in INSURANCE_TYPES:
                    raise ParameterError(None, prefix, f"unknown insurance type; known: {', '.join(INSURANCE_TYPES)}")
                out[category][insurance_type] = _check_keys(_table(parties, prefix), prefix, dict.fromkeys(PARTIES, _rate))
        return out
    if name == "months_divisor":
        out = {}
        for age, value in table.items():
            if not re.fullmatch(r"[0-9]{2}", age) or not 30 <= int(age) <= 80:
                raise ParameterError(None, f"months_divisor.{age}", "ages are whole years written as text, \"30\" to \"80\"")
            try:
                out[age] = _divisor(value)
            except ValueError as error:
                raise ParameterError(None, f"months_divisor.{age}", str(error)) from None
        return out
    if name == "subsidies":
        out = {}
        for scheme, keys in table.items():
            prefix = f"subsidies.{scheme}"
            if not _SCHEME_NAME.match(scheme):
                raise ParameterError(None, prefix, "a scheme is named in lower case letters and _ (e.g. employment_difficulty)")
            out[scheme] = _check_keys(_table(keys, prefix), prefix, _SUBSIDY_KEYS)
        return out
    if name == "retirement":
        out = {}
        for key, value in table.items():
            if key in RETIREMENT_CATEGORIES:
                out[key] = _check_keys(_table(value, f"retirement.{key}"), f"retirement.{key}", _RETIREMENT_CATEGORY_KEYS)
            elif key in _RETIREMENT_KEYS:
                out.update(_check_keys({key: value}, "retirement", _RETIREMENT_KEYS))
            else:
                known = ", ".join([*_RETIREMENT_KEYS, *RETIREMENT_CATEGORIES])
                raise ParameterError(None, f"retirement.{key}", f"unknown key; known keys of [retirement]: {known}")
        return out
    raise ParameterError(None, name, f"unknown section; known sections: {', '.join(SECTIONS)}")


def parse_parameter_file(name: str, text: str) -> dict:
    """Read and check one file (``national/2024.toml``); returns its sections with typed values."""
    match = _FILE_NAME.match(name)
    if not match:
        raise ParameterError(name, None, "a parameter file is named national/YYYY.toml, RRRRRR/YYYY.toml "
                                         "(RRRRRR a 6-digit region code) or …/YYYY-MM.toml")
    month = match["month"]
    if month is not None and not 1 <= int(month) <= 12:
        raise ParameterError(name, None, f"month {month} in the file name is not 01–12")
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise ParameterError(name, None, f"not valid TOML: {error}") from None
    sections = {}
    try:
        for section, table in data.items():
            if section not in SECTIONS:
                raise ParameterError(None, section, f"unknown section; known sections: {', '.join(SECTIONS)}")
            sections[section] = _check_section(section, _table(table, section))
        year = sections.get("year", {})
        if year and month is not None:
            raise ParameterError(None, "year", "a month file may not hold [year] values; put them in YYYY.toml")
        if ("crediting_rate" in year) != ("crediting_rate_status" in year):
            raise ParameterError(None, "year.crediting_rate_status",
                                 "crediting_rate and crediting_rate_status (official or provisional) go together")
        _check_standing_consistency(sections, name)
    except ParameterError as error:
        raise ParameterError(name, error.key, error.reason) from None
    return sections


def _check_standing_consistency(values: Mapping, file: str | None) -> None:
    """A floor below its ceiling: the ratios (each type's own, or the general ones it falls back on) and the
    published amounts of [year] (a published amount against a ratio-derived one is checked when computed)."""
    contribution = values.get("contribution", {})
    floor, ceiling = contribution.get("floor_ratio"), contribution.get("ceiling_ratio")
    if floor is not None and ceiling is not None and floor >= ceiling:
        raise ParameterError(file, "contribution.floor_ratio", f"floor ratio {floor} must be below the ceiling ratio {ceiling}")
    for insurance_type in INSURANCE_TYPES:
        own = contribution.get(insurance_type, {})
        if own:
            type_floor, type_ceiling = own.get("floor_ratio", floor), own.get("ceiling_ratio", ceiling)
            if type_floor is not None and type_ceiling is not None and type_floor >= type_ceiling:
                raise ParameterError(file, f"contribution.{insurance_type}.floor_ratio",
                                     f"floor ratio {type_floor} must be below the ceiling ratio {type_ceiling}")
    year = values.get("year", {})
    floor, ceiling = year.get("base_floor"), year.get("base_ceiling")
    if floor is not None and ceiling is not None and floor >= ceiling:
        raise ParameterError(file, "year.base_floor", f"base floor {floor} must be below the base ceiling {ceiling}")
    for insurance_type, own in year.get("limits", {}).items():
        type_floor, type_ceiling = own.get("base_floor", floor), own.get("base_ceiling", ceiling)
        if type_floor is not None and type_ceiling is not None and type_floor >= type_ceiling:
            raise ParameterError(file, f"year.limits.{insurance_type}.base_floor",
                                 f"base floor {type_floor} must be below the base ceiling {type_ceiling}")


# --- the file store ------------------------------------------------------------------------------------


def read_data_dir(data_dir: Path | str = DATA_DIR) -> dict[str, str]:
    """Every parameter file under `data_dir` as {relative name: text}."""
    root = Path(data_dir)
    files = {}
    for path in sorted(root.glob("*/*.toml")):
        files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return files


def _periods(files: Mapping[str, str], scope: str) -> list[tuple[int, int | None, str]]:
    found = []
    for name in files:
        match = _FILE_NAME.match(name)
        if match and match["scope"] == scope:
            found.append((int(match["year"]), int(match["month"]) if match["month"] else None, name))
    return sorted(found, key=lambda item: (item[0], item[1] or 1, item[1] is not None))


def available_periods(region: str = NATIONAL, *, files: Mapping[str, str] | None = None) -> list[str]:
    """The periods ("2024", "2019-05") for which `region` has a file."""
    files = _default_files() if files is None else files
    return [name.split("/", 1)[1][:-5] for _, _, name in _periods(files, region)]


def latest_year(region: str = NATIONAL, *, files: Mapping[str, str] | None = None) -> int:
    """The last year with a file for `region` or national: the default year of the calculator."""
    files = _default_files() if files is None else files
    years = [year for scope in {NATIONAL, region} for year, _, _ in _periods(files, scope)]
    if not years:
        raise ParameterError(None, None, f"no parameter files for {region}")
    return max(years)


@lru_cache(maxsize=1)
def _default_files() -> Mapping[str, str]:
    return MappingProxyType(read_data_dir(DATA_DIR))


def clear_cache() -> None:
    _default_files.cache_clear()
    _load_default.cache_clear()


# --- the parameter set ---------------------------------------------------------------------------------


def _freeze(value):
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


def _merge(target: dict, source: Mapping, origins: dict, file: str, prefix: str = "") -> None:
    for key, value in source.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _merge(target.setdefault(key, {}), value, origins, file, dotted + ".")
        else:
            target[key] = value
            origins[dotted] = file


@dataclass(frozen=True)
class Rates:
    """Rates of one insurance type for one category: employer and individual shares of the base, and the
    share of the base credited to the individual account."""

    insurance_type: str
    category: str
    employer: Decimal
    individual: Decimal
    account: Decimal


@dataclass(frozen=True)
class RetirementCategory:
    category: str
    original_age: int
    months_per_delay_month: int
    max_delay_months: int


@dataclass(frozen=True)
class SubsidyScheme:
    """A region's social insurance subsidy (社会保险补贴): which contributions it covers and how much of them."""

    scheme: str
    title: str
    share: Decimal
    types: tuple[str, ...]
    parties: tuple[str, ...]
    base: str  # "floor" or "actual"
    max_months: int


_MISSING = object()


@dataclass(frozen=True, eq=False)
class ParamSet:
    """The parameters in force for one region and period, merged from the files named in `sources`."""

    region: str
    year: int
    month: int | None
    values: Mapping[str, Any]
    sources: tuple[str, ...] = ()
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    demo: bool = False
    version: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "values", _freeze(_thaw(self.values)))
        object.__setattr__(self, "origins", MappingProxyType(dict(self.origins)))
        digest = hashlib.sha256(canonical_json(self.canonical).encode("utf-8")).hexdigest()
        object.__setattr__(self, "version", f"{self.region}/{self.period}@{digest}")

    def __eq__(self, other) -> bool:
        return isinstance(other, ParamSet) and other.version == self.version

    def __hash__(self) -> int:
        return hash(self.version)

    @property
    def period(self) -> str:
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def canonical(self) -> dict:
        """Plain JSON values (decimals as strings): what the version hashes and the ledger records."""
        return {"region": self.region, "period": self.period, "demo": self.demo, "values": jsonable(_thaw(self.values))}

    @property
    def short_version(self) -> str:
        return self.version[: self.version.index("@") + 13]

    @classmethod
    def from_canonical(cls, data: Mapping, *, version: str | None = None) -> ParamSet:
        """Rebuild a set from its canonical form, re-checking every value; `version` must match if given."""
        try:
            region, period, demo, values = data["region"], data["period"], data["demo"], data["values"]
        except (KeyError, TypeError):
            raise ParameterError("canonical", None, "needs region, period, demo and values") from None
        match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}))?", str(period))
        if not match:
            raise ParameterError("canonical", "period", f"must be YYYY or YYYY-MM, got {period!r}")
        checked = {}
        try:
            for section, table in dict(values).items():
                if section == "meta":
                    raise ParameterError(None, "meta", "[meta] describes files; it is not a value")
                checked[section] = _check_section(section, _table(_thaw(table), section))
            _check_standing_consistency(checked, None)
        except ParameterError as error:
            raise ParameterError("canonical", error.key, error.reason) from None
        rebuilt = cls(region, int(match[1]), int(match[2]) if match[2] else None, checked, demo=bool(demo))
        if rebuilt.canonical != jsonable(dict(data)):
            raise ParameterError("canonical", None, "values are not in canonical form (e.g. a number where text is expected)")
        if version is not None and rebuilt.version != version:
            raise ParameterError("canonical", None, f"version mismatch: computed {rebuilt.version}, expected {version}")
        return rebuilt

    # --- looking values up -----------------------------------------------------------------------------

    @property
    def limits_year(self) -> int:
        """The contribution year whose [year] base-limit values (LIMIT_KEYS) this set holds: `year`, or the
        year before for a month before ``[contribution] year_start_month``."""
        return _limits_year(self.year, self.month, self.get("contribution.year_start_month", 1))

    @property
    def year_start_month(self) -> int:
        """``[contribution] year_start_month``: the month contribution years begin (1: calendar years; 7: July–June)."""
        return self.get("contribution.year_start_month", 1)

    def _where(self, key: str) -> str:
        section, _, rest = key.partition(".")
        if section == "year":
            year = self.limits_year if rest.split(".", 1)[0] in LIMIT_KEYS else self.year
            names = [f"{NATIONAL}/{year}.toml"] + ([f"{self.region}/{year}.toml"] if self.region != NATIONAL else [])
        else:
            names = [f"{NATIONAL}/YYYY.toml"] + ([f"{self.region}/YYYY.toml"] if self.region != NATIONAL else [])
        return " or ".join(names)

    def get(self, key: str, default=_MISSING):
        node: Any = self.values
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                if default is _MISSING:
                    raise ParameterError(
                        None, key, f"no value for {self.region} {self.period}; give it in {self._where(key)}"
                    )
                return default
            node = node[part]
        return node

    def origin(self, key: str) -> str | None:
        """The file that gave a value (None for a set rebuilt from its canonical form)."""
        return self.origins.get(key)

    @property
    def floor_ratio(self) -> Decimal:
        return self.get("contribution.floor_ratio")

    @property
    def ceiling_ratio(self) -> Decimal:
        return self.get("contribution.ceiling_ratio")

    @property
    def funeral_grant_months(self) -> int:
        return self.get("survivors.funeral_grant_months")

    @property
    def survivors_pension_months(self) -> int:
        return self.get("survivors.survivors_pension_months")

    @property
    def reference_average_wage(self) -> Decimal:
        return self.get("year.reference_average_wage")

    @property
    def pension_base(self) -> Decimal:
        return self.get("year.pension_base")

    @property
    def crediting_rate(self) -> Decimal:
        return self.get("year.crediting_rate")

    @property
    def crediting_rate_status(self) -> str:
        return self.get("year.crediting_rate_status")

    def rounding(self, kind: str) -> str:
        if kind not in ROUNDING_KINDS:
            raise ParameterError(None, f"rounding.{kind}", f"unknown kind; known: {', '.join(ROUNDING_KINDS)}")
        return self.get(f"rounding.{kind}", "half_up")

    def rates(self, insurance_type: str = "pension", category: str = "employee") -> Rates:
        if category not in CATEGORIES:
            raise ParameterError(None, f"rates.{category}", f"unknown category; known: {', '.join(CATEGORIES)}")
        if insurance_type not in INSURANCE_TYPES:
            raise ParameterError(None, f"rates.{category}.{insurance_type}",
                                 f"unknown insurance type; known: {', '.join(INSURANCE_TYPES)}")
        prefix = f"rates.{category}.{insurance_type}"
        self.get(prefix)  # a clear error when the whole table is missing
        return Rates(insurance_type, category, self.get(f"{prefix}.employer", Decimal(0)),
                     self.get(f"{prefix}.individual", Decimal(0)), self.get(f"{prefix}.account", Decimal(0)))

    def insurance_types(self, category: str = "employee") -> tuple[str, ...]:
        """The insurance types this set has a rate table for, for `category` (a type not collected in its months has none)."""
        if category not in CATEGORIES:
            raise ParameterError(None, f"rates.{category}", f"unknown category; known: {', '.join(CATEGORIES)}")
        return tuple(kind for kind in INSURANCE_TYPES if self.get(f"rates.{category}.{kind}", None) is not None)

    @property
    def months_divisor_table(self) -> dict[int, Decimal]:
        return {int(age): value for age, value in self.get("months_divisor").items()}

    @property
    def minimum_contribution_schedule(self) -> tuple[tuple[int, int], ...]:
        return tuple((entry["from_year"], entry["months"]) for entry in self.get("minimum_contribution.schedule"))

    @property
    def reform_base_month(self) -> Month:
        return Month.parse(self.get("retirement.reform_base_month"))

    def retirement_category(self, category: str) -> RetirementCategory:
        if category not in RETIREMENT_CATEGORIES:
            raise ParameterError(None, f"retirement.{category}",
                                 f"unknown category; known: {', '.join(RETIREMENT_CATEGORIES)}")
        prefix = f"retirement.{category}"
        return RetirementCategory(category, self.get(f"{prefix}.original_age"), self.get(f"{prefix}.months_per_delay_month"),
                                  self.get(f"{prefix}.max_delay_months"))

    @property
    def flexible_earlier_months(self) -> int:
        return self.get("retirement.flexible_earlier_months")

    @property
    def flexible_later_months(self) -> int:
        return self.get("retirement.flexible_later_months")

    @property
    def first_pension_month_offset(self) -> int:
        """Months from the retirement month to the first pension month: 1 (the month after, 次月) unless a region
        says otherwise (0: the retirement month itself)."""
        return self.get("retirement.first_pension_month_offset", 1)

    @property
    def transitional_coefficient(self) -> Decimal | None:
        """None when the region has no transitional part."""
        return self.get("transitional.coefficient", None)

    @property
    def deemed_service_before(self) -> Month:
        """The month the region's individual-contribution system began: service before it may be deemed."""
        return Month.parse(self.get("deemed.service_before"))

    @property
    def deemed_minimum_age(self) -> int:
        return self.get("deemed.minimum_age", 16)

    @property
    def subsidy_schemes(self) -> tuple[str, ...]:
        return tuple(sorted(self.values.get("subsidies", {})))

    def subsidy_scheme(self, scheme: str) -> SubsidyScheme:
        if scheme not in self.values.get("subsidies", {}):
            known = ", ".join(self.subsidy_schemes) or "none"
            raise ParameterError(None, f"subsidies.{scheme}", f"no such subsidy scheme in {self.region}; known: {known}")
        prefix = f"subsidies.{scheme}"
        return SubsidyScheme(scheme, self.get(f"{prefix}.title"), self.get(f"{prefix}.share"), tuple(self.get(f"{prefix}.types")),
                             tuple(self.get(f"{prefix}.parties")), self.get(f"{prefix}.base"), self.get(f"{prefix}.max_months"))

    @property
    def crediting_method(self) -> str:
        """``[crediting] method``: monthly accumulation (the default) or the annual (1.083) method."""
        return self.get("crediting.method", "monthly")

    @property
    def crediting_interest_from(self) -> str:
        """``[crediting] interest_from``: a paid credit is positioned by its arrival month (the default) or its period."""
        return self.get("crediting.interest_from", "arrival")

    @property
    def late_fee_daily_rate(self) -> Decimal:
        return self.get("late_fee.daily_rate", LATE_FEE_DAILY_RATE)

    @property
    def late_fee_due_day(self) -> int:
        """Day of the due month a contribution is due by (31: the month's last day; clipped to the month)."""
        return self.get("late_fee.due_day", 31)

    @property
    def late_fee_due_months_after(self) -> int:
        """0: due within the contribution month; 1: within the next month; …"""
        return self.get("late_fee.due_months_after", 0)

    @property
    def adjustment(self) -> tuple[Decimal, Decimal, Decimal]:
        """(percent, fixed amount, amount per contribution year) of the year's pension adjustment."""
        if not any(self.get(f"year.{key}", None) is not None for key in ("adjustment_percent", "adjustment_fixed",
                                                                              "adjustment_per_year")):
            self.get("year.adjustment_percent")  # raises: no adjustment published for the year
        return (self.get("year.adjustment_percent", Decimal(0)), self.get("year.adjustment_fixed", Decimal(0)),
                self.get("year.adjustment_per_year", Decimal(0)))


def _thaw(value):
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(item) for item in value]
    return value


def load_params(region: str = NATIONAL, year: int | None = None, month: int | None = None, *,
                files: Mapping[str, str] | None = None, data_dir: Path | str | None = None) -> ParamSet:
    """The parameter set of `region` ("national" or a 6-digit code) for `year` (and `month`).

    Without `month` the set is the one in force at the end of the year (every file of the year applied).
    Without `year`, the latest year that has a file. `files` ({"national/2024.toml": text, …}) or
    `data_dir` replace the package's own data (e.g. texts loaded from the database).
    """
    if region != NATIONAL and not (isinstance(region, str) and _REGION.match(region)):
        raise ParameterError(None, None, f"region must be \"national\" or a 6-digit region code (GB/T 2260), got {region!r}")
    if month is not None and (isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12):
        raise ParameterError(None, None, f"month must be 1–12, got {month!r}")
    if files is None and data_dir is None:
        return _load_default(region, year if year is not None else latest_year(region), month)
    texts = read_data_dir(data_dir) if files is None else files
    return _resolve(texts, region, year if year is not None else latest_year(region, files=texts), month)


@lru_cache(maxsize=512)
def _load_default(region: str, year: int, month: int | None) -> ParamSet:
    return _resolve(_default_files(), region, year, month)


def _limits_year(year: int, month: int | None, start: int) -> int:
    """The contribution year of month `year-month` when contribution years start in month `start` (1: the
    calendar year); a whole year's set (month None) is the one in force in its December."""
    return year if month is None or month >= start else year - 1


@lru_cache(maxsize=1024)
def _parsed_file(name: str, text: str) -> dict:
    """parse_parameter_file, once per file name and text: resolving a set re-reads every file in force by its month
    (a year's twelve months each re-read the same files). The result is shared: _resolve only reads it."""
    return parse_parameter_file(name, text)


def _resolve(files: Mapping[str, str], region: str, year: int, month: int | None) -> ParamSet:
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ParameterError(None, None, f"year must be a whole year such as 2024, got {year!r}")
    until = (year, month or 12)
    national = [item for item in _periods(files, NATIONAL) if (item[0], item[1] or 1) <= until]
    if not national:
        raise ParameterError(None, None, f"no national parameter file in force by {year}-{until[1]:02d} "
                                         f"(national/YYYY.toml with YYYY ≤ {year})")
    regional = []
    if region != NATIONAL:
        all_regional = _periods(files, region)
        if not all_regional:
            raise ParameterError(None, None, f"unknown region {region}: no folder {region}/ with parameter files")
        regional = [item for item in all_regional if (item[0], item[1] or 1) <= until]
    values: dict = {}
    origins: dict = {}
    demo = False
    parsed_files = []
    for file_year, file_month, name in national + regional:
        parsed = _parsed_file(name, files[name])
        standing = {section: table for section, table in parsed.items() if section in _STANDING}
        _merge(values, standing, origins, name)
        parsed_files.append((file_year, file_month, name, parsed))
        demo = demo or parsed.get("meta", {}).get("demo", False)
    # [year] values are the year's own; those that set the base limits come from the contribution year that
    # contains the month (the year itself unless [contribution] year_start_month puts the month in the one before).
    limits_year = _limits_year(year, month, values.get("contribution", {}).get("year_start_month", 1))
    for file_year, file_month, name, parsed in parsed_files:
        if file_month is not None or "year" not in parsed or file_year not in (year, limits_year):
            continue
        if limits_year == year:
            keys = parsed["year"]
        else:  # the year's own values from Y, the limit values from the contribution year
            keys = {key: value for key, value in parsed["year"].items() if (key in LIMIT_KEYS) == (file_year == limits_year)}
        _merge(values, {"year": keys}, origins, name)
    sources = [name for _, _, name, _ in parsed_files]
    try:
        _check_standing_consistency(values, None)
    except ParameterError as error:
        raise ParameterError(origins.get(error.key), error.key, error.reason) from None
    return ParamSet(region, year, month, values, tuple(sources), origins, demo)
