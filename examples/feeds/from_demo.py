#!/usr/bin/env python
"""Write the sample feeds of examples/feeds/ from the demo's record (the demo is deterministic, so are they).

    SIRECORDS_HOME=/tmp/demo .venv/bin/sirecords init && SIRECORDS_HOME=/tmp/demo .venv/bin/sirecords demo --load-only
    SIRECORDS_HOME=/tmp/demo .venv/bin/python examples/feeds/from_demo.py

Imported into the demo in the order of ORDER (`sirecords crosscheck import KIND FILE …`, docs/crosscheck.md), they
queue at least one discrepancy of every kind: the departments report a pensioner's death and, later, its revocation; an
imprisonment and, later, the release; an insured worker's death; a unit closed; the collector's report of 2025-12 with
one row different, one missing and one extra; a changed ID number; the establishment of the demo's school; a pension
payment the bank returned; and numbers nobody is registered with.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (kind, file, --period): the order the files are imported in
ORDER = (("person_events", "person_events.csv", ""), ("employer_status", "employer_status.csv", ""),
         ("tax_paid", "tax_paid.csv", "2025-12"), ("id_changes", "id_changes.csv", ""),
         ("establishment", "establishment.csv", ""), ("payment_returns", "payment_returns.csv", ""),
         ("person_events", "person_events-later.csv", ""))
NOBODY = ("11010519491231002X", "110105195506150037")  # numbers the demo does not register (valid check characters)


def write(name: str, header: str, rows: list[str]) -> None:
    (HERE / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def main() -> int:
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings.demo")
    import django

    django.setup()
    from sirecords.benefits.models import Award, Payment
    from sirecords.contributions.counted import counted_rows
    from sirecords.contributions.models import Contribution
    from sirecords.core.identifiers import make_id_number, parse_id_number
    from sirecords.core.money import fen_to_yuan
    from sirecords.demo.load import SCHOOL
    from sirecords.registry.models import Employer, EmployerScheme, Employment, Person

    persons = {person.uid: person for person in Person.objects.all()}
    awards = list(Award.objects.filter(status="active").order_by("start_month", "uid"))
    died, imprisoned, returned = (persons[award.person_id] for award in awards[:3])
    drawing = {award.person_id for award in Award.objects.all()}
    employed = {row.person_id for row in Employment.objects.filter(end__isnull=True)}
    worker = next(p for uid, p in sorted(persons.items()) if uid in employed and uid not in drawing)
    write("person_events.csv", "id_number,name,event,event_on,source,reference", [
        f"{died.id_number},{died.name},died,2026-09-10,civil_affairs,MZ-2026-0910",
        f"{imprisoned.id_number},{imprisoned.name},imprisoned,2026-08-03,justice,SF-2026-0803",
        f"{worker.id_number},{worker.name},died,2025-08-15,health,WJ-2025-0815",
        f"{NOBODY[0]},王五,died,2026-06-01,public_security,GA-2026-0601"])
    write("person_events-later.csv", "id_number,name,event,event_on,source,reference", [
        f"{imprisoned.id_number},{imprisoned.name},released,2026-11-20,justice,SF-2026-1120",
        f"{died.id_number},{died.name},death_revoked,2026-11-25,court,FY-2026-1125"])

    # A unit with people still employed, deregistered by market regulation.
    open_units = sorted({row.employer_id for row in Employment.objects.filter(end__isnull=True)})
    closing = Employer.objects.filter(uid__in=open_units, scheme=EmployerScheme.ENTERPRISE).order_by("uscc").first()
    write("employer_status.csv", "uscc,name,status,effective_on,reference",
          [f"{closing.uscc},{closing.name},deregistered,2026-10-31,SC-2026-1031"])

    # The collector's report of 2025-12: the record's paid rows, but one different, one left out and one extra.
    units = dict(Employer.objects.values_list("uid", "uscc"))
    rows = []
    month = counted_rows(Contribution.objects.filter(period="2025-12")).order_by("person_id", "insurance_type", "employer_id")
    for number, row in enumerate(month):
        individual = row.individual_fen + (10000 if number == 1 else 0)
        if number == 2:
            continue
        rows.append(f"{persons[row.person_id].id_number},{units.get(row.employer_id, '')},2025-12,{row.insurance_type},"
                    f"{fen_to_yuan(row.employer_fen)},{fen_to_yuan(individual)},2026-01-15,SW-2025-12-{number:06d}")
        if number == 3:
            rows.append(f"{persons[row.person_id].id_number},{units.get(row.employer_id, '')},2025-12,medical,"
                        f"{fen_to_yuan(row.base_fen * 6 // 100)},{fen_to_yuan(row.base_fen * 2 // 100)},2026-01-15,"
                        f"SM-2025-12-{number:06d}")
    rows.append(f"{NOBODY[1]},,2025-12,pension,0.00,1200.00,2026-01-15,SU-2025-12-000001")
    write("tax_paid.csv", "id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference", rows)

    # Public security changed a worker's number (same birth date and sex: another sequence).
    changing = next(p for uid, p in sorted(persons.items(), reverse=True) if uid in employed and p.uid != worker.uid)
    old = parse_id_number(changing.id_number)
    sequence = (int(old.normalized[14:17]) + 2) % 1000
    new = make_id_number(old.normalized[:6], old.birth_date, sequence)
    write("id_changes.csv", "old_id_number,new_id_number,changed_on,reference", [f"{old.normalized},{new},2026-10-12,GA-2026-1012"])

    # The staffing authority's establishment of the demo's school: one teacher listed, one listed as not on it, and a
    # person employed by an enterprise listed as on it.
    school = Employer.objects.get(uscc=SCHOOL["uscc"])
    teachers = [persons[uid] for uid in Employment.objects.filter(employer_id=school.uid).order_by("person_id")
                .values_list("person_id", flat=True)]
    write("establishment.csv", "uscc,id_number,on_establishment,effective_on,reference", [
        f"{school.uscc},{teachers[0].id_number},yes,2026-01-01,BZ-2026-0001",
        f"{school.uscc},{teachers[1].id_number},no,2026-07-01,BZ-2026-0002",
        f"{school.uscc},{worker.id_number},yes,2026-01-01,BZ-2026-0003",
        f"{school.uscc},{NOBODY[1]},yes,2026-01-01,BZ-2026-0004"])

    # The bank returned a pension payment (the account closed).
    payment = Payment.objects.filter(person_id=returned.uid).order_by("-month").first()
    write("payment_returns.csv", "id_number,month,amount,reason,reference", [
        f"{returned.id_number},{payment.month},{fen_to_yuan(payment.amount_fen + payment.back_pay_fen)},account_closed,"
        f"BK-{payment.month}-0001",
        f"{NOBODY[0]},{payment.month},1500.00,other,BK-{payment.month}-0002"])
    print(f"wrote {', '.join(name for _kind, name, _period in ORDER)} in {HERE} ({date.today()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
