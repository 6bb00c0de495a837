"""The employer's record endpoints (issue #10 §5; 第十四条, 第十五条第三款), for an employer user's bearer token
(api/portal_auth.EmployerBearer; rule EMPLOYER_API):

- `GET /api/employer/contributions?month=YYYY-MM` — the unit's own contributions per month and insurance type with
  arrears (all months without `month`; a bad month is 422 naming `month`);
- `GET /api/employer/employees?page=1&limit=20` — its employees, a page at a time, each with the registration and
  contribution items of their time with the unit only.

The unit is the token's, never a parameter. Both read through portal/employer_reads.py (queries/scopes.py), which
logs one access-log entry per employee answered, under the employer actor, channel "api".
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema
from pydantic import Field

from sirecords.api.portal_auth import portal_endpoint
from sirecords.api.schemas import Problem
from sirecords.portal import employer_reads

router = Router(tags=["employer portal"])
CHANNEL = "api"


class EmployerHeader(Schema):
    uid: str
    uscc: str
    name: str


class ContributionMonth(Schema):
    period: str = Field(description="YYYY-MM")
    insurance_type: str
    insurance_type_title: str
    persons: int = Field(description="persons with a row of this unit in this month and insurance type")
    base: str = Field(description="yuan, two decimals")
    employer_amount: str
    individual_amount: str
    arrears: str


class ContributionTotals(Schema):
    base: str
    employer_amount: str
    individual_amount: str
    arrears: str


class EmployerContributionsOut(Schema):
    employer: EmployerHeader
    month: str | None
    months: list[ContributionMonth]
    totals: ContributionTotals


class Period(Schema):
    start: str = Field(description="YYYY-MM-DD")
    end: str | None = Field(description="YYYY-MM-DD; null while the employment lasts")


class EmployeeOut(Schema):
    uid: str
    id_number: str = Field(description="masked")
    name: str
    periods: list[Period]
    record: dict[str, Any] = Field(description="queries.scopes.person_view as this employer: person, timeline, "
                                               "contributions, subsidies (the months of the periods with the unit "
                                               "only) and scope")


class EmployeesOut(Schema):
    total: int
    page: int
    per_page: int
    pages: int
    employees: list[EmployeeOut]


class ContributionsQuery(Schema):
    month: str | None = Field(None, description="YYYY-MM; all months when left out")


class EmployeesQuery(Schema):
    page: int = Field(1, ge=1, le=100000)
    limit: int = Field(employer_reads.PER_PAGE, ge=1, le=employer_reads.MAX_PER_PAGE)


@portal_endpoint(router, "GET", "/employer/contributions", "employer_contributions",
                 response={200: EmployerContributionsOut, 401: Problem, 422: Problem},
                 summary="The unit's own contributions per month and insurance type, with arrears")
def employer_contributions(request, query: Query[ContributionsQuery]):
    answer = employer_reads.contributions(request.auth, query.month)
    answer.pop("year", None)
    return answer


@portal_endpoint(router, "GET", "/employer/employees", "employer_employees",
                 response={200: EmployeesOut, 401: Problem, 422: Problem},
                 summary="The unit's employees with their registration and contributions for their time with it "
                         "(access-logged)")
def employer_employees(request, query: Query[EmployeesQuery]):
    return employer_reads.employees_page(request.auth, query.page, query.limit, CHANNEL)
