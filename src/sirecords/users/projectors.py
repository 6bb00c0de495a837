"""How users.* entries change the account, grant, agreement and token tables."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects

ACCOUNT, GRANT, AGREEMENT, TOKEN = "users_account", "users_role_grant", "users_agreement", "users_api_token"


def _update(store: Store, table: str, pk: str, entry: PostedEntry, **changes) -> None:
    row = store.get(table, pk)
    if row is None:
        raise LookupError(f"entry #{entry.seq} ({entry.kind}) refers to {table} {pk}, which does not exist")
    row.update(changes, last_seq=entry.seq)
    store.put(table, pk, row)


@projects("users.account_created")
def account_created(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(ACCOUNT, p["username"], {"username": p["username"], "display_name": p["display_name"],
                                       "organisation": p["organisation"], "kind": p["kind"], "active": True,
                                       "created_on": entry.effective, "last_seq": entry.seq})


@projects("users.account_deactivated")
def account_deactivated(entry: PostedEntry, store: Store) -> None:
    _update(store, ACCOUNT, entry.payload["username"], entry, active=False)


@projects("users.role_granted")
def role_granted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(GRANT, p["grant"], {"uid": p["grant"], "account_id": p["username"], "role": p["role"], "region": p["region"],
                                  "granted_on": entry.effective, "revoked_on": None, "last_seq": entry.seq})


@projects("users.role_revoked")
def role_revoked(entry: PostedEntry, store: Store) -> None:
    _update(store, GRANT, entry.payload["grant"], entry, revoked_on=entry.effective)


@projects("users.agreement_recorded")
def agreement_recorded(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(AGREEMENT, p["agreement"], {"uid": p["agreement"], "account_id": p["username"], "organisation": p["organisation"],
                                          "signed_on": p["signed_on"], "expires_on": p["expires_on"],
                                          "document_sha256": p["document_sha256"], "last_seq": entry.seq})


@projects("users.token_issued")
def token_issued(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(TOKEN, p["token"], {"uid": p["token"], "account_id": p["username"], "label": p["label"], "scopes": p["scopes"],
                                  "token_sha256": p["token_sha256"], "expires_at": p["expires_at"], "revoked_on": None,
                                  "last_seq": entry.seq})


@projects("users.token_revoked")
def token_revoked(entry: PostedEntry, store: Store) -> None:
    _update(store, TOKEN, entry.payload["token"], entry, revoked_on=entry.effective)
