from django.urls import path

from sirecords.ops import views as ops_views

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
]
