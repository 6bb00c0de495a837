"""Without the region's parameter sets loaded through the ledger, the estimate is unavailable and says which set:
a computation uses only values the ledger holds (parameters/queries.params_in_ledger)."""

from datetime import date

from sirecords.records.estimate import DEFAULT_GROWTH, estimate_for
from sirecords.registry.models import Person

from ..benefits.conftest import person_with_months  # noqa: F401  (no module_params here: nothing is loaded)


def test_a_parameter_set_not_loaded_makes_it_unavailable_naming_the_set(person_with_months):  # noqa: F811
    person = Person.objects.get(uid=person_with_months(200))
    answer = estimate_for(person, DEFAULT_GROWTH, today=date(2024, 6, 1))
    assert answer["status"] == "unavailable" and answer["estimate"] is None
    assert "is not loaded" in answer["reason"] and "440300/" in answer["reason"]
