"""A person's record as shown on the staff pages and returned by the API (第二条; issue 4 §6): the
timeline of registrations, employment and changes from the ledger; the monthly contributions; the
account statement per year (the latest crediting run's row is current); the contribution years with
their trace; and, when the benefits app is installed, the pension with its trace.

Every figure is read from what the system computed and recorded; nothing is recomputed here. Money is
integer fen in the database and a yuan string with two decimals here.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, F, Sum

from sirecords.accounts.kinds import DEEMED_SERVICE_RECOGNISED
from sirecords.accounts.models import AccountYear
from sirecords.accounts.years import contribution_years
from sirecords.benefits.kinds import ACCOUNT_CLOSED, ELIGIBILITY_APPROVED, PENSION_AWARDED, PENSION_RECOMPUTED
from sirecords.contributions import counted
from sirecords.contributions.models import Contribution
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.engine.params import ParameterError, load_params
from sirecords.ledger.models import Entry
from sirecords.records.summary import summary
from sirecords.registry.kinds import EMPLOYMENT_ENDED, EMPLOYMENT_STARTED, PERSON_CHANGED, PERSON_REGISTERED
from sirecords.registry.models import Employer, Person
from sirecords.subsidies.kinds import SUBSIDY_GRANTED

TIMELINE_KINDS = (PERSON_REGISTERED, PERSON_CHANGED, EMPLOYMENT_STARTED, EMPLOYMENT_ENDED,
                  DEEMED_SERVICE_RECOGNISED, ELIGIBILITY_APPROVED, ACCOUNT_CLOSED,
                  SUBSIDY_GRANTED)


def header(person: Person) -> dict[str, Any]:
    return {"uid": person.uid, "id_number": person.masked_id_number, "name": person.name, "sex": person.sex,
            "birth_date": person.birth_date.isoformat(), "region": person.region, "pooling_region": person.pooling_region,
            "registered_on": person.registered_on.isoformat()}


def timeline(person: Person) -> list[dict[str, Any]]:
    """Registrations, employment periods and changes or corrections, from the ledger, in order."""
    # The employer's name of each employment period and, so that a scope (queries/scopes.py) can keep one employer's
    # events by its uid, which employer it is: one query.
    jobs = list(person.employments.values_list("uid", "employer__name", "employer_id"))
    employers = {uid: name for uid, name, _employer in jobs}
    employer_uids = {uid: employer for uid, _name, employer in jobs}
    events = []
    for entry in Entry.objects.filter(subject=f"person:{person.uid}").order_by("seq"):
        if entry.kind not in TIMELINE_KINDS:
            continue
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            payload = {}
        detail, extra = "", {}
        if entry.kind in (EMPLOYMENT_STARTED, EMPLOYMENT_ENDED):
            detail = employers.get(payload.get("employment", ""), "")
            extra = {"employer_uid": employer_uids.get(payload.get("employment", ""), "")}
        elif entry.kind == PERSON_CHANGED:
            detail = ", ".join(sorted((payload.get("changes") or {}).keys()))
        elif entry.kind == DEEMED_SERVICE_RECOGNISED:
            detail = f"{payload.get('start')} – {payload.get('end')} {payload.get('work_unit', '')}"
        elif entry.kind == ELIGIBILITY_APPROVED:
            detail = f"{payload.get('start_month')} · {payload.get('contribution_months')} / {payload.get('minimum_months')}"
        elif entry.kind == SUBSIDY_GRANTED:
            detail = f"{payload.get('scheme')} {payload.get('start')} – {payload.get('end')} · {yuan(payload.get('total_fen'))}"
        events.append({"seq": entry.seq, "kind": entry.kind, "date": entry.effective or entry.recorded_at[:10],
                       "recorded_at": entry.recorded_at, "detail": detail, "txn": entry.txn, "reason": entry.reason, **extra})
    return events


def contribution_years_of(person: Person) -> list[int]:
    return sorted({int(period[:4]) for period in
                   Contribution.objects.filter(person_id=person.uid).values_list("period", flat=True).distinct()})


def contributions(person: Person, year: int | None = None) -> list[dict[str, Any]]:
    # Whether each row counts, is a month in arrears, or is reversed: counted.py's one definition, in the same query,
    # the row's reversal joined once. Read as tuples (no model instance per row: a 30-year record has 1,800 rows).
    counts, arrears, is_reversed = counted.joined_flags("c", "rv")
    where, params = "c.person_id = %s", [person.uid]
    if year is not None:  # a period is YYYY-MM (contribution_period_yyyy_mm): the year's months, by the month index
        where, params = where + " AND c.period BETWEEN %s AND %s", [*params, f"{year:04d}-01", f"{year:04d}-12"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.period, c.insurance_type, c.employer_id, c.base_fen, c.employer_fen, c.individual_fen, "  # nosec B608 # counted.py constant SQL; values bound
            f"c.account_credit_fen, c.paid_on, c.kind, c.late_fee_fen, {counts}, {arrears}, {is_reversed} "
            f"FROM {counted.TABLE} c JOIN contributions_batch b ON b.uid = c.batch_id {counted.reversal_join('c', 'rv')} "
            f"WHERE {where} ORDER BY c.period, c.insurance_type, c.employer_id, b.entry_seq, c.row_number", params)
        rows = cursor.fetchall()
    # By name: the employers the person was employed by, and any other employer a collection file named.
    ids = {row[2] for row in rows if row[2]}
    employers = dict(Employer.objects.filter(uid__in=ids).values_list("uid", "name")) if ids else {}
    formatted: dict[int, str] = {}  # a record repeats few amounts (the base, its shares, zeros): each formatted once

    def amount(fen: int) -> str:
        text = formatted.get(fen)
        if text is None:
            text = formatted[fen] = yuan(fen)
        return text

    return [{"period": period, "insurance_type": insurance_type, "employer": employers.get(employer_id, employer_id or ""),
             "employer_uid": employer_id,
             "base": amount(base), "employer_amount": amount(employer_fen), "individual_amount": amount(individual_fen),
             "account_credit": amount(credit), "paid_on": paid_on, "kind": kind,
             "late_fee": amount(late_fee), "late_fee_fen": late_fee, "counts": bool(counts),
             "in_arrears": bool(arrears), "reversed": bool(reversed_)}
            for (period, insurance_type, employer_id, base, employer_fen, individual_fen, credit, paid_on, kind, late_fee,
                 counts, arrears, reversed_) in rows]


def current_account_years(person_uid: str) -> list[AccountYear]:
    """The current row per year: the latest crediting run's (highest run_seq)."""
    current: dict[int, AccountYear] = {}
    for row in AccountYear.objects.filter(person_id=person_uid).order_by("year", "run_seq"):
        current[row.year] = row
    return [current[year] for year in sorted(current)]


def statement(person: Person) -> list[dict[str, Any]]:
    return [{"year": row.year, "opening": yuan(row.opening_fen), "credits": yuan(row.credits_fen),
             "interest_on_prior": yuan(row.interest_on_prior_fen), "interest_on_credits": yuan(row.interest_on_credits_fen),
             "closing": yuan(row.closing_fen), "months": row.months, "rate": row.rate, "rate_status": row.rate_status,
             "method": row.method, "rule_version": row.rule_version}
            for row in current_account_years(person.uid)]


def years(person: Person) -> dict[str, Any]:
    result = contribution_years(person.uid)
    value = result.value
    whole, months = divmod(value.contribution_months, 12)
    return {"actual_months": value.actual_months, "deemed_months": value.deemed_months,
            "total_months": value.contribution_months, "years": whole, "months": months,
            "trace": result.trace.as_dict(), "trace_lines": result.trace.lines()}


def _trace_lines(trace: Any) -> list[str]:
    """Readable lines of a stored trace: a Trace.as_dict(), a Result.as_dict(), or a dict of them."""
    if not isinstance(trace, dict):
        return []
    if "steps" in trace and "rule" in trace:
        lines = [f"{trace['rule']}  (rule version 规则版本: {trace.get('version') or '-'})"]
        for step in trace.get("steps") or []:
            lines += [f"  {step.get('zh', '')} / {step.get('en', '')}", f"      {step.get('formula', '')}"]
        return lines
    if "trace" in trace and isinstance(trace["trace"], dict):
        return _trace_lines(trace["trace"])
    lines = []
    for value in trace.values():
        lines += _trace_lines(value)
    return lines


def deemed_service(person: Person) -> list[dict[str, Any]]:
    """Recognised service before the region's individual-contribution system (视同缴费年限)."""
    if not apps.is_installed("sirecords.benefits"):
        return []
    rows = apps.get_model("accounts", "DeemedService").objects.filter(person_id=person.uid).order_by("start")
    return [{"start": r.start, "end": r.end, "months": r.months, "work_unit": r.work_unit} for r in rows]


def subsidies(person: Person) -> list[dict[str, Any]]:
    """Subsidies received (第二条(二)), per month and insurance type."""
    if not apps.is_installed("sirecords.subsidies"):
        return []
    rows = apps.get_model("subsidies", "Subsidy").objects.filter(person_id=person.uid).order_by("period", "insurance_type")
    titles: dict[tuple[str, str], str] = {}
    for r in rows:
        if (r.region, r.scheme) not in titles:
            try:
                titles[r.region, r.scheme] = load_params(r.region).subsidy_scheme(r.scheme).title
            except ParameterError:  # the scheme is no longer in the region's files: its code
                titles[r.region, r.scheme] = r.scheme
    return [{"period": r.period, "insurance_type": r.insurance_type, "scheme": r.scheme,
             "scheme_title": titles[r.region, r.scheme], "amount": yuan(r.amount_fen),
             "employer_paid": yuan(r.employer_paid_fen), "individual_paid": yuan(r.individual_paid_fen)} for r in rows]


def account_closure(person: Person) -> dict[str, Any] | None:
    """The account closed before retirement (death): the part year and the balance payable to the heirs."""
    if not apps.is_installed("sirecords.benefits"):
        return None
    closure = apps.get_model("benefits", "AccountClosure").objects.filter(person_id=person.uid).first()
    if closure is None:
        return None
    return {"reason": closure.reason, "date": closure.on_date, "year": closure.year, "months": closure.months,
            "balance": yuan(closure.balance_fen)}


def _account_at_retirement(award_uid: str) -> dict[str, Any] | None:
    """The part year credited at the retirement approval, from the ledger entry of the award version in force
    (a recomputation's, else the award's)."""
    entry = (Entry.objects.filter(subject=f"award:{award_uid}", kind__in=(PENSION_AWARDED, PENSION_RECOMPUTED))
             .order_by("-seq").first())
    figures = json.loads(entry.payload).get("account_year") if entry else None
    if not figures:
        return None
    return {"year": figures["year"], "months": figures["months"], "opening": yuan(figures["opening_fen"]),
            "credits": yuan(figures["credits_fen"]), "interest_on_prior": yuan(figures["interest_on_prior_fen"]),
            "interest_on_credits": yuan(figures["interest_on_credits_fen"]), "closing": yuan(figures["closing_fen"]),
            "rate": figures["rate"], "rate_status": figures["rate_status"]}


def pension(person: Person) -> dict[str, Any] | None:
    """The person's latest pension award with its trace ("why is my pension this amount"), its yearly adjustments and
    the payments made, read from the benefits app's projections when that app is installed; None when it is not or
    there is none."""
    if not apps.is_installed("sirecords.benefits"):
        return None
    award = apps.get_model("benefits", "Award").objects.filter(person_id=person.uid).order_by("-start_month", "-last_seq").first()
    if award is None:
        return None
    try:
        trace = json.loads(award.trace)
    except ValueError:
        trace = {}
    adjustments = apps.get_model("benefits", "Adjustment").objects.filter(award_id=award.uid).order_by("year")
    payments = apps.get_model("benefits", "Payment").objects.filter(award_id=award.uid).order_by("-month")
    # How many months were paid and how much in all, summed by the database (served by benefits_payment_award).
    paid = payments.aggregate(made=Count("id"), total=Sum(F("amount_fen") + F("back_pay_fen")))
    versions = apps.get_model("benefits", "Recomputation").objects.filter(award_id=award.uid).order_by("version")
    return {"status": award.status, "start_month": award.start_month, "end_month": award.end_month,
            "basic": yuan(award.basic_fen), "account": yuan(award.account_fen), "transitional": yuan(award.transitional_fen),
            "awarded": yuan(award.awarded_fen), "total": yuan(award.total_fen), "rule_version": award.rule_version,
            "contribution_months": award.contribution_months, "account_at_retirement": _account_at_retirement(award.uid),
            "adjustments": [{"year": a.year, "from_month": a.from_month, "before": yuan(a.before_fen),
                             "increase": yuan(a.increase_fen), "after": yuan(a.after_fen), "back_pay": yuan(a.back_pay_fen)}
                            for a in adjustments],
            "payments": [{"month": pay.month, "amount": yuan(pay.amount_fen), "back_pay": yuan(pay.back_pay_fen)}
                         for pay in payments[:12]],
            "version": award.version,
            "versions": [{"version": v.version, "trigger": v.trigger, "retirement_month": v.retirement_month,
                          "start_month": v.start_month, "from_month": v.from_month, "before": yuan(v.before_fen),
                          "after": yuan(v.after_fen), "months_settled": v.months_settled, "back_pay": yuan(v.back_pay_fen),
                          "overpayment": yuan(v.overpayment_fen)} for v in versions],
            "payments_made": paid["made"], "paid_total": yuan(int(paid["total"] or 0)),  # PostgreSQL sums bigint as numeric
            "trace": trace, "trace_lines": _trace_lines(trace)}


def full_record(person: Person) -> dict[str, Any]:
    record = {"person": header(person), "timeline": timeline(person), "contributions": contributions(person),
              "account_years": statement(person), "contribution_years": years(person), "deemed_service": deemed_service(person),
              "subsidies": subsidies(person), "pension": pension(person), "account_closure": account_closure(person)}
    record["summary"] = summary(person, years=record["contribution_years"], account_years=record["account_years"],
                                pension=record["pension"], account_closure=record["account_closure"])
    return record
