"""Operational endpoints."""

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from sirecords.crypto.keys import KeysMissing, load_keys
from sirecords.ledger.append import read_head
from sirecords.ledger.merkle import CompactRange


@require_GET
def healthz(request):
    """Database reachable, keys loaded, ledger head (size, Merkle root, last hash). 503 when any part fails."""
    body: dict = {"database": False, "keys": False, "ledger": None}
    try:
        size, last_hash, frontier = read_head()
        root = CompactRange(size, [bytes.fromhex(h) for h in frontier]).root().hex()
        body["database"] = True
        body["ledger"] = {"size": size, "root": root, "last_hash": last_hash}
    except (DatabaseError, TypeError) as error:
        body["database_error"] = type(error).__name__
    try:
        load_keys()
        body["keys"] = True
    except KeysMissing:
        pass
    if body["database"] and body["ledger"] is not None:
        from sirecords.ledger.models import Checkpoint

        last = Checkpoint.objects.order_by("-size").first()
        body["ledger"]["checkpoint"] = None if last is None else {"size": last.size, "root": last.root}
    body["ok"] = body["database"] and body["keys"]
    return JsonResponse(body, status=200 if body["ok"] else 503)
