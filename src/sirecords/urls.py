from django.urls import include, path
from django.views.i18n import set_language

from sirecords.web.views import health, metrics

# A lost database connection is a 503 with Retry-After wherever it was raised (web/unavailable.py); else Django's 500.
handler500 = "sirecords.web.unavailable.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("sirecords.api.urls")),
    path("", include("sirecords.web.urls")),
]
