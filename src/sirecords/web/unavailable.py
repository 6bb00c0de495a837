"""A request that meets a lost database connection (a failover) is answered 503 with Retry-After, never a 500 or a
traceback: a plain page (Chinese first, English) for the pages, a problem (application/problem+json, the API's
Problem shape) for anything under /api/ that the API's own handler (api/errors.py) did not answer.

- `DatabaseUnavailableMiddleware.process_exception`: a view raised OperationalError or InterfaceError. The database
  transaction it was in has rolled back as the error left it (every write runs in transaction.atomic), so nothing is
  half-written; the broken connection is closed, so what the request still does on its way out (the session's save)
  opens a new one, which libpq makes to the primary of a failover cluster's list of hosts (core/database_url.py).
- `server_error` (urls.py handler500): the same answer when the error came from elsewhere, such as a middleware saving
  the session while the database is still away; any other error gets Django's plain 500 page.

docs/operations.md, "Database failover: what the application does".
"""

from __future__ import annotations

import json
import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

LOST = (OperationalError, InterfaceError)
log = logging.getLogger("sirecords.web")

PROBLEM = ("数据库暂时无法连接（可能正在主备切换），请在 Retry-After 所示秒数后重试；写入操作要么已完整保存，要么完全未保存。 "
           "The database cannot be reached for a moment (a failover may be under way): try again after Retry-After "
           "seconds. A write was either saved whole or not at all.")


def unavailable(request, error: BaseException) -> HttpResponse:
    """503 with Retry-After: the problem for the API, the page for the rest."""
    log.warning("%s %s: database unavailable (%s: %s), answered 503", request.method, request.path,
                type(error).__name__, str(error).strip()[:200])
    if not connection.in_atomic_block:  # a broken connection is dropped; the next query opens a new one
        connection.close_if_unusable_or_obsolete()
    retry_after = settings.SIRECORDS_DATABASE_RETRY_AFTER_SECONDS
    if request.path.startswith("/api/"):
        response = HttpResponse(json.dumps({"detail": PROBLEM}, ensure_ascii=False), status=503,
                                content_type="application/problem+json")
    else:
        response = HttpResponse(render_to_string("web/unavailable.html", {"retry_after": retry_after, "request": request}),
                                status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable(request, exception) if isinstance(exception, LOST) else None


def server_error(request):
    """handler500: a lost database connection raised outside a view is still a 503; anything else Django's 500."""
    error = sys.exc_info()[1]
    if isinstance(error, LOST):
        return unavailable(request, error)
    return django_server_error(request)
