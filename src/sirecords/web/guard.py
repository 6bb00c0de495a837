"""The one gate in front of every staff page: signed in, second factor verified, account usable,
and a role the page's rule (web/rules.py) admits. Refusals are explained and logged; so are the refusals of a
person's record that records/reads.py makes inside the page (another region: 403; a read limit: 429)."""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from sirecords.records.limits import ReadRefused
from sirecords.users.access import ANONYMOUS, permits
from sirecords.users.actors import actor_for
from sirecords.users.roles import ROLES
from sirecords.web.rules import RULES

security_log = logging.getLogger("sirecords.security")


def refuse(request, message: str, status: int = 403):
    security_log.warning("page refused %s %s: %s", getattr(request.user, "username", "-"), request.path, message)
    return render(request, "web/refused.html", {"message": message}, status=status)


def page(rule_name: str):
    """Decorator: guard a view with the rule named `rule_name` (which must exist)."""
    rule = RULES[rule_name]  # KeyError at import time: a page without a rule cannot exist

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            if rule == ANONYMOUS:
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated and SESSION_KEY in request.session:
                # The session's account may no longer sign in (deactivated, or its credential is not the ledger's:
                # users/backends.py): the session ends here rather than lingering.
                request.session.flush()
            if not request.user.is_authenticated or not request.user.is_verified():
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            actor = actor_for(request.user.username)
            if actor is None:
                return refuse(request, _("This sign-in has no staff account."))
            if actor.blocked():
                return refuse(request, actor.blocked())
            if not permits(rule, actor.roles):
                needed = "、".join(ROLES[r][0] for r in sorted(rule)) if isinstance(rule, frozenset) else rule
                return refuse(request, _("This page needs one of these roles: %(roles)s.") % {"roles": needed})
            request.actor = actor
            try:
                return view(request, *args, **kwargs)
            except ReadRefused as refused:  # a read of a person outside the reader's regions or limits (records/reads.py)
                return refuse(request, refused.message, status=refused.status)

        guarded.access_rule = rule_name
        return guarded

    return decorate
