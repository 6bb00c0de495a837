"""Who may reach which page or API endpoint: the vocabulary of the rule tables (web/rules*.py, api/rules.py),
keyed by URL name. Every URL must have a rule; tests/test_access_rules.py fails when one has none.

A rule is ANONYMOUS (anyone), STAFF (any signed-in, second-factor-verified account), or a set of
roles of which the user must hold at least one (in any region; region checks happen in services).
"""

from __future__ import annotations

ANONYMOUS = "anonymous"
STAFF = "staff"

Rule = str | frozenset[str]


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


def permits(rule: Rule, held_roles: set[str] | None) -> bool:
    """held_roles is None for an anonymous visitor."""
    if rule == ANONYMOUS:
        return True
    if held_roles is None:
        return False
    if rule == STAFF:
        return True
    return bool(rule & held_roles)
