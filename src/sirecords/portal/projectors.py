"""How portal.* entries change the portal account tables."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects
from sirecords.portal.credentials import EMPLOYER, kind_of
from sirecords.portal.kinds import (
    EMPLOYER_ACTIVATION_ISSUED,
    EMPLOYER_PORTAL_ACCOUNT_CREATED,
    PERSON_ACTIVATION_ISSUED,
    PORTAL_ACCOUNT_ACTIVATED,
    PORTAL_ACCOUNT_LOCKED,
)

PERSON_TABLE, EMPLOYER_TABLE = "portal_person_account", "portal_employer_account"


def _table(username: str) -> str:
    return EMPLOYER_TABLE if kind_of(username) == EMPLOYER else PERSON_TABLE


def _update(store: Store, username: str, entry: PostedEntry, **changes) -> None:
    table = _table(username)
    row = store.get(table, username)
    if row is None:
        raise LookupError(f"entry #{entry.seq} ({entry.kind}) refers to {table} {username}, which does not exist")
    row.update(changes, last_seq=entry.seq)
    store.put(table, username, row)


@projects(PERSON_ACTIVATION_ISSUED)
def person_activation_issued(entry: PostedEntry, store: Store) -> None:
    """The first code makes the (pending) account; a later one is a password reset: the account keeps its state and
    credentials until the code is used."""
    p = entry.payload
    row = store.get(PERSON_TABLE, p["username"])
    if row is None:
        store.put(PERSON_TABLE, p["username"], {  # nosec B105 # empty digest: no password set until activation
            "username": p["username"], "person_uid": p["person"], "state": "pending",
            "activation_digest": p["code_digest"], "activation_expires_on": p["expires_on"], "password_digest": "",
            "second_factor_digest": "", "activated_on": None, "last_seq": entry.seq})
    else:
        _update(store, p["username"], entry, activation_digest=p["code_digest"], activation_expires_on=p["expires_on"])


@projects(EMPLOYER_PORTAL_ACCOUNT_CREATED)
def employer_account_created(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(EMPLOYER_TABLE, p["username"], {  # nosec B105 # empty digest: no password set until activation
        "username": p["username"], "employer_uid": p["employer"], "user_name": p["user_name"],
        "display_name": p["display_name"], "state": "pending", "activation_digest": p["code_digest"],
        "activation_expires_on": p["expires_on"], "password_digest": "", "second_factor_digest": "",
        "activated_on": None, "last_seq": entry.seq})


@projects(EMPLOYER_ACTIVATION_ISSUED)
def employer_activation_issued(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    _update(store, p["username"], entry, activation_digest=p["code_digest"], activation_expires_on=p["expires_on"])


@projects(PORTAL_ACCOUNT_ACTIVATED)
def account_activated(entry: PostedEntry, store: Store) -> None:
    """The code is used up; the account's credentials are the ones the holder just set."""
    p = entry.payload
    _update(store, p["username"], entry, state="active", activation_digest="", activation_expires_on=None,
            password_digest=p["password_digest"], second_factor_digest=p["second_factor_digest"],
            activated_on=entry.effective)


@projects(PORTAL_ACCOUNT_LOCKED)
def account_locked(entry: PostedEntry, store: Store) -> None:
    """Locked: no sign-in, and any pending code is void."""
    _update(store, entry.payload["username"], entry, state="locked", activation_digest="", activation_expires_on=None)
