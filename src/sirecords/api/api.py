"""The NinjaAPI instance: routers, error handlers, the OpenAPI document and its viewer.

The viewer (Swagger UI) is served from ninja's own static files, never a CDN, so it works offline and
under the strict Content-Security-Policy (default-src 'self'): ninja does so when "ninja" is in
INSTALLED_APPS (settings/base.py).
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from sirecords.api import (
    disputes,
    errors,
    feeds,
    lookups,
    me,
    portal,
    portal_employer,
    record,
    staff_session,
    stats,
    transactions,
    transfers,
)
from sirecords.api.auth import guard
from sirecords.api.operations import NAMESPACE

api = NinjaAPI(
    title="sirecords API",
    version="1",
    description="Business transactions (open, attach, submit, review) and look-ups of insured persons and employers, "
                "for staff sessions and service accounts with tokens. Every read of a person's data is access-logged.",
    urls_namespace=NAMESPACE,
    docs=Swagger(),
    # An operation declared without api/operations.endpoint() has no rule: this default refuses everyone.
    auth=guard(None),
)
errors.install(api)
api.add_router("", transactions.router)
api.add_router("", lookups.router)
api.add_router("", record.router)
api.add_router("", portal.router)  # insured persons' and employers' own sessions (issue #10)
api.add_router("", portal_employer.router)  # the employer's own contributions and employees (issue #10)
api.add_router("", me.router)  # the insured person's own record, reads and estimate (issue #10)
api.add_router("", stats.router)  # de-identified statistics (issue #11, 第十七条)
api.add_router("", staff_session.router)  # staff API sessions for the desk's own clients (issue #17)
api.add_router("", feeds.router)  # departments' feeds for the cross-checks (issue #17, 第五条)
api.add_router("", disputes.me_router)  # disputes of the record (issue #18, 第十六条): the person's own,
api.add_router("", disputes.employer_router)  # the unit's,
api.add_router("", disputes.staff_router)  # and the staff's re-examination
api.add_router("", transfers.me_router)  # transfers between regions (issue #19, 第十条): the person's own progress,
api.add_router("", transfers.staff_router)  # and the staff's list
