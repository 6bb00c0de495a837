"""The cross-check queue (第五条): see web/rules_crosschecks.py for who may reach each."""

from django.urls import path

from sirecords.web.views import desk_crosschecks

urlpatterns: list = [
    path("desk/crosschecks/", desk_crosschecks.list_view, name="desk_crosschecks"),
    path("desk/crosschecks/<slug:id>/", desk_crosschecks.detail_view, name="desk_crosscheck"),
    path("desk/crosschecks/<slug:id>/settle/", desk_crosschecks.settle_view, name="desk_crosscheck_settle"),
    path("desk/crosschecks/<slug:id>/assign/", desk_crosschecks.assign_view, name="desk_crosscheck_assign"),
]
