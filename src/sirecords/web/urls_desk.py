"""Staff pages: see web/rules_desk.py for who may reach each."""

from django.urls import path

from sirecords.web.views import desk_clerk, desk_query, desk_review, desk_transaction

urlpatterns: list = [
    path("desk/persons/", desk_clerk.person_search_view, name="desk_person_search"),
    path("desk/new/", desk_clerk.new_view, name="desk_new"),
    path("desk/new/<slug:type_name>/", desk_clerk.create_view, name="desk_create"),
    path("desk/mine/", desk_clerk.mine_view, name="desk_mine"),
    path("desk/queue/", desk_review.queue_view, name="desk_queue"),
    path("desk/t/<slug:uid>/", desk_transaction.transaction_view, name="desk_transaction"),
    path("desk/t/<slug:uid>/documents/<int:pk>/", desk_transaction.document_view, name="desk_document"),
    path("desk/t/<slug:uid>/attach/", desk_clerk.attach_view, name="desk_attach"),
    path("desk/t/<slug:uid>/submit/", desk_clerk.submit_view, name="desk_submit"),
    path("desk/t/<slug:uid>/amend/", desk_clerk.amend_view, name="desk_amend"),
    path("desk/t/<slug:uid>/withdraw/", desk_clerk.withdraw_view, name="desk_withdraw"),
    path("desk/t/<slug:uid>/review/", desk_review.review_view, name="desk_review"),
    path("desk/query/", desk_query.new_query_view, name="desk_query_new"),
    path("desk/query/<slug:uid>/", desk_query.answer_view, name="desk_query_answer"),
    path("desk/query/<slug:uid>/answer.csv", desk_query.answer_csv_view, name="desk_query_csv"),
]
