"""Written applications to query records (第十八条–第二十条): see web/rules_applications.py for who may reach each."""

from django.urls import path

from sirecords.web.views import desk_applications

urlpatterns: list = [
    path("desk/applications/", desk_applications.list_view, name="desk_applications"),
    path("desk/applications/new/", desk_applications.new_view, name="desk_application_new"),
    path("desk/applications/<slug:uid>/", desk_applications.detail_view, name="desk_application"),
    path("desk/applications/<slug:uid>/refuse/", desk_applications.refuse_view, name="desk_application_refuse"),
    path("desk/applications/<slug:uid>/answer/", desk_applications.answer_view, name="desk_application_answer"),
    path("desk/applications/<slug:uid>/answer/<slug:person_uid>.pdf", desk_applications.answer_pdf_view,
         name="desk_application_answer_pdf"),
    path("desk/applications/<slug:uid>/refusal/", desk_applications.refusal_view, name="desk_application_refusal"),
    path("desk/recipients/", desk_applications.recipients_view, name="desk_recipients"),
]
