"""GET /metrics for Prometheus: never open to the public site.

With SIRECORDS_METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <token>`. Without it, only a scrape
made on the server itself is answered: from a loopback address and not relayed by the proxy (which adds
X-Forwarded-For; deploy/nginx/sirecords.conf refuses /metrics at the edge as well).
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from sirecords.web.metrics import exposition


def _loopback(request) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def allowed(request) -> bool:
    token = settings.SIRECORDS_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return _loopback(request) and "X-Forwarded-For" not in request.headers


@require_GET
def metrics(request):
    if not allowed(request):
        response = HttpResponse("metrics need the bearer token (SIRECORDS_METRICS_TOKEN)\n", status=401,
                                content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
