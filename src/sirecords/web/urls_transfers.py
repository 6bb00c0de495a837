"""Transfers between regions (第十条): see web/rules_transfers.py for who may reach each."""

from django.urls import path

from sirecords.web.views import desk_transfers, portal_transfers

urlpatterns: list = [
    path("my/transfers/", portal_transfers.my_transfers_view, name="my_transfers"),
    path("employer/transfers/", portal_transfers.employer_transfers_view, name="employer_transfers"),
    path("desk/transfers/", desk_transfers.list_view, name="desk_transfers"),
    path("desk/transfers/overdue/", desk_transfers.overdue_view, name="desk_transfers_overdue"),
]
