"""Writing collection files whose amounts are the engine's: examples/, the tests and bench/ingest.py."""

from __future__ import annotations

import io
from collections.abc import Iterable

from sirecords.contributions.calc import Calculator
from sirecords.contributions.collection import COLUMNS
from sirecords.core.money import fen_to_yuan
from sirecords.parameters.queries import params_for_month


def collection_csv(rows: Iterable[tuple[str, str, str, str, int, str]], region: str, *, bom: bool = False) -> bytes:
    """rows: (id_number, uscc or "", period YYYY-MM, insurance_type, wage in fen, paid_on). The category
    is flexible when uscc is empty. Base and amounts are computed as the engine does."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    calculators: dict = {}
    write = out.write
    for id_number, uscc, period, insurance_type, wage, paid_on in rows:
        category = "employee" if uscc else "flexible"
        key = (period, insurance_type, category)
        calculator = calculators.get(key)
        if calculator is None:
            calculator = calculators[key] = Calculator(params_for_month(region, int(period[:4]), int(period[5:])),
                                                       insurance_type, category)
        a = calculator.amounts(wage)
        write(f"{id_number},{uscc},{period},{insurance_type},{category},{fen_to_yuan(wage)},{fen_to_yuan(a.base_fen)},"
              f"{fen_to_yuan(a.employer_fen)},{fen_to_yuan(a.individual_fen)},{paid_on}\n")
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def post_sample_batch(make_staff, region: str = "440300", year: int = 2024):
    """Tests and the demo: load `year`'s parameters, register one person and employer, and post a small
    collection file through the reviewed transactions. `make_staff(username, *roles)` returns an Actor
    (the tests' `staff` fixture). Returns the posted import transaction."""
    from datetime import date

    from sirecords.contributions.services import import_file
    from sirecords.core.identifiers import make_id_number, make_uscc
    from sirecords.demo.crew import crew
    from sirecords.parameters.services import open_parameter_load

    team = crew(make_staff, "sample", region)
    clerk, approve, register = team.clerk, team.approve, team.open_approved

    approve(open_parameter_load(team.maintainer, region, year, "sample parameters"))
    number = make_id_number("440305", date(1984, 4, 4), 404)
    uscc = make_uscc("9", "1", region, "MA5T0404")
    register("register_person", {"id_number": number, "name": "样例", "region": "440305"}, "id_card")
    register("register_employer", {"uscc": uscc, "name": "样例公司", "region": "440305"}, "business_licence")
    rows = [(number, uscc, f"{year}-{m:02d}", "pension", 800000, f"{year}-{m:02d}-15") for m in (1, 2)]
    outcome = import_file(clerk, collection_csv(rows, region), reason="sample", file_name="sample.csv", region=region)
    if not outcome.ok:
        raise ValueError("; ".join(outcome.prepared.report_lines()) or outcome.refused)
    return approve(outcome.txn)
