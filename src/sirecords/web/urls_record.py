"""The person's record pages: see web/rules_record.py for who may reach each."""

from django.urls import path

from sirecords.web.views import record

urlpatterns: list = [
    path("record/", record.search_view, name="record_search"),
    path("record/p/<slug:uid>/", record.person_view, name="record_person"),
]
