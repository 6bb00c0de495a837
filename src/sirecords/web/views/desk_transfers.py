"""Transfers between regions at the desk (第十条, issue #19 point 5): the list of this region's transfers — the open
ones by due date unless another state is chosen, the overdue ones marked (or alone) — for the clerks, reviewers and
approvers who handle them and the supervisors, each seeing the transfers of their regions only
(transfers/queries.py); and the supervisors' list of the overdue ones. The subject is masked (the ID number's address
code only); no name, no refusal text: the list reads nothing of the person's record, as the disputes queue does."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sirecords.transfers import queries
from sirecords.web.forms_transfers import TransferFilterForm, labelled
from sirecords.web.guard import page


def _render(request, transfers, *, form=None, overdue_only: bool = False):
    return render(request, "web/desk/transfers.html", {
        "rows": labelled(queries.staff_json(transfers)), "form": form, "overdue_only": overdue_only})


@page("desk_transfers")
@never_cache
@require_GET
def list_view(request):
    form = TransferFilterForm(request.GET or None)
    state, open_only, overdue_only = form.chosen() if form.is_bound else (None, True, False)
    transfers = queries.listing(state, open_only=open_only, overdue_only=overdue_only, actor=request.actor)
    return _render(request, transfers, form=form)


@page("desk_transfers_overdue")
@never_cache
@require_GET
def overdue_view(request):
    return _render(request, queries.listing(overdue_only=True, actor=request.actor), overdue_only=True)
