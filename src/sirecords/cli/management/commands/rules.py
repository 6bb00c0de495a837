"""``sirecords rules …``: the rules engine on the command line, with the same code as the system.

Subcommands: check-id, check-uscc, retirement, base, interest, account-year, late-fee, pension,
benefit-place (see docs/cli.md). Each prints a
readable summary, Chinese first with English beside it, or with ``--json`` one JSON object whose amounts
are decimal strings in yuan with two places. Exit status 0 on success; 1 for an invalid identifier or
invalid input (also for a usage error), with the message on stderr (and, with ``--json``, in ``error``).

Each subcommand's work is a plain function (``check_id``, ``check_uscc``, ``retirement``, ``base``,
``interest``, ``account_year``, ``late_fee``, ``pension``, ``benefit_place``) returning an `Outcome`; the Command only parses and prints.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sirecords.core import identifiers
from sirecords.core.money import ROUNDING_MODES, InvalidInput, format_yuan, parse_amount, parse_decimal, parse_rate
from sirecords.core.periods import Age, Month, as_date
from sirecords.core.text import canonical, is_ascii_digits, whole_number
from sirecords.engine import contributions, crediting, late_fees
from sirecords.engine import pension as pension_rules
from sirecords.engine import retirement as retirement_rules
from sirecords.engine import transfers as transfer_rules
from sirecords.engine.params import CATEGORIES, INSURANCE_TYPES, NATIONAL, RETIREMENT_CATEGORIES, ParameterError, load_params

KEYS = {
    "check-id": ("valid", "normalized", "birth_date", "sex", "warnings", "error"),
    "check-uscc": ("valid", "error"),
    "retirement": ("delay_months", "statutory_age", "retirement_month", "minimum_contribution_months", "first_pension_month",
                   "flexible_earliest_month", "flexible_latest_month"),
    "base": ("base", "employer", "individual"),
    "interest": ("interest_on_prior", "interest_on_credits", "year_end"),
    "account-year": ("interest_on_prior", "interest_on_credits", "credits", "year_end", "deferred", "rate", "rate_status"),
    "late-fee": ("days", "fee", "daily_rate"),
    "pension": ("basic", "account", "transitional", "total", "divisor"),
    "benefit-place": ("benefit_region", "rule", "months_by_region"),
}
SEX = {"M": "男 male", "F": "女 female"}
CATEGORY_NAMES = {"male": "男职工 men (60)", "female55": "女干部 women, cadre-type posts (55)",
                  "female50": "女工人 women, worker-type posts (50)"}


@dataclass
class Outcome:
    """What a subcommand found: the JSON object, the readable lines, and whether it succeeded."""

    data: dict
    lines: list[str] = field(default_factory=list)
    ok: bool = True
    error: str | None = None


class Invalid(Exception):
    """Invalid input for a subcommand: exit 1 with this message."""


def _failure(action: str, message: str) -> Outcome:
    data = dict.fromkeys(KEYS[action])
    if action in ("check-id", "check-uscc"):
        data["valid"] = False
    data["error"] = message
    return Outcome(data, [f"错误 Error: {message}"], ok=False, error=message)


def _params(region: str | None, year: int | None, month: int | None = None):
    if region is None and year is None and month is None:
        return load_params(NATIONAL)
    return load_params(region or NATIONAL, year, month)


# --- the subcommands as functions ------------------------------------------------------------------------


def check_id(number: str) -> Outcome:
    """Validity by GB 11643 (the standard's own 440524188001010014 is valid); plausibility only warns."""
    try:
        parsed = identifiers.check_id_number(number)
    except identifiers.InvalidIdentifier as error:
        return _failure("check-id", error.message)
    warnings = identifiers.id_plausibility(parsed)
    lines = [f"公民身份号码有效 / ID number valid: {parsed.normalized}",
             f"  出生日期 birth date: {parsed.birth_date.isoformat()}",
             f"  性别 sex: {SEX[parsed.sex]}",
             f"  地址码 address code: {parsed.address_code}"]
    if parsed.upgraded_from_15:
        lines.append("  由15位号码升位 upgraded from a 15-digit number")
    lines += [f"  注意（不合常理，但符合标准）warning (valid, but implausible): {warning.message}" for warning in warnings]
    return Outcome({"valid": True, "normalized": parsed.normalized, "birth_date": parsed.birth_date.isoformat(),
                    "sex": parsed.sex, "warnings": [warning.message for warning in warnings], "error": None}, lines)


def check_uscc(code: str) -> Outcome:
    problems = identifiers.check_uscc(code)
    if problems:
        return _failure("check-uscc", " ".join(problem.message for problem in problems))
    normalized = "".join(code.split()).upper()
    return Outcome({"valid": True, "error": None}, [f"统一社会信用代码有效 / unified social credit code valid: {normalized}"])


def retirement(birth: str, category: str, region: str | None = None, today: date | None = None) -> Outcome:
    if category not in RETIREMENT_CATEGORIES:
        raise Invalid(f"--category must be one of {', '.join(RETIREMENT_CATEGORIES)}, got {category!r}")
    born = Month.parse(birth)
    today = today or datetime.now(UTC).date()
    if born > Month(today.year, today.month):
        raise Invalid(f"--birth {born} is in the future (this month is {today.year:04d}-{today.month:02d})")
    # The region's standing retirement values (e.g. its first pension month) apply; national when none is given.
    params = load_params(region) if region else load_params(NATIONAL)
    result = retirement_rules.statutory_retirement(born, category, params)
    r = result.value
    minimum = r.minimum_contribution_months
    lines = [f"法定退休年龄 / statutory retirement ({CATEGORY_NAMES[category]}, 出生 born {r.birth_month})",
             f"  原退休年龄 original age: {r.original_age.zh} / {r.original_age}, 达到于 reached in {r.original_month}",
             f"  延迟 delay: {r.delay_months} 个月 months (n = {r.months_after_base})",
             f"  法定退休年龄 statutory age: {r.statutory_age.zh} / {r.statutory_age}",
             f"  退休月份 retirement month: {r.retirement_month}",
             f"  最低缴费年限 minimum contribution: {minimum} 个月 months ({minimum // 12}y{minimum % 12}m)",
             f"  弹性退休 flexible retirement: {r.flexible_earliest_month} … {r.flexible_latest_month}"
             + ("" if r.has_flexible_window else " (改革前出生：无弹性窗口 born before the reform: no window)"),
             f"  首次领取养老金月份 first pension month: {r.first_pension_month}",
             f"  规则版本 rule version: {params.short_version}…"]
    return Outcome({"delay_months": r.delay_months, "statutory_age": str(r.statutory_age),
                    "retirement_month": str(r.retirement_month), "minimum_contribution_months": minimum,
                    "first_pension_month": str(r.first_pension_month),
                    "flexible_earliest_month": str(r.flexible_earliest_month),
                    "flexible_latest_month": str(r.flexible_latest_month)}, lines)


def base(wage: str, average: str | None = None, region: str | None = None, year: int | None = None, month: int | None = None,
         insurance_type: str = "pension", category: str = "employee") -> Outcome:
    params = _params(region, year, month)
    if average is None and region is None and year is None:
        raise Invalid("--average is required unless --region/--year give the reference average wage")
    result = contributions.contribution(params, parse_amount(wage, "--wage"), insurance_type=insurance_type, category=category,
                                        reference_average_wage=None if average is None else parse_amount(average, "--average"))
    c = result.value
    note = {"floor": "（低于下限，按下限 below the floor）", "ceiling": "（高于上限，按上限 above the ceiling）"}.get(c.clamped, "")
    rates = params.rates(insurance_type, category)
    lines = [f"缴费基数 / contribution base ({insurance_type}, {category}): {format_yuan(c.contribution_base)}{note}",
             f"  下限 floor {format_yuan(c.floor)} / 上限 ceiling {format_yuan(c.ceiling)}",
             f"  单位缴费 employer ({rates.employer}): {format_yuan(c.employer_amount)}",
             f"  个人缴费 individual ({rates.individual}): {format_yuan(c.individual_amount)}",
             f"  记入个人账户 account credit ({rates.account}): {format_yuan(c.account_credit)}",
             f"  规则版本 rule version: {params.short_version}…" + ("（演示数据 demo data）" if params.demo else "")]
    return Outcome({"base": format_yuan(c.contribution_base), "employer": format_yuan(c.employer_amount),
                    "individual": format_yuan(c.individual_amount)}, lines)


def _credits(text: str) -> list[Decimal]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise Invalid(f"--credits must be amounts separated by commas (c1,c2,…,c12), got {text!r}")
    return [parse_amount(item, f"credit {n}") for n, item in enumerate(items, start=1)]


def interest(prior: str, rate: str, credits: str, method: str = "monthly", months: int = 12,
             rounding: str = "half_up") -> Outcome:
    credit_list = _credits(credits)
    result = crediting.credit_year(parse_amount(prior, "--prior"), credit_list, parse_rate(rate, "--rate"), method=method,
                                   months=months, rounding=rounding)
    c = result.value
    method_name = {"monthly": "月积数法 monthly accumulation", "annual": "年度计算法 annual (1.083)"}[method]
    lines = [f"个人账户记账 / account crediting ({method_name}, 记账利率 rate {c.rate}, {months} 个月 months, {rounding})",
             f"  上年末储存额 prior balance: {format_yuan(c.prior.quantize(Decimal('0.01')))}",
             f"  上年末储存额利息 interest on prior: {format_yuan(c.interest_on_prior)}",
             f"  当年记账额 credits: {format_yuan(c.credits.quantize(Decimal('0.01')))}",
             f"  当年记账额利息 interest on credits: {format_yuan(c.interest_on_credits)}",
             f"  年末储存额 year-end balance: {format_yuan(c.year_end)}"]
    return Outcome({"interest_on_prior": format_yuan(c.interest_on_prior), "interest_on_credits": format_yuan(c.interest_on_credits),
                    "year_end": format_yuan(c.year_end.quantize(Decimal("0.01")))}, lines)


def _account_credit(text: str) -> crediting.AccountCredit:
    """``PERIOD=AMOUNT@PAID_ON`` (``@PAID_ON`` may be left out when credits are positioned by period)."""
    given = canonical(text)
    period, equals, rest = given.partition("=")
    amount, at, paid_on = rest.partition("@")
    if not equals or not period or not amount or (at and not paid_on):
        raise Invalid(f"--credit must be PERIOD=AMOUNT@PAID_ON (e.g. 2024-12=800.00@2025-01-10), got {text!r}")
    return crediting.AccountCredit(period.strip(), parse_amount(amount.strip(), f"--credit {text}"),
                                   paid_on.strip() or None)


def account_year(region: str, year: int, prior: str, credits: list[str], interest_from: str | None = None,
                 method: str | None = None) -> Outcome:
    """One year of an individual account from its paid credits, at the region's crediting rate of `year`;
    credits positioned after the year are listed in `deferred`, each as given."""
    params = load_params(region, year)
    interest_from = interest_from or params.crediting_interest_from
    method = method or params.crediting_method
    if interest_from not in crediting.INTEREST_FROM:
        raise Invalid(f"--interest-from must be arrival or period, got {interest_from!r}")
    if method not in crediting.METHODS:
        raise Invalid(f"--method must be monthly or annual, got {method!r}")
    parsed = [(_account_credit(text), text) for text in credits]
    result = crediting.credit_account_credits(parse_amount(prior, "--prior"), [credit for credit, _ in parsed], year,
                                              params.crediting_rate, interest_from=interest_from, method=method,
                                              rounding=params.rounding("interest"), rate_status=params.crediting_rate_status,
                                              version=params.version)
    value, c = result.value, result.value.crediting
    deferred = [text for credit, text in parsed if credit in value.deferred]
    basis = {"arrival": "按到账月份记账 by arrival month", "period": "按费款所属期记账 by contribution month"}[interest_from]
    method_name = {"monthly": "月积数法 monthly accumulation", "annual": "年度计算法 annual (1.083)"}[method]
    lines = [f"个人账户 {year} 年记账 / account year {year} ({region}; {basis}; {method_name}; "
             f"记账利率 rate {c.rate} {params.crediting_rate_status})",
             f"  上年末储存额 prior balance: {format_yuan(c.prior.quantize(Decimal('0.01')))}",
             f"  上年末储存额利息 interest on prior: {format_yuan(c.interest_on_prior)}",
             f"  当年记账额 credits: {format_yuan(c.credits.quantize(Decimal('0.01')))} ({len(value.credited)} 笔 credits)",
             f"  当年记账额利息 interest on credits: {format_yuan(c.interest_on_credits)}",
             f"  年末储存额 year-end balance: {format_yuan(c.year_end)}"]
    if deferred:
        lines.append(f"  转入下一年记账 deferred to the next year: {', '.join(deferred)}")
    lines.append(f"  规则版本 rule version: {params.short_version}…" + ("（演示数据 demo data）" if params.demo else ""))
    return Outcome({"interest_on_prior": format_yuan(c.interest_on_prior), "interest_on_credits": format_yuan(c.interest_on_credits),
                    "credits": format_yuan(c.credits.quantize(Decimal("0.01"))),
                    "year_end": format_yuan(c.year_end.quantize(Decimal("0.01"))), "deferred": deferred,
                    "rate": str(c.rate), "rate_status": params.crediting_rate_status}, lines)


def late_fee(amount: str, due: str, paid: str) -> Outcome:
    """滞纳金: days from the day after `due` through `paid`, × 0.05 % a day (社会保险法 第八十六条)."""
    result = late_fees.late_fee(parse_amount(amount, "--amount"), as_date(due, "--due"), as_date(paid, "--paid"))
    f = result.value
    lines = [f"滞纳金 / late fee (社会保险法 第八十六条, 日费率 daily rate {f.daily_rate})",
             f"  欠缴金额 amount: {format_yuan(f.amount)}",
             f"  应缴日期 due: {f.due.isoformat()}; 缴纳日期 paid: {f.paid.isoformat()}",
             f"  滞纳天数 days late: {f.days} (自应缴日次日起至缴纳之日 from the day after the due date through the payment date)",
             f"  滞纳金 fee: {format_yuan(f.fee)}"]
    return Outcome({"days": f.days, "fee": format_yuan(f.fee), "daily_rate": str(f.daily_rate)}, lines)


def _months_arg(text: str, what: str) -> int:
    value = parse_decimal(text, what)
    if value != value.to_integral_value() or value < 0:
        raise Invalid(f"{what} must be a whole number of months ≥ 0, got {text!r}")
    return int(value)


def pension(base: str | None, index: str, months: str, balance: str, age: str, deemed_months: str = "0",
            transitional_coefficient: str | None = None, region: str | None = None, year: int | None = None,
            rounding: str | None = None) -> Outcome:
    params = _params(region, year)
    if base is None and region is None and year is None:
        raise Invalid("--base is required unless --region/--year give the pension calculation base")
    coefficient = transitional_coefficient if transitional_coefficient is not None else (
        params.transitional_coefficient if region not in (None, NATIONAL) else None)
    n = _months_arg(months, "--months")
    deemed = _months_arg(deemed_months, "--deemed-months")
    if deemed > n:
        raise Invalid(f"--deemed-months {deemed} is more than --months {n}: deemed months are part of the contribution months")
    # The minimum is that of the retirement year: the parameter year given (--year) or, without it, the latest.
    eligibility = retirement_rules.pension_eligibility(n, params.year, params).value
    if not eligibility.eligible:
        raise Invalid(
            f"{n} contribution months are below the minimum of {eligibility.minimum_contribution_months} for a monthly pension on "
            f"retiring in {params.year} ({eligibility.shortfall_months} short): no monthly basic pension. Instead the person "
            "may extend contributions (延长缴费) until the minimum is reached, transfer to the urban and rural residents' "
            "basic pension scheme (转入城乡居民基本养老保险), or terminate the insurance relationship and receive the "
            "individual account balance (终止基本养老保险关系，一次性领取个人账户储存额)")
    result = pension_rules.basic_pension(
        pension_base=params.pension_base if base is None else parse_amount(base, "--base"),
        wage_index=parse_decimal(index, "--index"),
        contribution_months=n,
        balance=parse_amount(balance, "--balance"),
        age=Age.parse(age),
        divisor_table=params.months_divisor_table,
        rounding=rounding or params.rounding("pension"),
        transitional_coefficient=None if coefficient is None else parse_rate(coefficient, "--transitional-coefficient"),
        deemed_months=deemed,
        version=params.version,
    )
    p = result.value
    lines = [f"基本养老金 / basic pension (年龄 age {Age.parse(age)}, 缴费 {n // 12}y{n % 12}m)",
             f"  基础养老金 basic part: {format_yuan(p.basic_part)}",
             f"  个人账户养老金 account part: {format_yuan(p.account_part)} (计发月数 months divisor {p.months_divisor})"]
    if coefficient is not None:
        lines.append(f"  过渡性养老金 transitional part: {format_yuan(p.transitional_part)}")
    lines += [f"  合计 total: {format_yuan(p.total)}", f"  规则版本 rule version: {params.short_version}…"]
    return Outcome({"basic": format_yuan(p.basic_part), "account": format_yuan(p.account_part),
                    "transitional": format_yuan(p.transitional_part), "total": format_yuan(p.total),
                    "divisor": f"{p.months_divisor:f}"}, lines)


def _period(text: str) -> transfer_rules.RegionPeriod:
    """``REGION:MONTHS`` or ``REGION:MONTHS:temp`` (months held in a temporary account there)."""
    parts = canonical(text).split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].lower() != "temp"):
        raise Invalid(f"--periods must be REGION:MONTHS or REGION:MONTHS:temp (e.g. 440300:130), got {text!r}")
    region = transfer_rules.region_code(parts[0], f"--periods {text}: the region")
    if not is_ascii_digits(parts[1]):
        raise Invalid(f"--periods {text}: the months must be a whole number ≥ 0, got {parts[1]!r}")
    return transfer_rules.RegionPeriod(region, int(parts[1]), len(parts) == 3)


RULE_NAMES = {1: "关系在户籍所在省 relationship in the household-register province",
              2: "关系所在地累计缴费满10年 10 years or more in the current region",
              3: "最后一个缴费满10年的参保地 the last region with 10 years or more",
              4: "户籍所在地 the household-register province (no region with 10 years)"}


def benefit_place(hukou: str, periods: list[str], current: str | None = None) -> Outcome:
    """The place of benefit (国办发〔2009〕66号 第六条); `periods` in the order they happened. Without `current`, the
    relationship is taken to be in the last period outside a temporary account (66号 第五条 keeps it there)."""
    if not periods:
        raise Invalid("--periods: give at least one REGION:MONTHS")
    hukou = transfer_rules.region_code(hukou, "--hukou", allow_province=True)
    given = [_period(text) for text in periods]
    here = None if current is None else transfer_rules.region_code(current, "--current")
    result = transfer_rules.benefit_place(hukou, given, here)
    b = result.value
    temporary = set(b.temporary_only)
    lines = [f"待遇领取地 / place of benefit: {b.benefit_region}",
             f"  规则 rule ({b.rule}): {RULE_NAMES[b.rule]}",
             f"  {result.trace.steps[-1].formula}",
             "  各地累计缴费月数 months by region: " + "; ".join(
                 f"{region} {months}" + (" (临时账户 temporary account)" if region in temporary else "")
                 for region, months in b.months_by_region.items())]
    return Outcome(b.as_json(), lines)


# --- the command -------------------------------------------------------------------------------------------


class RulesParser(CommandParser):
    """A usage error exits 1 (argparse's default is 2), with the message on stderr and, with --json, in JSON."""

    command: Command | None = None

    def error(self, message):
        if not self.called_from_command_line:
            raise CommandError(f"Error: {message}")
        command = self.command
        out = command.stdout if command else sys.stdout
        err = command.stderr if command else sys.stderr
        argv = command.argv if command else sys.argv
        if "--json" in argv:
            action = next((arg for arg in argv[2:] if arg in KEYS), None)
            data = _failure(action, message).data if action else {"error": message}
            out.write(json.dumps(data, ensure_ascii=False))
        self.print_usage(err)
        err.write(f"{self.prog}: 错误 error: {message}")
        sys.exit(1)


class Command(BaseCommand):
    help = ("规则计算器 The rules engine on the command line: check-id, check-uscc, retirement, base, interest, account-year, "
            "late-fee, pension, benefit-place. Exit 0 on success, 1 for invalid identifiers or input.")
    requires_system_checks = []  # pure computation: no database, no keys
    missing_args_message = ("give a subcommand: check-id, check-uscc, retirement, base, interest, account-year, late-fee, "
                            "pension or benefit-place")
    argv: list[str] = []

    def run_from_argv(self, argv):
        self.argv = list(argv)
        super().run_from_argv(argv)

    def create_parser(self, prog_name, subcommand, **kwargs):
        self._subparsers = []
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = RulesParser
        for each in (parser, *self._subparsers):
            each.command = self
        return parser

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", parser_class=RulesParser, required=True, metavar="SUBCOMMAND")

        def add(name, help_text):
            each = sub.add_parser(name, help=help_text, description=help_text)
            each.add_argument("--json", action="store_true", help="print one JSON object")
            self._subparsers.append(each)
            return each

        each = add("check-id", "检查公民身份号码 check a resident ID number (GB 11643)")
        each.add_argument("id_number", metavar="ID")
        each = add("check-uscc", "检查统一社会信用代码 check a unified social credit code (GB 32100)")
        each.add_argument("code", metavar="CODE")
        each = add("retirement", "法定退休年龄 statutory retirement age and month (2025 reform)")
        each.add_argument("--birth", required=True, metavar="YYYY-MM", help="birth month")
        each.add_argument("--category", required=True, metavar="|".join(RETIREMENT_CATEGORIES),
                          help="male (60), female55 (cadre-type posts), female50 (worker-type posts)")
        each.add_argument("--region", metavar="R", help="pooling region whose retirement parameters apply (default: national)")
        each = add("base", "缴费基数与缴费额 contribution base and amounts (pension insurance)")
        each.add_argument("--wage", required=True, metavar="W", help="prior-year monthly average wage, yuan")
        each.add_argument("--average", metavar="A", help="reference average wage, yuan (default: the region/year's)")
        each.add_argument("--region", metavar="R", help="6-digit region code (default: national rates)")
        each.add_argument("--year", type=whole_number, metavar="Y", help="parameter year (default: the latest)")
        each.add_argument("--month", type=whole_number, metavar="M", help="month of the year (default: the year's last rates)")
        each.add_argument("--insurance-type", default="pension", metavar="|".join(INSURANCE_TYPES))
        each.add_argument("--category", default="employee", metavar="|".join(CATEGORIES), dest="worker_category")
        each = add("interest", "个人账户记账利息 individual account crediting for one year")
        each.add_argument("--prior", required=True, metavar="P", help="balance at the end of the prior year, yuan")
        each.add_argument("--rate", required=True, metavar="R", help="crediting rate: 0.0262 or 2.62%%")
        each.add_argument("--credits", required=True, metavar="c1,…,c12", help="the monthly credits, comma-separated")
        each.add_argument("--method", default="monthly", metavar="monthly|annual")
        each.add_argument("--months", type=whole_number, default=12, metavar="M", help="part year: months credited (monthly method)")
        each.add_argument("--rounding", default="half_up", metavar="|".join(ROUNDING_MODES))
        each = add("account-year", "个人账户年度记账 one account year from its paid credits, at the region's rate")
        each.add_argument("--region", required=True, metavar="R", help="6-digit region code (or national)")
        each.add_argument("--year", required=True, type=whole_number, metavar="Y", help="the year credited")
        each.add_argument("--prior", required=True, metavar="P", help="balance at the end of the prior year, yuan")
        each.add_argument("--credit", action="append", default=[], metavar="PERIOD=AMOUNT@PAID_ON",
                          help="a paid credit, e.g. 2024-12=800.00@2025-01-10 (repeatable)")
        each.add_argument("--interest-from", metavar="arrival|period", help="default: the region's [crediting] interest_from")
        each.add_argument("--method", metavar="monthly|annual", help="default: the region's [crediting] method")
        each = add("late-fee", "滞纳金 the late fee on a contribution paid after its due date (0.05%% a day)")
        each.add_argument("--amount", required=True, metavar="A", help="the amount paid late, yuan")
        each.add_argument("--due", required=True, metavar="YYYY-MM-DD", help="the due date")
        each.add_argument("--paid", required=True, metavar="YYYY-MM-DD", help="the payment date")
        each = add("pension", "基本养老金 monthly basic pension at retirement")
        each.add_argument("--base", metavar="C", help="pension calculation base (计发基数), yuan")
        each.add_argument("--index", required=True, metavar="I", help="average contribution wage index")
        each.add_argument("--months", required=True, metavar="N", help="contribution months, deemed included")
        each.add_argument("--balance", required=True, metavar="B", help="individual account balance, yuan")
        each.add_argument("--age", required=True, metavar="A", help="age at retirement: 60 or 60y1m")
        each.add_argument("--deemed-months", default="0", metavar="D", help="deemed months (for a transitional part)")
        each.add_argument("--transitional-coefficient", metavar="K", help="transitional coefficient (default: the region's)")
        each.add_argument("--region", metavar="R")
        each.add_argument("--year", type=whole_number, metavar="Y")
        each.add_argument("--rounding", metavar="|".join(ROUNDING_MODES), help="default: the parameters' pension rounding")
        each = add("benefit-place", "待遇领取地 place of benefit after transfers between regions (66号 第六条)")
        each.add_argument("--hukou", required=True, metavar="NN", help="household-register province (2 digits) or region (6)")
        each.add_argument("--periods", required=True, action="extend", nargs="+", metavar="REGION:MONTHS[:temp]",
                          help="months per region in the order they happened, :temp for a temporary account (repeatable)")
        each.add_argument("--current", metavar="REGION",
                          help="region holding the relationship (default: the last period outside a temporary account)")

    def _run(self, action: str, o: dict) -> Outcome:
        if action == "check-id":
            return check_id(o["id_number"])
        if action == "check-uscc":
            return check_uscc(o["code"])
        if action == "retirement":
            return retirement(o["birth"], o["category"], o["region"])
        if action == "base":
            return base(o["wage"], o["average"], o["region"], o["year"], o["month"], o["insurance_type"], o["worker_category"])
        if action == "interest":
            if o["method"] not in crediting.METHODS:
                raise Invalid(f"--method must be monthly or annual, got {o['method']!r}")
            if o["rounding"] not in ROUNDING_MODES:
                raise Invalid(f"--rounding must be one of {', '.join(ROUNDING_MODES)}, got {o['rounding']!r}")
            return interest(o["prior"], o["rate"], o["credits"], o["method"], o["months"], o["rounding"])
        if action == "account-year":
            return account_year(o["region"], o["year"], o["prior"], o["credit"], o["interest_from"], o["method"])
        if action == "late-fee":
            return late_fee(o["amount"], o["due"], o["paid"])
        if action == "benefit-place":
            return benefit_place(o["hukou"], o["periods"], o["current"])
        if o["rounding"] is not None and o["rounding"] not in ROUNDING_MODES:
            raise Invalid(f"--rounding must be one of {', '.join(ROUNDING_MODES)}, got {o['rounding']!r}")
        return pension(o["base"], o["index"], o["months"], o["balance"], o["age"], o["deemed_months"],
                       o["transitional_coefficient"], o["region"], o["year"], o["rounding"])

    def handle(self, *args, **options):
        action = options["action"]
        try:
            outcome = self._run(action, options)
        except (Invalid, InvalidInput, ParameterError) as error:
            outcome = _failure(action, str(error))
        if options["json"]:
            self.stdout.write(json.dumps(outcome.data, ensure_ascii=False))
        elif outcome.ok:
            for line in outcome.lines:
                self.stdout.write(line)
        if not outcome.ok:
            self.stderr.write(f"错误 Error: {outcome.error}")
            raise SystemExit(1)
