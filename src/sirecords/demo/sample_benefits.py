"""A retiree for tests: 127 months of deemed service (1982-01 to 1992-07) and five years of contributions
(2019-06 to 2024-05, kept short so the set-up is quick) posted through the reviewed collection import, each
full year before the retirement year credited by a reviewed crediting run, then a retirement approved
through the four review stages (the retirement year's months credited as a part year). The deemed service
is recognised before it unless `deemed` is None (then give `months` ≥ 180). Returns the award's uid."""

from __future__ import annotations

from datetime import date

REGION = "440300"


def post_sample_award(make_staff, region: str = REGION, *, months: int = 60, last: str = "2024-05",
                      birth: date = date(1964, 6, 15), deemed: tuple[str, str] | None = ("1982-01", "1992-07")) -> str:
    """`make_staff(username, *roles)` returns an Actor (the tests' `staff` fixture). The person is a man born
    in June 1964 (statutory retirement 2024-06); his paid months end in `last`."""
    from sirecords.accounts import services as crediting_runs
    from sirecords.benefits.models import Award
    from sirecords.contributions.services import import_file
    from sirecords.core.identifiers import make_id_number, make_uscc
    from sirecords.core.periods import Month
    from sirecords.demo.crew import crew
    from sirecords.demo.sample_contributions import collection_csv
    from sirecords.engine.params import load_params
    from sirecords.parameters.models import RuleParameterSet
    from sirecords.parameters.queries import params_for_month
    from sirecords.parameters.services import open_parameter_load
    from sirecords.registry.queries import find_person_by_id_number

    team = crew(make_staff, "award", region)
    clerk, maintainer, approve, with_document = team.clerk, team.maintainer, team.approve, team.open_approved

    end = Month.parse(last)
    periods = [end - k for k in range(months)][::-1]
    # The sets of the contribution months, of the credited and retirement years, and the latest (retirement ages,
    # deemed-service and subsidy rules).
    needed = [params_for_month(region, month.year, month.month) for month in periods]
    needed += [load_params(region, year) for year in range(periods[0].year, periods[-1].year + 2)] + [load_params(region)]
    for params in needed:
        if not RuleParameterSet.objects.filter(pk=params.version).exists():
            approve(open_parameter_load(maintainer, region, params.year, "sample parameters", params=params))
    number = make_id_number("440305", birth, 511)
    uscc = make_uscc("9", "1", region, "MA5T0511")
    with_document("register_person", {"id_number": number, "name": "样例退休", "region": "440305"}, "id_card")
    with_document("register_employer", {"uscc": uscc, "name": "样例退休公司", "region": "440305"}, "business_licence")
    rows = [(number, uscc, str(m), "pension", 900000, f"{m}-15") for m in periods]
    outcome = import_file(clerk, collection_csv(rows, region), reason="sample", file_name="retiree.csv", region=region)
    if not outcome.ok:
        raise ValueError("; ".join(outcome.prepared.report_lines()) or outcome.refused)
    approve(outcome.txn)
    for year in range(periods[0].year, periods[-1].year + (1 if periods[-1].month == 12 else 0)):
        prepared = crediting_runs.prepare(maintainer, year, region=region, reason="sample crediting")
        if prepared.txn is not None:
            approve(prepared.txn)
    person = find_person_by_id_number(number).uid
    if deemed:
        with_document("recognise_deemed_service", {"person": person, "start": deemed[0], "end": deemed[1],
                                                   "work_unit": "样例国营工厂"}, "personnel_archive")
    retirement = Month(birth.year + 60, birth.month)
    with_document("approve_retirement", {"person": person, "category": "male", "retirement_month": str(retirement),
                                         "flexible": False}, "id_card")
    return Award.objects.get(person_id=person).uid
