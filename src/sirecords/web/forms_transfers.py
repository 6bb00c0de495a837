"""Labels of a transfer's directions, states and steps (transfers/progress.py's codes) in the reader's language, and the
desk's filter of the transfer list (web/views/desk_transfers.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sirecords.transfers import progress
from sirecords.transfers.models import Direction, TransferState

DIRECTION_LABELS = {Direction.IN: _("Transfer in"), Direction.OUT: _("Transfer out")}
STATE_LABELS = {TransferState.REQUESTED: _("Requested: awaiting the region left"),
                TransferState.RECEIVED: _("Transferred in"), TransferState.CLOSED: _("Closed: refused by the region left"),
                TransferState.SENT: _("Transferred out")}
STEP_LABELS = {progress.REQUESTED: _("Transfer requested"), progress.ANSWER: _("The region left handles it"),
               progress.RECEIVED: _("Record and funds received"), progress.CLOSED: _("Closed by the region left"),
               progress.SENT: _("Record and funds sent"), progress.SUPPLEMENTED: _("Supplement sent or received")}
STATUS_LABELS = {progress.DONE: _("done"), progress.AWAITED: _("in progress"), progress.UPCOMING: _("to come")}

OPEN, ALL = "open", "all"


class TransferFilterForm(forms.Form):
    """Which transfers the desk lists: the open ones (a step awaited) unless another choice is made; `overdue` keeps
    those awaited past their due date."""

    state = forms.ChoiceField(label=_("Show"), required=False, choices=[
        (OPEN, _("Open (a step awaited)")), (ALL, _("All")), *[(code, label) for code, label in STATE_LABELS.items()]])
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def chosen(self) -> tuple[str | None, bool, bool]:
        """(state or None, open only, overdue only); an unknown choice reads as the default (the open ones)."""
        data = self.cleaned_data if self.is_valid() else {}
        state = data.get("state") or OPEN
        return (None if state in (OPEN, ALL) else state), state == OPEN, bool(data.get("overdue"))


def labelled(items: list[dict]) -> list[dict]:
    """progress.as_json_many's dicts with the labels of their direction, state and steps."""
    for item in items:
        item["direction_label"] = DIRECTION_LABELS.get(item["direction"], item["direction"])
        item["state_label"] = STATE_LABELS.get(item["state"], item["state"])
        for step in item["steps"]:
            step["label"] = STEP_LABELS.get(step["step"], step["step"])
            step["status_label"] = STATUS_LABELS.get(step["status"], step["status"])
        current = next((s for s in item["steps"] if s["status"] == progress.AWAITED), item["steps"][-1])
        item["current_step"] = current
    return items
