from django.urls import include, path
from django.views.i18n import set_language

from sirecords.web.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("sirecords.api.urls")),
    path("", include("sirecords.web.urls")),
]
