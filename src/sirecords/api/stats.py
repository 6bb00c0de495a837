"""De-identified statistics for administrative use (第十七条): `GET /api/stats?by=region,year&measure=persons`.

For query officers and supervisors, and service tokens of such accounts holding the scope ``stats:read`` (the
administrative department's statistics client). The rows cover the pooling regions where the caller holds one of
those roles; cells resting on fewer than the minimum persons, and those that would reveal one by subtraction, come
back with ``value`` null and ``suppressed`` true. No person is read: each request is recorded in the access log under
the subject ``stats`` (stats/services.py). An unknown dimension or measure is answered 422 naming the field.
"""

from __future__ import annotations

from ninja import Query, Router, Schema

from sirecords.api.operations import endpoint
from sirecords.api.rules import STATS_ROLES
from sirecords.api.schemas import Problem
from sirecords.stats.services import StatsRefused, compute
from sirecords.transactions.actors import ANY_REGION
from sirecords.transactions.posting import InvalidTransaction

CHANNEL = "api"

router = Router(tags=["statistics"])


class StatsOut(Schema):
    measure: str
    label: str
    by: list[str]
    min_cell: int
    year: int | None
    unit: str
    suppressed: int
    rows: list[dict]


def regions_of(actor) -> list[str] | None:
    """The pooling regions whose rows the caller may count: where they hold a statistics role; None for all."""
    regions = {region for role in STATS_ROLES for region in actor.regions_for(role)}
    return None if ANY_REGION in regions else sorted(regions)


@endpoint(router, "GET", "/stats", "stats", response={200: StatsOut, 401: Problem, 403: Problem, 422: Problem},
          summary="De-identified statistics: a measure by whitelisted dimensions, small cells withheld (第十七条)")
def stats(request, by: str = Query(..., description="dimensions, comma-separated: region, year, insurance_type, sex, "
                                                     "age_band"),
          measure: str = Query(..., description="persons, contribution_total, account_balance_total, "
                                                "pensions_paid_count or pensions_paid_total"),
          min_cell: int | None = Query(None, description="the fewest persons a published cell may rest on"),
          year: int | None = Query(None, description="only this year")):
    caller = request.auth
    dimensions = [name.strip() for name in by.split(",") if name.strip()]
    try:
        table = compute(caller.actor.username, dimensions, measure.strip(), channel=CHANNEL, min_cell=min_cell,
                        year=year, regions=regions_of(caller.actor))
    except StatsRefused as error:
        raise InvalidTransaction({error.field: error.message}) from error
    return table.as_dict()
