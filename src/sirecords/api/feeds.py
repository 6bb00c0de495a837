"""A department's channel (第五条, docs/crosscheck.md): `POST /api/feeds/{kind}?reason=…` with the feed as a `text/csv`
body, for the department's service token holding the scope `feed:KIND` (one per department, issued through the
reviewed user administration) — or a clerk's session.

201 with `{"file_sha256", "rows", "discrepancies", "repeated", "unmatched", "held", "transaction"}`; 409 for a file
received before; 422 `{"line", "field", "reason"}` naming the first problem (with `problems`, each of them, and
`detail`) when the file is refused — nothing is recorded then. A token for one feed pushes no other, and reads nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from ninja import Query, Router, Status
from ninja.errors import AuthorizationError

from sirecords.api.operations import endpoint
from sirecords.api.schemas import Problem
from sirecords.core.text import canonical
from sirecords.crosschecks import feeds
from sirecords.crosschecks.services import SeenBefore, receive
from sirecords.crosschecks.transactions import period_problem

CHANNEL = "api"
router = Router(tags=["cross-checks"])


@endpoint(router, "POST", "/feeds/{kind}", "feed_receive",
          response={201: dict[str, Any], 401: Problem, 403: Problem, 409: Problem, 415: Problem, 422: dict[str, Any]},
          summary="A department's feed file (CSV body): checked whole, compared with the record, discrepancies queued")
def feed_receive(request, kind: str, reason: str = Query(..., description="why it is sent (第十二条)"),
                 period: str = Query("", description="tax_paid: the months it covers, YYYY-MM[:YYYY-MM]"),
                 hold_invalid: bool = Query(False, description="hold the rows with problems and compare the others"),
                 encoding: str = Query("utf-8", description="utf-8 or gb18030")):
    caller = request.auth
    if caller.scopes is not None and f"feed:{kind}" not in caller.scopes:
        raise AuthorizationError(403, f"this token lacks the scope feed:{kind} that this endpoint needs for the {kind} "
                                      "feed (a department's token sends its own feeds only)")
    if request.content_type != "text/csv":
        return Status(415, {"detail": f"the body is a feed file: Content-Type text/csv, not {request.content_type or 'none'}"})
    period = canonical(period)
    if problem := period_problem(kind, period):  # a query parameter, not a line of the file
        return JsonResponse({"line": None, "field": "period", "reason": problem, "errors": {"period": problem},
                             "detail": f"the file is refused, nothing was recorded: period: {problem}"}, status=422)
    try:
        received = receive(caller.actor, kind, request.body, file_name=f"{kind}-api.csv", reason=reason, channel=CHANNEL,
                           period=period, encoding=encoding, hold_invalid=hold_invalid)
    except feeds.FeedRefused as refused:
        first = refused.problems[0]
        return JsonResponse({**first.as_dict(), "problems": [p.as_dict() for p in refused.problems], "more": refused.more,
                             "detail": f"the file is refused, nothing was recorded: {refused}"}, status=422)
    except SeenBefore as seen:
        return Status(409, {"detail": str(seen)})
    return Status(201, received.as_json())
