"""The gate in front of every portal page: `person_page` and `employer_page`.

A view so decorated runs only for a session signed in by the portal backend (portal/backends.py) with a verified
second factor, whose account is of the page's kind and still active; it finds `request.portal` (a PortalCaller).
Anyone else is sent to the kind's sign-in page: an anonymous visitor, a staff session (a staff member never reaches
a portal page with their staff sign-in), or the other kind's session. Refusals of another kind are logged.
The rule tables (web/rules_portal.py) give these pages the rule PERSON_PAGE or EMPLOYER_PAGE.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse

from sirecords.portal.backends import portal_account
from sirecords.portal.callers import caller_for
from sirecords.portal.credentials import EMPLOYER, PERSON, kind_of
from sirecords.portal.services import BACKEND

security_log = logging.getLogger("sirecords.security")
PERSON_PAGE, EMPLOYER_PAGE = "portal_person", "portal_employer"  # the rule kinds of the portal's pages
LOGIN = {PERSON: "my_login", EMPLOYER: "employer_login"}


def portal_caller(request, kind: str):
    """The PortalCaller of the request's session when it is a verified portal session of `kind`, else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.session.get(BACKEND_SESSION_KEY) != BACKEND:
        return None
    if kind_of(user.get_username()) != kind or not user.is_verified():
        return None
    account = portal_account(user)
    return caller_for(account, "session") if account is not None else None


def _portal_page(kind: str, rule: str):
    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            caller = portal_caller(request, kind)
            if caller is None:
                if SESSION_KEY in request.session and not request.user.is_authenticated:
                    request.session.flush()  # the account may no longer sign in: the session ends here
                elif request.user.is_authenticated:
                    security_log.warning("portal page %s refused to %s: not a %s portal session", request.path,
                                         request.user.get_username(), kind)
                return redirect(f"{reverse(LOGIN[kind])}?{urlencode({'next': request.get_full_path()})}")
            request.portal = caller
            return view(request, *args, **kwargs)

        guarded.access_rule = rule
        return guarded

    return decorate


def person_page(view):
    """Decorator: an insured person's own page (rule PERSON_PAGE); `request.portal.person` is the Person."""
    return _portal_page(PERSON, PERSON_PAGE)(view)


def employer_page(view):
    """Decorator: an employer user's page (rule EMPLOYER_PAGE); `request.portal.employer` is the Employer."""
    return _portal_page(EMPLOYER, EMPLOYER_PAGE)(view)
