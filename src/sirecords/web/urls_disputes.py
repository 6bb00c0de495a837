"""Disputes of the record (第十六条): see web/rules_disputes.py for who may reach each."""

from django.urls import path

from sirecords.web.views import desk_disputes, portal_disputes

urlpatterns: list = [
    path("my/disputes/", portal_disputes.my_disputes_view, name="my_disputes"),
    path("my/disputes/<slug:uid>/evidence/", portal_disputes.my_dispute_evidence_view, name="my_dispute_evidence"),
    path("employer/disputes/", portal_disputes.employer_disputes_view, name="employer_disputes"),
    path("employer/disputes/<slug:uid>/evidence/", portal_disputes.employer_dispute_evidence_view,
         name="employer_dispute_evidence"),
    path("desk/disputes/", desk_disputes.list_view, name="desk_disputes"),
    path("desk/disputes/overdue/", desk_disputes.overdue_view, name="desk_disputes_overdue"),
    path("desk/disputes/new/", desk_disputes.new_view, name="desk_dispute_new"),
    path("desk/disputes/<slug:uid>/", desk_disputes.case_view, name="desk_dispute"),
    path("desk/disputes/<slug:uid>/scans/<slug:sha256>/", desk_disputes.scan_view, name="desk_dispute_scan"),
    path("desk/disputes/<slug:uid>/examine/", desk_disputes.examine_view, name="desk_dispute_examine"),
    path("desk/disputes/<slug:uid>/refuse/", desk_disputes.refuse_view, name="desk_dispute_refuse"),
    path("desk/disputes/<slug:uid>/refer/", desk_disputes.refer_view, name="desk_dispute_refer"),
    path("desk/disputes/<slug:uid>/correct/", desk_disputes.correct_view, name="desk_dispute_correct"),
]
