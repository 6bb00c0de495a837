from django.urls import include, path
from django.views.i18n import set_language

from sirecords.ops import views as ops_views

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("sirecords.api.urls")),
    path("", include("sirecords.web.urls")),
]
