"""Helpers shared by the maintainers', system administrators' and supervisors' pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.users.access import permits
from sirecords.users.roles import ROLES
from sirecords.web.rules import RULES
from sirecords.workflow.stages import STAGE_TITLES

CHANNEL = "web"


def english() -> bool:
    return (get_language() or "").startswith("en")


def role_label(code: str) -> str:
    zh, en = ROLES.get(code, (code, code))
    return en if english() else zh


def stage_label(stage: str | None) -> str:
    if not stage:
        return ""
    zh, en = STAGE_TITLES.get(stage, (stage, stage))
    return en if english() else zh


def regions_of(actor: Actor, role: str) -> list[str]:
    """The regions where `actor` holds `role`; a grant for every region offers this agency's."""
    regions = actor.regions_for(role)
    return sorted({settings.SIRECORDS_REGION if r == ANY_REGION else r for r in regions})


TRANSACTION_PAGES = ("desk_txn", "desk_transaction")  # the reviewers' page of one transaction (web/urls_desk.py)


def txn_url(uid: str, actor: Actor) -> str | None:
    """The desk page of a transaction, when the desk pages provide one and its rule admits `actor`."""
    for name in TRANSACTION_PAGES:
        if name in RULES and permits(RULES[name], actor.roles):
            try:
                return reverse(name, kwargs={"uid": uid})
            except NoReverseMatch:
                continue
    return None


def posted(request, files: bool = False) -> tuple:
    """The data to bind a form to: the POST (even an empty one, so it shows what is missing), else none."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def put_errors(form, errors: dict[str, str], to_field: Callable[[str], str | None] = lambda key: key) -> None:
    """Show a transaction's field errors next to the form fields they concern; the rest above the form."""
    for key, message in errors.items():
        name = to_field(key)
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, f"{key}: {message}")


def focus(form):
    """Autofocus the first field in error (or the first field), and tie help and error texts to the inputs."""
    first_error = next((name for name in form.fields if name in form.errors), None)
    target = first_error or next(iter(form.fields), None)
    for name, field in form.fields.items():
        attrs = field.widget.attrs
        attrs.pop("autofocus", None)
        bound = form[name]
        described = []
        if field.help_text:
            described.append(f"{bound.auto_id}_help")
        if name in form.errors:
            described.append(f"{bound.auto_id}_error")
            attrs["aria-invalid"] = "true"
        else:
            attrs.pop("aria-invalid", None)
        if described and not field.widget.use_fieldset:
            attrs["aria-describedby"] = " ".join(described)
        if name == target:
            attrs["autofocus"] = True
    return form


def query_string(params: dict, **changes) -> str:
    """The filters of a list page as a query string, with `changes` applied (None drops a key)."""
    merged = {key: value for key, value in {**params, **changes}.items() if value not in (None, "")}
    return urlencode(merged)
