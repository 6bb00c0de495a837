"""The API's visibility filter (a query, for lists) agrees with the pages' rule (can_see, per object)."""

import pytest

from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.visibility import can_see, queue, visible_transactions

from .conftest import REGION, person_payload

OTHER = "110105"

pytestmark = pytest.mark.django_db


def actor(name, *grants, **kwargs):
    return Actor(username=name, grants=frozenset(grants), **kwargs)


ACTORS = [
    actor("clerk.here", ("clerk", REGION)),
    actor("clerk.there", ("clerk", OTHER)),
    actor("clerk.both", ("clerk", REGION), ("clerk", OTHER)),
    actor("rev1.here", ("reviewer1", REGION)),
    actor("appr.there", ("approver", OTHER)),
    actor("rev.anywhere", ("reviewer3", ANY_REGION)),
    actor("sup.here", ("supervisor", REGION)),
    actor("query.here", ("query_officer", REGION)),
    actor("maint.here", ("maintainer", REGION)),
    actor("sysadmin", ("sysadmin", ANY_REGION)),
    actor("ext.maint", ("maintainer", REGION), ("reviewer1", REGION), external=True),  # no agreement: blocked
]


@pytest.fixture
def transactions():
    made = []
    for creator in ACTORS[:3]:
        for region in (REGION, OTHER):
            if creator.has("clerk", region):
                made.append(services.open_transaction(creator, "register_person", person_payload(region=region), region=region,
                                                      reason="visibility", channel="api"))
    return made


@pytest.mark.parametrize("who", ACTORS, ids=lambda a: a.username)
def test_the_filter_agrees_with_the_pages(who, transactions):
    seen = set(visible_transactions(who).filter(pk__in=[t.pk for t in transactions]).values_list("pk", flat=True))
    assert seen == {t.pk for t in transactions if can_see(who, t)}


def test_the_queue_holds_only_what_is_due_for_me(transactions):
    txn = transactions[0]
    BusinessTransaction.objects.filter(pk=txn.pk).update(state="submitted", stages="review1 review2", next_stage=0)
    assert [t.pk for t in queue(ACTORS[3], None, 10)] == [txn.pk]
    assert queue(ACTORS[3], "review2", 10) == []
    assert queue(actor("rev2.here", ("reviewer2", REGION)), None, 10) == []
    assert queue(ACTORS[-1], None, 10) == []  # blocked
