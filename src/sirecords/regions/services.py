"""Registering another pooling region, or changing its keys (第十条): the reviewed register_region, opened and submitted
here (a clerk or a maintainer; never an administrator), and the regions registered."""

from __future__ import annotations

from django.conf import settings

from sirecords.regions.models import Region
from sirecords.regions.transactions import TYPE
from sirecords.transactions.actors import Actor
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import execute


def register(actor: Actor, code: str, *, name: str, verifier_key: str, encryption_key: str, reason: str,
             channel: str) -> BusinessTransaction:
    """Open and submit register_region (a new region, or a registered one's new keys or name): in review until its
    stages approve it, then posted. InvalidTransaction naming a bad field; Refused for an actor who may not open it."""
    payload = {"code": code, "name": name, "verifier_key": verifier_key, "encryption_key": encryption_key}
    return execute(actor, TYPE, payload, region=settings.SIRECORDS_REGION, reason=reason, channel=channel)


def listing() -> list[dict[str, object]]:
    return [{"code": r.code, "name": r.name, "verifier_key": r.verifier_key, "encryption_key": r.encryption_key,
             "registered_seq": r.registered_seq, "changed_seq": r.changed_seq}
            for r in Region.objects.order_by("code")]
