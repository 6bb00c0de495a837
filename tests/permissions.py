"""One permission matrix for the staff pages and the API, driven by the access-rule tables (no tests here).

A test module gives the rule table it checks (URL name → rule, see sirecords/users/access.py) and, for each URL
name, a `Case`: how to request it (URL arguments, query, body, methods). The matrix then asks every URL
as an anonymous visitor and as a signed-in holder of each role (for a guarded API endpoint also with
service tokens: one per role with every scope, and one holding the rule's roles with and without the endpoint's scope)
and expects what the rule itself says: admitted, refused (403 naming the roles), sent to the login page
(pages) or 401 with a Bearer challenge (API), 403 naming the missing scope (tokens); and that every answer
carries Cache-Control: no-store and Pragma: no-cache (nothing personal kept by a browser or proxy). So a new URL that
has a rule is covered without a new test, and a URL with a rule but no `Case` fails loudly (and so does
a `Case` for a URL without a rule).

Use in a test module:

    MATRIX = PageMatrix(RULES, CASES)            # or ApiMatrix(RULES, CASES, SCOPES)
    callers = MATRIX.fixture(setup=objects)       # module-scoped: accounts, sessions, tokens made once

    @MATRIX.parametrize
    def test_access(name, callers):
        MATRIX.check(name, callers)

`setup(callers)` (optional) builds the objects the URLs point at once per module and returns them; a
`Case`'s kwargs may be a function `(objects, who) -> dict` of them and of the caller ("anonymous", a
role, or a token label). Everything made once per module lives in one transaction that is rolled back
after the module's last test; each test runs in its own savepoint inside it (pytest-django's `db`), so
tests still see only the module's set-up, never each other's writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sirecords.users.access import ANONYMOUS, STAFF, Rule, permits
from sirecords.users.roles import ROLES

from .conftest import REGION, create_staff_account, issue_approved_token, make_signed_in_staff, outer_transaction, sign_in, test_admin

ANON = "anonymous"


@dataclass(frozen=True)
class Case:
    """How to request one URL: reverse(name, args/kwargs) + query, with each of `methods` and `data`.

    kwargs may be a dict or a function (objects, who) -> dict. `admitted` narrows what counts as
    admitted: a set of outcomes, or a dict method -> set (outcomes as `Matrix.outcome` names them);
    None takes the matrix's default."""

    kwargs: dict | Callable[[Any, str], dict] = field(default_factory=dict)
    args: tuple = ()
    methods: tuple[str, ...] = ("get",)
    query: str = ""
    data: Any = None
    content_type: str | None = None
    admitted: frozenset[str] | dict[str, frozenset[str]] | None = None

    def url(self, name: str, objects: Any, who: str) -> str:
        kwargs = self.kwargs(objects, who) if callable(self.kwargs) else self.kwargs
        url = reverse(name, args=self.args or None, kwargs=kwargs or None)
        return f"{url}?{self.query}" if self.query else url

    def request(self, client: Client, method: str, url: str):
        extra = {"content_type": self.content_type} if self.content_type else {}
        if self.data is None:
            return getattr(client, method)(url, **extra)
        return getattr(client, method)(url, self.data, **extra)

    def admits(self, method: str) -> frozenset[str] | None:
        if isinstance(self.admitted, dict):
            return self.admitted.get(method)
        return self.admitted


def json(data: Any, **changes) -> dict:
    """Case(**json(body), ...): a JSON body."""
    return {"data": data, "content_type": "application/json", **changes}


class Callers:
    """The module's callers: a session per role, tokens, and the objects the URLs point at."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}  # who -> session key
        self.tokens: dict[str, str] = {}  # who -> bearer token
        self.objects: Any = None
        self._clients: dict[str, Client] = {}

    def add_staff(self, who: str, username: str, *roles: str, region: str = REGION, organisation: str = ""):
        """A staff account holding `roles` (with a confirmed second-factor device), signed in as `who`."""
        user = make_signed_in_staff(username, *roles, region=region, organisation=organisation)
        client = sign_in(Client(), user)
        self.sessions[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return user

    def add_token(self, who: str, username: str, roles: Iterable[str], scopes: str) -> str:
        """A service account `username` holding `roles` (made once) and a token with `scopes`, used as `who`."""
        from sirecords.users.actors import actor_for

        if actor_for(username) is None:
            create_staff_account(test_admin(), username, *roles, kind="service")
        self.tokens[who] = issue_approved_token(test_admin(), username, scopes, label="matrix", region=REGION)
        return self.tokens[who]

    def client(self, who: str) -> Client:
        """The client of `who` (pages asked for in English), its cookies reset to the session alone, so nothing
        a former request left (messages, CSRF) carries over. One client each: a new one loads the middleware."""
        client = self._clients.get(who)
        if client is None:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}
            client = self._clients[who] = Client(HTTP_ACCEPT_LANGUAGE="en", **headers)
        client.cookies.clear()
        if who in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[who]
        return client


def kept_by_no_cache(response) -> bool:
    """The answer tells browsers and proxies to keep nothing: Cache-Control: no-store and Pragma: no-cache."""
    directives = {d.strip().split("=")[0].lower() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives and response.get("Pragma") == "no-cache"


def role_names(rule: Rule) -> tuple[str, ...]:
    """The roles of a role-set rule; for STAFF (any staff) one role suffices."""
    if rule == STAFF:
        return ("clerk",)
    return tuple(sorted(rule)) if isinstance(rule, frozenset) else ()


class Matrix:
    """URL names × callers, the expected outcome derived from the rule (see the module docstring)."""

    surface = ""
    default_admitted: frozenset[str] = frozenset()

    def __init__(self, rules: dict[str, Rule], cases: dict[str, Case], *, roles: Iterable[str] = ROLES) -> None:
        self.rules = dict(rules)
        self.cases = dict(cases)
        self.roles = tuple(roles)

    # --- the cases ----------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every URL of the rule table, and any case without a rule (which then fails)."""
        return sorted(set(self.rules) | set(self.cases))

    @property
    def parametrize(self):
        return pytest.mark.parametrize("name", self.names())

    def callers_for(self, name: str) -> list[str]:
        return [ANON, *self.roles]

    def held_roles(self, who: str) -> set[str] | None:
        return None if who == ANON else {who}

    def expected(self, name: str, who: str, method: str) -> frozenset[str] | None:
        """The outcomes that are right for `who` (None: any admitted outcome, see `admitted`)."""
        rule = self.rules[name]
        if permits(rule, self.held_roles(who)):
            return self.cases[name].admits(method) or self.default_admitted or None
        return self.refusal(name, who)

    def refusal(self, name: str, who: str) -> frozenset[str]:
        raise NotImplementedError

    def admitted(self, outcome: str) -> bool:
        """Without a narrower expectation: any answer but a refusal or a server error."""
        return outcome.isdigit() and int(outcome) < 500 and int(outcome) not in (401, 403)

    def outcome(self, response, url: str, name: str) -> str:
        raise NotImplementedError

    # --- fixture and check --------------------------------------------------------------------------

    def fixture(self, setup: Callable[[Callers], Any] | None = None):
        """A module-scoped `callers` fixture: every caller of the matrix made once, then `setup(callers)`."""
        matrix = self

        @pytest.fixture(scope="module")
        def callers(django_db_setup, django_db_blocker, sirecords_home):
            with outer_transaction(django_db_blocker):
                with django_db_blocker.unblock():
                    made = Callers()
                    matrix.make_callers(made)
                    made.objects = setup(made) if setup else None
                yield made

        return callers

    def make_callers(self, callers: Callers) -> None:
        for role in self.roles:
            callers.add_staff(role, f"matrix.{role}", role)

    def check(self, name: str, callers: Callers) -> None:
        if name not in self.rules:
            pytest.fail(f"{name} has a Case but no access rule: remove the Case or give the URL a rule")
        if name not in self.cases:
            pytest.fail(f"{name} has an access rule but no Case: say how to request it in this module's CASES "
                        f"({self.surface} permission matrix)")
        case = self.cases[name]
        wrong, asked = [], 0
        for who in self.callers_for(name):
            url = case.url(name, callers.objects, who)
            for method in case.methods:
                response = case.request(callers.client(who), method, url)
                got = self.outcome(response, url, name)
                want = self.expected(name, who, method)
                asked += 1
                if (got not in want) if want is not None else not self.admitted(got):
                    wrong.append(f"{method.upper()} {url} as {who}: expected {self.describe(want)}, got {got}")
                if not kept_by_no_cache(response):  # every answer, admitted or refused (web/nostore.py)
                    wrong.append(f"{method.upper()} {url} as {who}: may be cached (Cache-Control: "
                                 f"{response.get('Cache-Control')!r}, Pragma: {response.get('Pragma')!r})")
        assert asked, f"{name}: no request made"
        assert wrong == [], f"{name} (rule {self.rules[name]!r}):\n" + "\n".join(wrong)

    @staticmethod
    def describe(want: frozenset[str] | None) -> str:
        return "admitted (not 401/403/5xx)" if want is None else " or ".join(sorted(want))


class PageMatrix(Matrix):
    """Staff pages (web/rules*.py, the gate in web/guard.py). Outcomes: 'login' (302 to the login page with
    this URL as next), 'redirect' (any other 302), 'refused' (403 saying which roles the page needs),
    otherwise the status code ('200', '400', '405', or '403' for another refusal)."""

    surface = "page"
    default_admitted = frozenset({"200", "redirect"})

    def refusal(self, name: str, who: str) -> frozenset[str]:
        return frozenset({"login"} if who == ANON else {"refused"})

    def outcome(self, response, url: str, name: str) -> str:
        if response.status_code == 302:
            location = response["Location"]
            if location == f"{reverse('login')}?{urlencode({'next': url})}":
                return "login"
            return "redirect to login (wrong next)" if location.startswith(reverse("login")) else "redirect"
        if response.status_code == 403 and "This page needs one of these roles" in response.content.decode():
            return "refused"
        return str(response.status_code)


class ApiMatrix(Matrix):
    """API endpoints (api/rules.py, the gate in api/auth.py), asked by anonymous callers, staff sessions of
    every role, and for each guarded endpoint a service token of every role holding every scope, a token
    of an account with the rule's roles holding only the endpoint's scope, and one holding all the others
    (an endpoint open to anyone is asked with one token).

    Outcomes: 'unauthenticated' (401 with a reason and a Bearer challenge), 'refused' (403: the role is
    missing), 'no scope' (403 naming the endpoint's scope), otherwise the status code."""

    surface = "API"

    def __init__(self, rules, cases, scopes: dict[str, str], *, token_scopes: Iterable[str], roles=ROLES) -> None:
        super().__init__(rules, cases, roles=roles)
        self.scopes = dict(scopes)
        self.token_scopes = frozenset(token_scopes)

    def guarded(self) -> list[str]:
        return sorted(name for name, rule in self.rules.items() if rule != ANONYMOUS)

    @staticmethod
    def token(role: str) -> str:
        return f"token of a {role} with every scope"

    def scoped(self, name: str, with_scope: bool) -> str:
        roles = ",".join(role_names(self.rules[name]))
        return f"token of [{roles}] with only {self.scopes[name]}" if with_scope else \
            f"token of [{roles}] with all but {self.scopes[name]}"

    def callers_for(self, name: str) -> list[str]:
        if self.rules.get(name, ANONYMOUS) == ANONYMOUS:  # open to anyone: one token shows a token is no hindrance
            return [*super().callers_for(name), self.token(self.roles[0])]
        who = [*super().callers_for(name), *(self.token(role) for role in self.roles)]
        if name in self.scopes:
            who += [self.scoped(name, True), self.scoped(name, False)]
        return who

    def held_roles(self, who: str) -> set[str] | None:
        for role in self.roles:
            if who in (role, self.token(role)):
                return {role}
        if who.startswith("token of ["):
            return set(who[len("token of ["):who.index("]")].split(","))
        return None

    def expected(self, name: str, who: str, method: str) -> frozenset[str] | None:
        if name in self.scopes and who == self.scoped(name, False):
            return frozenset({"no scope"})
        return super().expected(name, who, method)

    def refusal(self, name: str, who: str) -> frozenset[str]:
        return frozenset({"unauthenticated"} if who == ANON else {"refused"})

    def check(self, name: str, callers: Callers) -> None:
        if self.rules.get(name, ANONYMOUS) != ANONYMOUS and self.scopes.get(name) not in self.token_scopes:
            pytest.fail(f"{name} is guarded but its scope {self.scopes.get(name)!r} is not one a token may hold: "
                        "give it one in api/rules.py SCOPES")
        super().check(name, callers)

    def make_callers(self, callers: Callers) -> None:
        super().make_callers(callers)
        everything = " ".join(sorted(self.token_scopes))
        for role in self.roles:
            callers.add_token(self.token(role), f"svc.{role}", (role,), everything)
        accounts: dict[tuple[str, ...], str] = {}
        for name in self.guarded():
            if self.scopes.get(name) not in self.token_scopes:
                continue  # check() fails this endpoint
            roles = role_names(self.rules[name])
            username = accounts.setdefault(roles, f"svc.rule{len(accounts)}")
            for with_scope in (True, False):
                who = self.scoped(name, with_scope)
                if who not in callers.tokens:
                    scopes = self.scopes[name] if with_scope else " ".join(sorted(self.token_scopes - {self.scopes[name]}))
                    callers.add_token(who, username, roles, scopes)

    def outcome(self, response, url: str, name: str) -> str:
        status = response.status_code
        if status in (401, 403):
            try:
                detail = response.json()["detail"]
            except (ValueError, KeyError, TypeError):
                return f"{status} without a reason"
            if status == 401:
                challenge = response.get("WWW-Authenticate", "")
                return "unauthenticated" if challenge.startswith("Bearer") else "401 without a Bearer challenge"
            if "this endpoint needs one of these roles" in detail:
                return "refused"
            if name in self.scopes and f"lacks the scope {self.scopes[name]}" in detail:
                return "no scope"
            return f"403 ({detail})"
        return str(status)
