"""Every URL the project serves has an access rule; a new page or endpoint without one fails here."""

from django.urls import URLPattern, URLResolver, get_resolver

from sirecords.api.rules import RULES as API_RULES
from sirecords.web.rules import RULES as WEB_RULES


def all_rules() -> dict:
    overlap = set(WEB_RULES) & set(API_RULES)
    assert not overlap, f"URL names with two rules: {sorted(overlap)}"
    return {**WEB_RULES, **API_RULES}


def url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else f"(unnamed) {entry.pattern}"


def test_every_url_has_an_access_rule():
    rules = all_rules()
    missing = sorted(name for name in url_names() if name not in rules)
    assert missing == [], f"URLs without an access rule in web/rules.py or api/rules.py: {missing}"


def test_no_rule_names_a_url_that_does_not_exist():
    names = set(url_names())
    stale = sorted(name for name in all_rules() if name not in names)
    assert stale == [], f"rules for URLs that no longer exist: {stale}"


def test_the_desk_and_the_api_admit_the_review_roles_of_the_stage_configuration():
    from sirecords.api import rules as api_rules
    from sirecords.web import rules_desk
    from sirecords.workflow.stages import STAGE_ROLE, STAGES

    assert api_rules.REVIEWERS == rules_desk.REVIEWERS == frozenset(STAGE_ROLE[stage] for stage in STAGES)
