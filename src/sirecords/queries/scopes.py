"""Who may see what of a person's record (第二条, 第十四条–第十六条): the one place that decides.

The kinds of requester and their items and time windows are data (scopes.toml). `scope_of(requester, person)`
turns a requester into a Scope (the items of 第二条 and the months); `Scope.apply(record)` filters the dict
`records.personal.full_record` returns, so that what is out of scope is absent — never blanked, never hidden by a
template. Every page, API answer and export of a query calls `person_view` (or `employer_contributions` and
`employees` for an employer's own data); nothing else filters.

These functions read and filter; they do not write the access log. The caller logs the read through
`sirecords.records.reads` (the counter pages do, queries/services.py), with the basis it was made on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from django.db.models import Min, Sum
from django.db.models.functions import Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sirecords.accounts.kinds import DEEMED_SERVICE_RECOGNISED
from sirecords.benefits.kinds import ACCOUNT_CLOSED, ELIGIBILITY_APPROVED
from sirecords.contributions.counted import current_rows
from sirecords.contributions.models import Contribution, InsuranceType
from sirecords.core.money import InvalidInput, fen_to_yuan
from sirecords.core.periods import Month
from sirecords.core.text import canonical
from sirecords.records.personal import full_record
from sirecords.registry.kinds import EMPLOYMENT_ENDED, EMPLOYMENT_STARTED, PERSON_CHANGED, PERSON_REGISTERED
from sirecords.registry.models import Employer, Employment, Person
from sirecords.subsidies.kinds import SUBSIDY_GRANTED
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["ALL_TIME", "ITEMS", "KINDS", "OutOfScope", "Requester", "Scope", "employee", "employee_uids", "employees",
           "employees_page", "employer_contributions", "employer_years", "load_scopes", "person_view", "scope_of"]

REGISTRATION, CONTRIBUTIONS, BENEFITS, YEARS_ACCOUNT, OTHER = "registration", "contributions", "benefits", "years_account", "other"
ITEMS = (REGISTRATION, CONTRIBUTIONS, BENEFITS, YEARS_ACCOUNT, OTHER)  # 第二条 (一)–(五), in order
KINDS = ("self", "delegate", "employer", "counter", "authority", "unit")
WINDOWS = ("all", "authorised", "employment", "served", "applied")
# The kinds answered through a reviewed written application (applications/): items and months are what it names.
APPLIED = ("authority", "unit")
FIRST, LAST = "0001-01", "9999-12"
ALL_TIME: tuple[tuple[str, str], ...] = ((FIRST, LAST),)

# The timeline's events by the item of 第二条 they belong to.
EVENT_ITEMS = {PERSON_REGISTERED: REGISTRATION, PERSON_CHANGED: REGISTRATION, EMPLOYMENT_STARTED: REGISTRATION,
               EMPLOYMENT_ENDED: REGISTRATION, SUBSIDY_GRANTED: CONTRIBUTIONS, ELIGIBILITY_APPROVED: BENEFITS,
               ACCOUNT_CLOSED: YEARS_ACCOUNT, DEEMED_SERVICE_RECOGNISED: YEARS_ACCOUNT}
# What of the header identifies whose record it is: shown whatever the items (the requester named the person).
IDENTIFYING = ("uid", "id_number", "name")


class OutOfScope(PermissionError):
    """The requester may see nothing of this person (an employer that never employed them, an unknown kind)."""


class ScopeFileError(ValueError):
    """scopes.toml is not as queries/scopes.py reads it."""


@cache
def load_scopes() -> dict[str, Any]:
    """scopes.toml, checked: every kind known, its items codes of 第二条, its window one of WINDOWS."""
    data = tomllib.loads(files("sirecords.queries").joinpath("scopes.toml").read_text(encoding="utf-8"))
    items, kinds = data.get("items", {}), data.get("kinds", {})
    if tuple(items) != ITEMS:
        raise ScopeFileError(f"scopes.toml: [items] must be {', '.join(ITEMS)} in this order, not {', '.join(items)}")
    if set(kinds) != set(KINDS):
        raise ScopeFileError(f"scopes.toml: [kinds] must be {', '.join(KINDS)}, not {', '.join(kinds)}")
    for name, kind in kinds.items():
        for key in ("zh", "en", "items", "window", "basis", "basis_en"):
            if key not in kind:
                raise ScopeFileError(f"scopes.toml: kinds.{name} lacks {key}")
        if kind["window"] not in WINDOWS:
            raise ScopeFileError(f"scopes.toml: kinds.{name}.window {kind['window']!r} is not one of {', '.join(WINDOWS)}")
        if (kind["items"] == "served") != (kind["window"] == "served"):
            raise ScopeFileError(f"scopes.toml: kinds.{name} serves another requester in items and window, or in neither")
        if kind["items"] != "served" and (not isinstance(kind["items"], list) or not set(kind["items"]) <= set(ITEMS)):
            raise ScopeFileError(f"scopes.toml: kinds.{name}.items must be a list of {', '.join(ITEMS)}")
        if kind["window"] == "served" and not set(kind.get("serves", ())) <= set(KINDS) - {name}:
            raise ScopeFileError(f"scopes.toml: kinds.{name}.serves must name other kinds")
    return data


def _english() -> bool:
    return (get_language() or "").startswith("en")


def item_title(code: str) -> str:
    entry = load_scopes()["items"][code]
    return f"{entry['article']} {entry['en'] if _english() else entry['zh']}"


def kind_title(kind: str) -> str:
    entry = load_scopes()["kinds"][kind]
    return entry["en"] if _english() else entry["zh"]


@dataclass(frozen=True)
class Requester:
    """Who asks. `person_uid`: the person a self requester is (the portal's signed-in person); `employer_uid`: the
    employer that asks; `delegate_index`: the keyed index of the delegate's ID number (crypto.sealing.blind_index),
    never the number; `items` / `months` ("YYYY-MM", "YYYY-MM" inclusive): what the written authorisation names
    (None: it names no narrower items or months). A counter requester serves another kind: the employer's when
    `employer_uid` is set, a delegate's when `delegate_index` is, else the person's own."""

    kind: str
    person_uid: str = ""
    employer_uid: str = ""
    delegate_index: str = ""
    items: frozenset[str] | None = None
    months: tuple[str, str] | None = None

    def served(self) -> Requester:
        """The requester whose scope applies: a counter query's served requester; any other, itself."""
        if self.kind != "counter":
            return self
        kind = "employer" if self.employer_uid else "delegate" if self.delegate_index else "self"
        return Requester(kind, self.person_uid, self.employer_uid, self.delegate_index, self.items, self.months)


@dataclass(frozen=True)
class Scope:
    """The items of 第二条 and the month windows ("YYYY-MM" inclusive pairs, ascending, not overlapping) a requester may
    see; `employer_uid` / `employer_name` limit the employment and contribution rows to that employer's."""

    kind: str  # the requester's kind as asked (counter stays counter)
    served: str  # the kind whose scope applies
    items: frozenset[str]
    windows: tuple[tuple[str, str], ...]
    employer_uid: str = ""
    employer_name: str = ""
    reasons: tuple[str, ...] = field(default=())

    @property
    def all_time(self) -> bool:
        return self.windows == ALL_TIME

    def month_in(self, month: str) -> bool:
        return any(start <= month <= end for start, end in self.windows)

    def span_in(self, start: str, end: str) -> bool:
        """Whether the months start..end (inclusive) meet a window."""
        return any(start <= w_end and w_start <= end for w_start, w_end in self.windows)

    def year_in(self, year: int) -> bool:
        return self.span_in(f"{year:04d}-01", f"{year:04d}-12")

    def _own_employer(self, row: dict[str, Any]) -> bool:
        """For an employer's scope, a row of that employer (by its uid: two units may share a name); a row that does
        not say whose it is is not the employer's. Any row for the other kinds."""
        return not self.employer_uid or row.get("employer_uid") == self.employer_uid

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """A copy of `record` (records.personal.full_record's dict) holding only what is in scope: whole items out
        of scope are absent keys, rows outside the windows (or of another employer, for an employer) are absent."""
        items, out = self.items, {}
        header = record.get("person") or {}
        out["person"] = dict(header) if REGISTRATION in items else {k: header[k] for k in IDENTIFYING if k in header}
        out["timeline"] = [self._event(e) for e in record.get("timeline", ()) if self._event_in(e)]
        if CONTRIBUTIONS in items:
            out["contributions"] = [dict(r) for r in record.get("contributions", ())
                                    if self.month_in(r["period"]) and self._own_employer(r)]
            out["subsidies"] = [dict(r) for r in record.get("subsidies", ()) if self.month_in(r["period"])]
        if YEARS_ACCOUNT in items:
            out["account_years"] = [dict(r) for r in record.get("account_years", ()) if self.year_in(int(r["year"]))]
            out["deemed_service"] = [dict(r) for r in record.get("deemed_service", ()) if self.span_in(r["start"], r["end"])]
            if self.all_time:  # the years are a total over the whole record: whole or not at all
                out["contribution_years"] = record.get("contribution_years")
            closure = record.get("account_closure")
            out["account_closure"] = closure if closure and self.month_in(str(closure["date"])[:7]) else None
        if BENEFITS in items:
            out["pension"] = self._pension(record.get("pension"))
        if record.get("summary") is not None:
            out["summary"] = self._summary(record["summary"])
        return out

    def _summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The summary's figures of the items in scope; the totals over the whole record only for a view of all time."""
        items, kept = self.items, {}
        if REGISTRATION in items:
            kept.update({k: summary[k] for k in ("region", "name", "status", "transferred_to", "account_type")})
        if YEARS_ACCOUNT in items and self.all_time:
            kept.update({k: summary[k] for k in ("contribution_months", "deemed_months", "account_balance")})
        if BENEFITS in items and self.all_time:
            kept["pension"] = summary["pension"]
        return kept

    def _event_in(self, event: dict[str, Any]) -> bool:
        item = EVENT_ITEMS.get(event["kind"], OTHER)
        if item not in self.items or not self.month_in(str(event["date"])[:7]):
            return False
        if self.employer_uid and event["kind"] in (EMPLOYMENT_STARTED, EMPLOYMENT_ENDED):
            return self._own_employer(event)
        return True

    def _event(self, event: dict[str, Any]) -> dict[str, Any]:
        """An employer sees the event, not the staff's reason or transaction (they may name others)."""
        if not self.employer_uid:
            return dict(event)
        return {k: v for k, v in event.items() if k not in ("reason", "txn")}

    def _pension(self, pension: dict[str, Any] | None) -> dict[str, Any] | None:
        if pension is None or self.all_time:
            return pension
        if not self.span_in(pension["start_month"], pension.get("end_month") or LAST):
            return None
        kept = {k: v for k, v in pension.items() if k not in ("payments_made", "paid_total")}  # totals over all months
        kept["payments"] = [p for p in pension.get("payments", ()) if self.month_in(p["month"])]
        kept["adjustments"] = [a for a in pension.get("adjustments", ()) if self.month_in(str(a["from_month"])[:7])]
        return kept

    def describe(self) -> dict[str, Any]:
        """What was included and why, in plain words (Chinese unless English is chosen), for the page to say."""
        entry = load_scopes()["kinds"][self.served]
        return {"kind": self.kind, "served": self.served, "requester": kind_title(self.served),
                "via": kind_title(self.kind) if self.kind != self.served else "",
                "items": [{"code": code, "title": item_title(code)} for code in ITEMS if code in self.items],
                "left_out": [{"code": code, "title": item_title(code)} for code in ITEMS if code not in self.items],
                "all_time": self.all_time,
                "windows": [] if self.all_time else [{"start": start, "end": end} for start, end in self.windows],
                "employer": self.employer_name, "basis": entry["basis_en"] if _english() else entry["basis"],
                "reasons": list(self.reasons)}


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def current_month() -> str:
    return _month_of(datetime.now(UTC).date())


def merged(windows: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Windows sorted, the overlapping or adjacent ones joined."""
    result: list[tuple[str, str]] = []
    for start, end in sorted(windows):
        if result and Month.parse(start) - Month.parse(result[-1][1]) <= 1:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return tuple(result)


def employment_windows(person: Person, employer_uid: str, *, today: date | None = None) -> tuple[tuple[str, str], ...]:
    """The months of the person's employments with the employer (an open one ends this month), merged."""
    now = _month_of(today) if today else current_month()
    rows = Employment.objects.filter(person_id=person.uid, employer_id=employer_uid).values_list("start", "end")
    return merged([(_month_of(start), _month_of(end) if end else now) for start, end in rows])


def checked_months(months: tuple[str, str]) -> tuple[str, str]:
    """An authorisation's months made canonical ("YYYY-MM" ASCII), the first not after the last; InvalidTransaction."""
    try:
        start, end = (str(Month.parse(text)) for text in months)
    except (InvalidInput, TypeError, ValueError) as error:
        raise InvalidTransaction({"months": _("must be two months written YYYY-MM: {error}").format(error=error)}) from None
    if start > end:
        raise InvalidTransaction({"months": _("the first month {start} is after the last {end}").format(start=start, end=end)})
    return start, end


def checked_items(items) -> frozenset[str]:
    unknown = sorted(set(items) - set(ITEMS))
    if unknown or not items:
        raise InvalidTransaction({"items": _("must name at least one item of 第二条 among {known}; not {unknown}").format(
            known=", ".join(ITEMS), unknown=", ".join(unknown) or "-")})
    return frozenset(items)


def scope_of(requester: Requester, person: Person, *, today: date | None = None) -> Scope:
    """The Scope of `requester` for `person`. Raises OutOfScope when the requester may see nothing of this person
    (a self requester who is someone else, an employer that never employed them), InvalidTransaction for an
    authorisation's bad items or months."""
    if requester.kind not in KINDS:
        raise OutOfScope(_("unknown requester kind {kind}").format(kind=repr(requester.kind)))
    served = requester.served()
    entry = load_scopes()["kinds"][served.kind]
    items = frozenset(entry["items"])
    reasons = [entry["basis_en"] if _english() else entry["basis"]]
    employer_uid = employer_name = ""
    if served.kind == "self":
        if served.person_uid and served.person_uid != person.uid:
            raise OutOfScope(_("a person may query only their own record"))
        windows = ALL_TIME
    elif served.kind == "delegate":
        if not served.delegate_index:
            raise OutOfScope(_("a delegated query needs the delegate's identity (第十五条)"))
        if served.items is not None:
            items &= checked_items(served.items)
            reasons.append(_("the written authorisation names these items"))
        windows = ALL_TIME
        if served.months is not None:
            windows = (checked_months(served.months),)
            reasons.append(_("the written authorisation names these months"))
    elif served.kind in APPLIED:
        # 第十八条–第二十条: what the approved application names, within what the kind may ever see (scopes.toml).
        if served.items is None or served.months is None:
            raise OutOfScope(_("an answer to an application needs the items and months it names"))
        items &= checked_items(served.items)
        windows = (checked_months(served.months),)
        reasons.append(_("the approved application names these items and months"))
    else:  # employer
        employer = Employer.objects.filter(uid=served.employer_uid).first() if served.employer_uid else None
        windows = employment_windows(person, employer.uid, today=today) if employer else ()
        if not windows:
            raise OutOfScope(_("this employer never employed this person: it may see nothing of their record (第十五条)"))
        employer_uid, employer_name = employer.uid, employer.name
        reasons.append(_("the months of the employment with this employer"))
    return Scope(requester.kind, served.kind, items, windows, employer_uid, employer_name, tuple(reasons))


def person_view(person: Person, requester: Requester) -> dict[str, Any]:
    """The person's record as `requester` may see it, with "scope": what was included and why."""
    scope = scope_of(requester, person)
    view = scope.apply(full_record(person))
    view["scope"] = scope.describe()
    return view


def checked_month(month: str | None) -> str | None:
    """A month parameter made canonical ("YYYY-MM", ASCII digits; full-width is read as ASCII), or InvalidTransaction
    naming the field."""
    if month is None or month == "":
        return None
    try:
        return str(Month.parse(month))
    except (InvalidInput, TypeError):
        raise InvalidTransaction({"month": _("must be a month written YYYY-MM (e.g. 2024-03), not {value}").format(
            value=repr(month)[:40])}) from None


def employer_header(employer: Employer) -> dict[str, str]:
    return {"uid": employer.uid, "uscc": employer.uscc, "name": employer.name}


def checked_year(year: str | int | None) -> int | None:
    """A year parameter made canonical (four ASCII digits; full-width read as ASCII), or InvalidTransaction naming
    the field."""
    if year is None or year == "":
        return None
    text = canonical(str(year))
    if len(text) == 4 and text.isascii() and text.isdigit() and text != "0000":
        return int(text)
    raise InvalidTransaction({"year": _("must be a year written YYYY (e.g. 2024), not {value}").format(
        value=repr(year)[:40])})


def employer_contributions(employer: Employer, month: str | None = None, *, year: str | int | None = None) -> dict[str, Any]:
    """The unit's own contributions (第十五条第三款) per month and insurance type: base, employer part, individual part,
    arrears (yuan strings), the persons counted; `month` ("YYYY-MM") keeps that month only, `year` ("YYYY") that
    year's months. Only rows that name this employer: a person's months with another employer are never summed here."""
    month = checked_month(month)
    year = checked_year(year)
    rows = current_rows(Contribution.objects.filter(employer_id=employer.uid))  # a month paid late is summed once
    if month:
        rows = rows.filter(period=month)
    if year:
        rows = rows.filter(period__startswith=f"{year:04d}-")
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for period, insurance_type, person_id, base, employer_fen, individual_fen, arrears in rows.order_by(
            "period", "insurance_type").values_list("period", "insurance_type", "person_id", "base_fen", "employer_fen",
                                                   "individual_fen", "arrears_fen"):
        group = groups.setdefault((period, insurance_type), {"persons": set(), "base": 0, "employer": 0, "individual": 0,
                                                             "arrears": 0})
        group["persons"].add(person_id)
        group["base"] += base
        group["employer"] += employer_fen
        group["individual"] += individual_fen
        group["arrears"] += arrears
    labels = dict(InsuranceType.choices)
    totals = {"base": 0, "employer": 0, "individual": 0, "arrears": 0}
    months = []
    for (period, insurance_type), group in sorted(groups.items()):
        for key in totals:
            totals[key] += group[key]
        months.append({"period": period, "insurance_type": insurance_type,
                       "insurance_type_title": labels.get(insurance_type, insurance_type), "persons": len(group["persons"]),
                       "base": fen_to_yuan(group["base"]),
                       "employer_amount": fen_to_yuan(group["employer"]), "individual_amount": fen_to_yuan(group["individual"]),
                       "arrears": fen_to_yuan(group["arrears"])})
    return {"employer": employer_header(employer), "month": month, "year": year, "months": months,
            "totals": {"base": fen_to_yuan(totals["base"]), "employer_amount": fen_to_yuan(totals["employer"]),
                       "individual_amount": fen_to_yuan(totals["individual"]), "arrears": fen_to_yuan(totals["arrears"])}}


def employer_years(employer: Employer) -> list[dict[str, Any]]:
    """The unit's own contributions per year and insurance type (sums of employer_contributions' months, in the
    database): the yuan strings of base, employer part, individual part, arrears, and the months with rows."""
    labels = dict(InsuranceType.choices)
    rows = (current_rows(Contribution.objects.filter(employer_id=employer.uid)).annotate(year=Substr("period", 1, 4))
            .values("year", "insurance_type")
            .annotate(base=Sum("base_fen"), employer_part=Sum("employer_fen"), individual=Sum("individual_fen"),
                      arrears=Sum("arrears_fen"))
            .order_by("year", "insurance_type"))
    months = {(year, kind): count for year, kind, count in _months_per_year(employer)}
    return [{"year": row["year"], "insurance_type": row["insurance_type"],
             "insurance_type_title": labels.get(row["insurance_type"], row["insurance_type"]),
             "months": months.get((row["year"], row["insurance_type"]), 0),
             "base": fen_to_yuan(row["base"] or 0), "employer_amount": fen_to_yuan(row["employer_part"] or 0),
             "individual_amount": fen_to_yuan(row["individual"] or 0), "arrears": fen_to_yuan(row["arrears"] or 0)}
            for row in rows]


def _months_per_year(employer: Employer) -> list[tuple[str, str, int]]:
    seen: dict[tuple[str, str], set[str]] = {}
    rows = current_rows(Contribution.objects.filter(employer_id=employer.uid))
    for period, kind in rows.values_list("period", "insurance_type").distinct():
        seen.setdefault((period[:4], kind), set()).add(period)
    return [(year, kind, len(periods)) for (year, kind), periods in seen.items()]


def employee_uids(employer: Employer) -> list[str]:
    """The uids of the persons the unit employs or ever employed, in the order of their first employment with it.
    Cheap (one query, no record built): the pages and the API page through it before building records."""
    rows = (Employment.objects.filter(employer_id=employer.uid).values("person_id").annotate(first=Min("start"))
            .order_by("first", "person_id"))
    return [row["person_id"] for row in rows]


def _employee_entry(employer: Employer, person: Person, periods: list[Employment], *, record: bool = True) -> dict[str, Any]:
    entry = {"uid": person.uid, "id_number": person.masked_id_number, "name": person.name,
             "periods": [{"start": job.start.isoformat(), "end": job.end.isoformat() if job.end else None}
                         for job in periods]}
    if record:
        entry["record"] = person_view(person, Requester("employer", employer_uid=employer.uid))
    return entry


def employees(employer: Employer, *, offset: int = 0, limit: int | None = None, records: bool = True) -> list[dict[str, Any]]:
    """Each person the unit employs or ever employed: masked ID number, name, the employment periods with it, and
    their record as the employer may see it (person_view: registration and contributions within those periods).
    `offset` / `limit` choose a slice of employee_uids' order before any record is built; `records=False` leaves
    the records out (a list that shows only names and periods need not build them)."""
    uids = employee_uids(employer)
    chosen = uids[offset:] if limit is None else uids[offset:offset + limit]
    jobs: dict[str, list[Employment]] = {uid: [] for uid in chosen}
    for job in Employment.objects.filter(employer_id=employer.uid, person_id__in=chosen).select_related(
            "person").order_by("start", "uid"):
        jobs[job.person_id].append(job)
    return [_employee_entry(employer, periods[0].person, periods, record=records) for periods in jobs.values() if periods]


def employees_page(employer: Employer, page: int = 1, per_page: int = 20, *, records: bool = True) -> dict[str, Any]:
    """One page of employees() (page from 1; a page past the last is empty): {"total", "page", "per_page",
    "pages", "employees"}."""
    total = len(employee_uids(employer))
    page, per_page = max(1, int(page)), max(1, int(per_page))
    pages = max(1, -(-total // per_page))
    return {"total": total, "page": page, "per_page": per_page, "pages": pages,
            "employees": employees(employer, offset=(page - 1) * per_page, limit=per_page, records=records)}


def employee(employer: Employer, person_uid: str) -> dict[str, Any]:
    """One employee as employees() lists them. OutOfScope when the unit never employed a person of this uid (an
    unknown uid is answered the same way, so the answer does not say whether the uid exists)."""
    periods = list(Employment.objects.filter(employer_id=employer.uid, person_id=str(person_uid)[:64])
                   .select_related("person").order_by("start", "uid"))
    if not periods:
        raise OutOfScope(_("this employer never employed this person: it may see nothing of their record (第十五条)"))
    return _employee_entry(employer, periods[0].person, periods)
