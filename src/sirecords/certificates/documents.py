"""What a certificate says (issue 11, 第十五条): a `CertificateDocument` built from the *scoped* record.

Every document is built from `queries.scopes.person_view(person, requester)` — never from records/personal.py — so
a certificate can hold only what its requester may see: what is out of scope is absent from the view and therefore
from the PDF. The kinds:

- `contributions` 参保缴费证明: the contributions of a period (from–to months), by insurance type, with the months;
- `pension` 养老金领取证明: the pension award, the monthly amount, its adjustments and the latest payments;
- `statement` 个人权益记录对账单: one year's contributions, the account's credits and interest, the balance, the
  contribution years, and the account growth chart (records.charts.account_growth_svg's numbers);
- `query_result` 书面查询结果: whatever the view holds, with what was left out and why.

The labels are fixed and bilingual (Chinese, then English): a certificate is the same document whatever language
the person who asks for it reads, and the signature covers its text. Bad input raises InvalidTransaction naming the
field; a kind whose item of 第二条 is out of the requester's scope raises OutOfScope. Reading the record is the
caller's to log (records.reads) — as for every use of person_view.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import translation

from sirecords.certificates.codes import new_verification_code
from sirecords.certificates.seal import agency_name, verify_url
from sirecords.contributions.models import InsuranceType
from sirecords.core.money import InvalidInput, format_yuan
from sirecords.core.periods import Month
from sirecords.queries.scopes import BENEFITS, CONTRIBUTIONS, YEARS_ACCOUNT, OutOfScope, Requester, person_view
from sirecords.records.charts import account_growth_svg
from sirecords.registry.models import Person
from sirecords.registry.subjects import mask_name
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["KINDS", "TITLES", "BarChart", "CertificateDocument", "Section", "Table", "build_document", "contributions_document",
           "pension_document", "query_result_document", "statement_document"]

KINDS = ("contributions", "pension", "statement", "query_result")
TITLES = {"contributions": ("参保缴费证明", "Certificate of social insurance contributions"),
          "pension": ("养老金领取证明", "Certificate of pension receipt"),
          "statement": ("个人权益记录对账单", "Annual statement of personal rights records"),
          "query_result": ("社会保险个人权益记录书面查询结果", "Written answer to a query of the personal rights record")}
INSURANCE_TITLES = dict(InsuranceType.choices)


@dataclass(frozen=True)
class Table:
    """Column headers and rows of text; `numeric[i]`: column i is right-aligned (amounts, counts)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class BarChart:
    """The account growth chart: per year the prior balance, the credits and the interest stacked (yuan strings),
    the year-end balance on top. From records.charts.account_growth_svg's table, so the numbers are the portal's."""

    title: str
    years: tuple[str, ...]
    opening: tuple[str, ...]
    credits: tuple[str, ...]
    interest: tuple[str, ...]
    closing: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    title: str
    pairs: tuple[tuple[str, str], ...] = ()
    table: Table | None = None
    chart: BarChart | None = None
    note: str = ""


@dataclass(frozen=True)
class CertificateDocument:
    """Everything the PDF shows, and what the ledger entry of its issue needs (kind, person, items, period)."""

    kind: str
    title: str
    title_en: str
    agency: str
    person_uid: str
    person: tuple[tuple[str, str], ...]  # the header printed: name, masked ID number
    person_masked: str  # masked name and masked ID number: what the public verification page may show
    sections: tuple[Section, ...]
    issued_at: datetime
    code: str
    verify_url: str
    items: tuple[str, ...] = ()  # the items of 第二条 the document rests on
    period: tuple[str, str] | None = None  # the months it covers ("YYYY-MM" inclusive), when it covers a period
    scope_basis: str = ""
    facts: dict[str, str] = field(default_factory=dict)  # key figures for a summary (amounts as yuan strings)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0.00")


def _months_text(total: int) -> str:
    years, months = divmod(int(total), 12)
    return f"{years} 年 {months} 个月 ({years} y {months} m)"


def _person_header(view: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], str]:
    person = view.get("person") or {}
    name, id_number = str(person.get("name", "")), str(person.get("id_number", ""))
    return ((("姓名 Name", name), ("公民身份号码 ID number", id_number)), f"{mask_name(name)} {id_number}".strip())


def _checked_month(value: str, field_name: str) -> str:
    try:
        return str(Month.parse(str(value)))
    except (InvalidInput, TypeError, ValueError):
        raise InvalidTransaction({field_name: f"须为 YYYY-MM 格式的月份 / must be a month written YYYY-MM, "
                                              f"not {str(value)[:20]!r}"}) from None


def _checked_year(value: Any) -> int:
    text = str(value).strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit() and text != "0000"):
        raise InvalidTransaction({"year": f"须为四位数年份 / must be a year written YYYY, not {text[:20]!r}"})
    return int(text)


def _view(person: Person, requester: Requester) -> dict[str, Any]:
    """person_view in Chinese (the scope's basis and item titles): a certificate reads the same whoever asks."""
    with translation.override("zh-hans"):
        return person_view(person, requester)


def _require(view: dict[str, Any], item: str, key: str, kind: str) -> None:
    if key not in view:
        raise OutOfScope(f"{TITLES[kind][0]}: 查询人无权查看所需信息 / the requester's scope leaves out {item}")


def _base(kind: str, person: Person, view: dict[str, Any], sections: list[Section], *, items: tuple[str, ...],
          period: tuple[str, str] | None = None, facts: dict[str, str] | None = None,
          issued_at: datetime | None = None, code: str | None = None) -> CertificateDocument:
    header, masked = _person_header(view)
    code = code or new_verification_code()
    scope = view.get("scope") or {}
    return CertificateDocument(kind=kind, title=TITLES[kind][0], title_en=TITLES[kind][1], agency=agency_name(),
                               person_uid=person.uid, person=header, person_masked=masked, sections=tuple(sections),
                               issued_at=(issued_at or datetime.now(UTC)).replace(microsecond=0), code=code,
                               verify_url=verify_url(code), items=items, period=period,
                               scope_basis=str(scope.get("basis", "")), facts=dict(facts or {}))


def _by_type(rows: list[dict[str, Any]]) -> Table:
    """Per insurance type: months with a contribution, first and last month, employer part, individual part."""
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for row in sorted(rows, key=lambda r: (list(INSURANCE_TITLES).index(r["insurance_type"])
                                           if r["insurance_type"] in INSURANCE_TITLES else 99, r["period"])):
        group = groups.setdefault(row["insurance_type"], {"months": set(), "employer": Decimal(0), "individual": Decimal(0)})
        group["months"].add(row["period"])
        group["employer"] += _money(row.get("employer_amount"))
        group["individual"] += _money(row.get("individual_amount"))
    body = tuple((INSURANCE_TITLES.get(kind, kind), f"{min(g['months'])} – {max(g['months'])}", str(len(g["months"])),
                  format_yuan(g["employer"]), format_yuan(g["individual"]), format_yuan(g["employer"] + g["individual"]))
                 for kind, g in groups.items())
    return Table(("险种 Insurance", "缴费期间 Period", "月数 Months", "单位缴纳 Employer (元)", "个人缴纳 Individual (元)",
                  "合计 Total (元)"), body, (False, False, True, True, True, True))


def _monthly(rows: list[dict[str, Any]]) -> Table:
    body = tuple((r["period"], INSURANCE_TITLES.get(r["insurance_type"], r["insurance_type"]), str(r.get("employer", "")),
                  str(r.get("base", "")), str(r.get("employer_amount", "")), str(r.get("individual_amount", "")),
                  "已缴 paid" if r.get("counts") else "欠缴 unpaid" if r.get("in_arrears") else "不计 not counted")
                 for r in sorted(rows, key=lambda r: (r["period"], r["insurance_type"])))
    return Table(("月份 Month", "险种 Insurance", "缴费单位 Employer", "缴费基数 Base", "单位 Employer", "个人 Individual",
                  "状态 Status"), body, (False, False, False, True, True, True, False))


def contributions_document(person: Person, requester: Requester, start: str, end: str, **kwargs: Any) -> CertificateDocument:
    """参保缴费证明 for the months start..end ("YYYY-MM", inclusive)."""
    start, end = _checked_month(start, "from"), _checked_month(end, "to")
    if start > end:
        raise InvalidTransaction({"to": f"期间没有月份：起始月 {start} 晚于截止月 {end} / "
                                        f"the period has no months: {start} is after {end}"})
    view = _view(person, requester)
    _require(view, "第二条（二）", "contributions", "contributions")
    rows = [r for r in view["contributions"] if start <= r["period"] <= end]
    if not rows:
        raise InvalidTransaction({"from": f"{start} 至 {end} 期间无缴费记录 / no contribution is recorded from {start} to {end}"})
    paid = [r for r in rows if r.get("counts")]
    employer = sum((_money(r.get("employer_amount")) for r in paid), Decimal(0))
    individual = sum((_money(r.get("individual_amount")) for r in paid), Decimal(0))
    months = len({r["period"] for r in rows})
    summary = Section("证明事项 What is certified", (
        ("证明期间 Period", f"{start} 至 {end}"),
        ("有缴费记录的月数 Months with contributions", str(months)),
        ("已缴单位部分 Paid by employers (元)", format_yuan(employer)),
        ("已缴个人部分 Paid by the person (元)", format_yuan(individual)),
    ), note="兹证明上述人员在下列期间参加社会保险并缴费，情况如下。 This certifies that the person above was insured and "
            "contributed in the period below, as follows.")
    sections = [summary, Section("按险种 By insurance type", table=_by_type(rows)),
                Section("逐月明细 Month by month", table=_monthly(rows))]
    return _base("contributions", person, view, sections, items=(CONTRIBUTIONS,), period=(start, end),
                 facts={"months": str(months), "employer": format_yuan(employer), "individual": format_yuan(individual)},
                 **kwargs)


def pension_document(person: Person, requester: Requester, **kwargs: Any) -> CertificateDocument:
    """养老金领取证明: the award in force, the monthly amount, adjustments and the latest payments the view holds."""
    view = _view(person, requester)
    _require(view, "第二条（三）", "pension", "pension")
    pension = view["pension"]
    if not pension:
        raise InvalidTransaction({"kind": "无养老金核定记录，不能出具养老金领取证明 / no pension award is recorded: "
                                          "there is no pension receipt to certify"})
    status = {"active": "领取中 being paid", "suspended": "暂停 suspended", "ended": "已终止 ended"}.get(
        str(pension.get("status")), str(pension.get("status")))
    pairs = [("待遇状态 Status", status), ("起始月份 First month", str(pension.get("start_month", ""))),
             ("基础养老金 Basic pension (元/月)", str(pension.get("basic", ""))),
             ("个人账户养老金 Account pension (元/月)", str(pension.get("account", ""))),
             ("过渡性养老金 Transitional pension (元/月)", str(pension.get("transitional", ""))),
             ("核定月养老金 Monthly amount awarded (元/月)", str(pension.get("awarded", ""))),
             ("当前月养老金 Current monthly amount (元/月)", str(pension.get("total", "")))]
    if pension.get("end_month"):
        pairs.insert(2, ("终止月份 Last month", str(pension["end_month"])))
    if "paid_total" in pension:
        pairs += [("已发放月数 Months paid", str(pension.get("payments_made", ""))),
                  ("累计发放 Paid in total (元)", str(pension["paid_total"]))]
    sections = [Section("待遇核定 The award", tuple(pairs),
                        note="兹证明上述人员按月领取基本养老金，情况如下。 This certifies that the person above receives "
                             "a monthly basic pension, as follows.")]
    adjustments = pension.get("adjustments") or []
    if adjustments:
        sections.append(Section("待遇调整 Adjustments", table=Table(
            ("年度 Year", "调整前 Before", "增加 Increase", "调整后 After", "补发 Back pay"),
            tuple((str(a["year"]), str(a["before"]), str(a["increase"]), str(a["after"]), str(a["back_pay"])) for a in adjustments),
            (False, True, True, True, True))))
    payments = pension.get("payments") or []
    if payments:
        sections.append(Section("最近发放记录 Latest payments", table=Table(
            ("月份 Month", "发放金额 Amount (元)", "补发 Back pay (元)"),
            tuple((str(p["month"]), str(p["amount"]), str(p["back_pay"])) for p in payments), (False, True, True))))
    return _base("pension", person, view, sections, items=(BENEFITS,),
                 facts={"monthly": str(pension.get("total", "")), "start_month": str(pension.get("start_month", ""))}, **kwargs)


def statement_document(person: Person, requester: Requester, year: Any, **kwargs: Any) -> CertificateDocument:
    """个人权益记录对账单 of `year`: the year's contributions by insurance type, the account year (opening, credits,
    interest, closing), the balance, the contribution years, and the account growth chart up to that year."""
    year = _checked_year(year)
    view = _view(person, requester)
    _require(view, "第二条（二）", "contributions", "statement")
    _require(view, "第二条（四）", "account_years", "statement")
    prefix = f"{year:04d}-"
    rows = [r for r in view["contributions"] if r["period"].startswith(prefix)]
    account_rows = [r for r in view["account_years"] if int(r["year"]) <= year]
    this_year = next((r for r in account_rows if int(r["year"]) == year), None)
    if not rows and this_year is None:
        raise InvalidTransaction({"year": f"{year} 年无缴费和个人账户记录，无对账单可出具 / nothing is recorded for {year}: "
                                          "no contribution and no account year"})
    sections = []
    if rows:
        sections.append(Section(f"{year} 年缴费 Contributions of {year}", table=_by_type(rows)))
    else:
        sections.append(Section(f"{year} 年缴费 Contributions of {year}", note="本年度无缴费记录。 No contribution this year."))
    facts: dict[str, str] = {"year": str(year)}
    if this_year is not None:
        interest = _money(this_year["interest_on_prior"]) + _money(this_year["interest_on_credits"])
        sections.append(Section(f"{year} 年个人账户 Individual account in {year}", (
            ("上年末余额 Opening balance (元)", str(this_year["opening"])),
            ("本年记账额 Credits of the year (元)", str(this_year["credits"])),
            ("本年利息 Interest of the year (元)", format_yuan(interest)),
            ("记账利率 Crediting rate", str(this_year.get("rate", ""))),
            ("本年末余额 Closing balance (元)", str(this_year["closing"])),
            ("记账月数 Months credited", str(this_year.get("months", ""))))))
        facts["balance"] = str(this_year["closing"])
    elif account_rows:
        last = account_rows[-1]
        sections.append(Section(f"{year} 年个人账户 Individual account in {year}", (
            (f"{last['year']} 年末余额 Balance at the end of {last['year']} (元)", str(last["closing"])),),
            note=f"{year} 年尚未记账。 The account of {year} is not credited yet."))
        facts["balance"] = str(last["closing"])
    years = view.get("contribution_years")
    if years:
        sections.append(Section("缴费年限 Contribution years", (
            ("实际缴费月数 Months contributed", str(years["actual_months"])),
            ("视同缴费月数 Deemed months", str(years["deemed_months"])),
            ("累计缴费年限 Total", _months_text(years["total_months"]))),
            note="截至出具之日。 As of the date of issue."))
        facts["contribution_months"] = str(years["total_months"])
    if account_rows:
        sections.append(Section("个人账户逐年增长 The account year by year", chart=growth_chart(account_rows)))
    return _base("statement", person, view, sections, items=(CONTRIBUTIONS, YEARS_ACCOUNT),
                 period=(f"{year:04d}-01", f"{year:04d}-12"), facts=facts, **kwargs)


def growth_chart(account_rows: list[dict[str, Any]]) -> BarChart:
    """The chart's numbers from records.charts.account_growth_svg (the portal's chart) — its table, not its SVG."""
    table = account_growth_svg(account_rows).table
    rows = table.rows
    return BarChart("个人账户逐年增长 The account year by year", tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                    tuple(r[2] for r in rows), tuple(r[3] for r in rows), tuple(r[4] for r in rows))


def query_result_document(person: Person, requester: Requester, **kwargs: Any) -> CertificateDocument:
    """书面查询结果: every part of the view the requester may see, and what was left out and on which basis."""
    view = _view(person, requester)
    scope = view.get("scope") or {}
    sections = [Section("查询依据 Basis of this answer", (
        ("查询人 Requester", str(scope.get("requester", "")) + (f"（{scope['via']}）" if scope.get("via") else "")),
        ("依据 Basis", str(scope.get("basis", ""))),
        ("包含项目 Items included", "；".join(i["title"] for i in scope.get("items", ())) or "-"),
        ("未包含项目 Items left out", "；".join(i["title"] for i in scope.get("left_out", ())) or "-"),
        ("期间 Months", "全部 all" if scope.get("all_time") else
         "；".join(f"{w['start']} – {w['end']}" for w in scope.get("windows", ())) or "-")) +
        ((("用人单位 Employer", str(scope["employer"])),) if scope.get("employer") else ()))]
    person_row = view.get("person") or {}
    registration = [(label, str(person_row[key])) for key, label in (
        ("sex", "性别 Sex"), ("birth_date", "出生日期 Birth date"), ("region", "户籍地区 Region"),
        ("pooling_region", "参保地 Pooling region"), ("registered_on", "参保登记日期 Registered on")) if key in person_row]
    if registration:
        sections.append(Section("参保登记信息 Registration", tuple(registration)))
    if view.get("timeline"):
        sections.append(Section("登记与变更 Registrations and changes", table=Table(
            ("日期 Date", "事项 Event", "说明 Detail"),
            tuple((str(e["date"])[:10], str(e["kind"]), str(e.get("detail", ""))) for e in view["timeline"]))))
    if "contributions" in view:
        rows = view["contributions"]
        sections.append(Section("缴费信息 Contributions", table=_by_type(rows)) if rows else
                        Section("缴费信息 Contributions", note="无记录。 None recorded."))
        if rows:
            sections.append(Section("逐月明细 Month by month", table=_monthly(rows)))
        if view.get("subsidies"):
            sections.append(Section("补贴 Subsidies", table=Table(
                ("月份 Month", "险种 Insurance", "项目 Scheme", "金额 Amount (元)"),
                tuple((s["period"], INSURANCE_TITLES.get(s["insurance_type"], s["insurance_type"]), str(s["scheme_title"]),
                       str(s["amount"])) for s in view["subsidies"]), (False, False, False, True))))
    if "account_years" in view:
        if view["account_years"]:
            sections.append(Section("个人账户 Individual account", table=Table(
                ("年度 Year", "上年末余额 Opening", "记账额 Credits", "利息 Interest", "年末余额 Closing"),
                tuple((str(r["year"]), str(r["opening"]), str(r["credits"]),
                       format_yuan(_money(r["interest_on_prior"]) + _money(r["interest_on_credits"])), str(r["closing"]))
                      for r in view["account_years"]), (False, True, True, True, True))))
        years = view.get("contribution_years")
        if years:
            sections.append(Section("缴费年限 Contribution years", (("累计缴费年限 Total", _months_text(years["total_months"])),)))
    if view.get("pension"):
        pension = view["pension"]
        sections.append(Section("养老金 Pension", (("起始月份 First month", str(pension.get("start_month", ""))),
                                                    ("当前月养老金 Current monthly amount (元/月)", str(pension.get("total", ""))))))
    items = tuple(i["code"] for i in scope.get("items", ()))
    return _base("query_result", person, view, sections, items=items, **kwargs)


def build_document(kind: str, person: Person, requester: Requester, *, start: str | None = None, end: str | None = None,
                   year: Any = None, **kwargs: Any) -> CertificateDocument:
    """The document of `kind` (one of KINDS) with its parameters: contributions needs start and end, statement the year."""
    if kind == "contributions":
        if not start:
            raise InvalidTransaction({"from": "参保缴费证明须注明起始月 / a certificate of contributions needs the first month"})
        if not end:
            raise InvalidTransaction({"to": "参保缴费证明须注明截止月 / a certificate of contributions needs the last month"})
        return contributions_document(person, requester, start, end, **kwargs)
    if kind == "pension":
        return pension_document(person, requester, **kwargs)
    if kind == "statement":
        if year in (None, ""):
            raise InvalidTransaction({"year": "对账单须注明年度 / a statement needs the year"})
        return statement_document(person, requester, year, **kwargs)
    if kind == "query_result":
        return query_result_document(person, requester, **kwargs)
    raise InvalidTransaction({"kind": f"须为 {', '.join(KINDS)} 之一 / must be one of {', '.join(KINDS)}, not {str(kind)[:30]!r}"})
