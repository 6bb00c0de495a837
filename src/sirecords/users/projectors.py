"""How users.* entries change the account, grant, agreement and token tables."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects
from sirecords.users.kinds import (
    AGREEMENT_RECORDED,
    PASSWORD_CHANGED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    SECOND_FACTOR_ENROLLED,
    SECOND_FACTOR_REMOVED,
    STAFF_ACCOUNT_CREATED,
    STAFF_ACCOUNT_DEACTIVATED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
)

ACCOUNT, GRANT, AGREEMENT, TOKEN = "users_account", "users_role_grant", "users_agreement", "users_api_token"


def _update(store: Store, table: str, pk: str, entry: PostedEntry, **changes) -> None:
    row = store.get(table, pk)
    if row is None:
        raise LookupError(f"entry #{entry.seq} ({entry.kind}) refers to {table} {pk}, which does not exist")
    row.update(changes, last_seq=entry.seq)
    store.put(table, pk, row)


@projects(STAFF_ACCOUNT_CREATED)
def account_created(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(ACCOUNT, p["username"], {"username": p["username"], "display_name": p["display_name"],  # nosec B105 # empty digest: no password set yet
                                       "organisation": p["organisation"], "kind": p["kind"], "active": True,
                                       "created_on": entry.effective, "password_digest": "", "second_factor_digest": "",
                                       "last_seq": entry.seq})


@projects(STAFF_ACCOUNT_DEACTIVATED)
def account_deactivated(entry: PostedEntry, store: Store) -> None:
    _update(store, ACCOUNT, entry.payload["username"], entry, active=False)


@projects(ROLE_GRANTED)
def role_granted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(GRANT, p["grant"], {"uid": p["grant"], "account_id": p["username"], "role": p["role"], "region": p["region"],
                                  "granted_on": entry.effective, "revoked_on": None,
                                  "request_ref": p.get("request_ref", ""), "bootstrap": p.get("bootstrap", False),
                                  "last_seq": entry.seq})


@projects(ROLE_REVOKED)
def role_revoked(entry: PostedEntry, store: Store) -> None:
    _update(store, GRANT, entry.payload["grant"], entry, revoked_on=entry.effective)


@projects(AGREEMENT_RECORDED)
def agreement_recorded(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(AGREEMENT, p["agreement"], {"uid": p["agreement"], "account_id": p["username"], "organisation": p["organisation"],
                                          "signed_on": p["signed_on"], "expires_on": p["expires_on"],
                                          "document_sha256": p["document_sha256"], "last_seq": entry.seq})


@projects(TOKEN_ISSUED)
def token_issued(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(TOKEN, p["token"], {"uid": p["token"], "account_id": p["username"], "label": p["label"], "scopes": p["scopes"],
                                  "token_sha256": p["token_sha256"], "expires_at": p["expires_at"], "revoked_on": None,
                                  "request_ref": p.get("request_ref", ""), "last_seq": entry.seq})


@projects(TOKEN_REVOKED)
def token_revoked(entry: PostedEntry, store: Store) -> None:
    _update(store, TOKEN, entry.payload["token"], entry, revoked_on=entry.effective)


@projects(PASSWORD_CHANGED)
def password_changed(entry: PostedEntry, store: Store) -> None:
    _update(store, ACCOUNT, entry.payload["username"], entry, password_digest=entry.payload["digest"])


@projects(SECOND_FACTOR_ENROLLED)
def second_factor_enrolled(entry: PostedEntry, store: Store) -> None:
    _update(store, ACCOUNT, entry.payload["username"], entry, second_factor_digest=entry.payload["digest"])


@projects(SECOND_FACTOR_REMOVED)
def second_factor_removed(entry: PostedEntry, store: Store) -> None:
    _update(store, ACCOUNT, entry.payload["username"], entry, second_factor_digest="")
