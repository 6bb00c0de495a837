"""Who reaches which staff transfer page (web/rules_transfers.py, 第十条): every desk URL name asked by every role and an
anonymous visitor, the expected outcome computed from the rule table (tests/permissions.py). The portal's transfer
pages: tests/web/test_transfer_pages.py and test_no_store.py."""

import pytest

from sirecords.web.rules_transfers import RULES

from ..permissions import Case, PageMatrix

pytestmark = pytest.mark.django_db

DESK_RULES = {name: rule for name, rule in RULES.items() if name.startswith("desk_")}
PAGE = frozenset({"200"})
CASES = {
    "desk_transfers": Case(query="state=all&overdue=on", admitted=PAGE),
    "desk_transfers_overdue": Case(admitted=PAGE),
}

MATRIX = PageMatrix(DESK_RULES, CASES)
callers = MATRIX.fixture()


@MATRIX.parametrize
def test_every_transfer_page_admits_exactly_the_roles_of_its_rule(name, callers):
    MATRIX.check(name, callers)


def test_no_administrator_reaches_a_transfer_page():
    """第二十六条: the information agency's administrators do not handle records."""
    for name, rule in RULES.items():
        assert not (isinstance(rule, frozenset) and rule & {"sysadmin", "dba"}), name
