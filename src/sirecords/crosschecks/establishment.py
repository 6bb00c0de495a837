"""establishment (机构编制, the staffing authority): who is on a public institution's establishment (编制), against who the
record enrolls in the public-institution pension scheme (AAE140 120: employed by a unit registered in that scheme).

- `establishment_not_enrolled` — a row `yes` for a registered person not employed on `effective_on` by that unit as
  a unit of the scheme (employed elsewhere, by an enterprise, or the unit not registered in the scheme);
- `not_on_establishment` — a row `no` for a person the unit employs in the scheme on `effective_on`; and each person
  the unit employs in the scheme today whom the file does not list at all, when the file lists that unit (a file is
  the establishment of the units it names);
- `unknown_person` — a row for a number nobody is registered with (key `establishment:<effective_on>`), masked.

Set-based: the rows' persons a chunk at a time by blind index, their employment periods in one query a chunk, the
units by credit code and their employees in the scheme in one query each.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sirecords.core.identifiers import mask_id_number
from sirecords.crosschecks.matching import Comparison, chunks, persons_by_number
from sirecords.crypto.sealing import blind_index
from sirecords.registry.models import Employer, EmployerScheme, Employment


def compare(rows: list[dict], comparison: Comparison) -> None:
    units = {employer.uscc: employer for employer in Employer.objects.filter(uscc__in={row["uscc"] for row in rows})}
    listed: dict[str, set[str]] = defaultdict(set)  # unit uid → persons the file lists for it
    latest: dict[str, tuple[str, str, int]] = {}  # unit uid → (effective_on, reference, line) of its latest row
    for block in chunks(rows):
        persons = persons_by_number(row["id_number"] for row in block)
        periods = defaultdict(list)
        for person, unit, begun, ended in Employment.objects.filter(
                person_id__in=[p.uid for p in persons.values()]).values_list("person_id", "employer_id", "start", "end"):
            periods[person, unit].append((begun, ended))
        for row in block:
            person = persons.get(row["id_number"])
            facts = {"unit": row["uscc"], "effective_on": row["effective_on"], "reference": row["reference"]}
            if person is None:
                comparison.found("unknown_person", f"idx:{blind_index('id_number', row['id_number'])}",
                                 f"establishment:{row['effective_on']}",
                                 {**facts, "feed": "establishment", "id_number": mask_id_number(row["id_number"]),
                                  "on_establishment": row["on_establishment"]}, line=row["line"])
                continue
            unit = units.get(row["uscc"])
            on = date.fromisoformat(row["effective_on"])
            enrolled = (unit is not None and unit.scheme == EmployerScheme.PUBLIC_INSTITUTION
                        and any(begun <= on and (ended is None or ended >= on) for begun, ended in periods[person.uid, unit.uid]))
            if unit is not None:
                listed[unit.uid].add(person.uid)
                if unit.uid not in latest or latest[unit.uid][0] < row["effective_on"]:
                    latest[unit.uid] = (row["effective_on"], row["reference"], row["line"])
            subject = f"person:{person.uid}"
            if row["on_establishment"] and not enrolled:
                comparison.found("establishment_not_enrolled", subject, row["effective_on"],
                                 {**facts, "unit_registered": unit is not None,
                                  "unit_scheme": unit.scheme if unit else None}, line=row["line"])
            elif not row["on_establishment"] and enrolled:
                comparison.found("not_on_establishment", subject, row["effective_on"], {**facts, "listed": True},
                                 line=row["line"])
            else:
                comparison.no_action += 1
    _not_listed(units, listed, latest, comparison)


def _not_listed(units: dict[str, Employer], listed: dict[str, set[str]], latest: dict[str, tuple[str, str, int]],
                comparison: Comparison) -> None:
    """The persons each listed unit of the scheme employs today whom the file does not list (one query)."""
    public = {unit.uid: unit for unit in units.values()
              if unit.scheme == EmployerScheme.PUBLIC_INSTITUTION and unit.uid in latest}
    today = comparison.today
    employed = (Employment.objects.filter(employer_id__in=list(public), start__lte=today)
                .exclude(end__lt=today).values_list("employer_id", "person_id").distinct())
    for unit, person in sorted(employed):
        if person in listed[unit]:
            continue
        effective_on, reference, line = latest[unit]
        comparison.found("not_on_establishment", f"person:{person}", effective_on,
                         {"unit": public[unit].uscc, "effective_on": effective_on, "reference": reference,
                          "listed": False}, line=line)
