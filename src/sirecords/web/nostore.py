"""No page, API answer or export that may carry personal data is kept by a browser or a proxy (issue 9, finding 13).

Every response gets `Cache-Control: no-store` (with Django's other never-cache directives and an `Expires` in the
past) and `Pragma: no-cache` for HTTP/1.0 caches, whatever view, middleware or error page made it: simpler and
safer than deciding page by page. The exceptions carry nothing personal: static files (WhiteNoise answers them
before this middleware is reached) and the health check.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


def exempt(path: str) -> bool:
    return path == reverse("healthz") or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not exempt(request.path):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
