"""How a transfer's entries fill transfers_transfer, and what a sent or received record changes in the tables below
(contributions_transferred_month, contributions_account_transfer, accounts_deemed_service); rebuilt from the ledger by
`verify`. The received account's pension credit (contributions_pension_credit) is added once, when the entry is posted
(LiveStore): verify checks that summary against the rows and the received accounts (contributions/summary.py)."""

from __future__ import annotations

from sirecords.contributions import summary as pension_credits
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import LiveStore, Store, existing, projects
from sirecords.transfers.kinds import (
    TRANSFER_CLOSED,
    TRANSFER_RECEIVED,
    TRANSFER_REQUESTED,
    TRANSFER_SENT,
    TRANSFER_SUPPLEMENT_RECEIVED,
    TRANSFER_SUPPLEMENT_SENT,
)

TRANSFERS = "transfers_transfer"
MONTHS = "contributions_transferred_month"
ACCOUNTS = "contributions_account_transfer"
DEEMED = "accounts_deemed_service"

EMPTY = {"due_on": "", "ended_on": "", "refusal": "", "months": 0, "deemed_months": 0, "account_fen": 0,
         "pooled_fen": 0, "funds_ref": "", "supplements": 0, "supplemented_on": ""}
FIGURES = ("months", "deemed_months", "account_fen", "pooled_fen")


def _row(uid: str, after: dict, seq: int) -> dict:
    return {**EMPTY, "uid": uid, "person": after["person"], "direction": after["direction"],
            "other_region": after["other_region"], "state": after["state"], "collect": after["collect"],
            "requested_on": after["requested_on"], "due_on": after.get("due_on", ""), "last_seq": seq}


@projects(TRANSFER_REQUESTED)
def transfer_requested(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.insert(TRANSFERS, p["transfer"], _row(p["transfer"], p["after"], entry.seq))


def _moved(entry: PostedEntry, store: Store, row: dict, direction: str) -> None:
    """The account (and, in, the months and deemed months) that moved with the transfer."""
    p, a = entry.payload, entry.payload["after"]
    uid, person = p["transfer"], row["person"]
    year = int(a["ended_on"][:4])
    store.insert(ACCOUNTS, uid, {"transfer": uid, "person_id": person, "direction": direction,
                                 "region": row["other_region"], "year": year, "amount_fen": a["account_fen"],
                                 "last_seq": entry.seq})
    if direction != "in":
        return
    _brought(entry, store, uid, person, store.insert)
    _credit(store, person, year, a["account_fen"])


def _deemed_key(uid: str, number: int) -> str:
    return f"{uid[:24]}:deemed{number}"  # within DeemedService.uid's 32 characters; the transfer uid is random


def _brought(entry: PostedEntry, store: Store, uid: str, person: str, write) -> None:
    """The months and deemed service a received package brought (`write`: insert for new rows, put to replace)."""
    p = entry.payload
    for month in p["months"]:
        key = f"{uid}:{month['period']}"
        write(MONTHS, key, {"key": key, "transfer": uid, "person_id": person, "region": month["region"],
                            "period": month["period"], "base_fen": month["base_fen"], "last_seq": entry.seq})
    for number, deemed in enumerate(p["deemed"], start=1):
        key = _deemed_key(uid, number)
        write(DEEMED, key, {"uid": key, "person_id": person, "region": deemed["region"], "start": deemed["start"],
                            "end": deemed["end"], "months": deemed["months"], "work_unit": deemed["work_unit"],
                            "last_seq": entry.seq})


def _credit(store: Store, person: str, year: int, amount: int) -> None:
    """The received account (or a supplement's difference of it) in the pension credit summary: live posting only."""
    if isinstance(store, LiveStore) and amount:
        pension_credits.add_pension_credits({(person, basis, year): [amount, amount * 12]
                                             for basis in pension_credits.BASES})


@projects(TRANSFER_SENT)
def transfer_sent(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = _row(p["transfer"], p["after"], entry.seq)
    row.update({key: p["after"][key] for key in ("ended_on", "months", "deemed_months", "account_fen", "pooled_fen")})
    row["due_on"] = ""
    store.insert(TRANSFERS, p["transfer"], row)
    _moved(entry, store, row, "out")


@projects(TRANSFER_CLOSED)
def transfer_closed(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = existing(store, TRANSFERS, p["transfer"], entry)
    row.update(state=p["after"]["state"], ended_on=p["after"]["ended_on"], refusal=p["after"]["refusal"], due_on="",
               last_seq=entry.seq)
    store.put(TRANSFERS, p["transfer"], row)


@projects(TRANSFER_RECEIVED)
def transfer_received(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = existing(store, TRANSFERS, p["transfer"], entry)
    row.update({key: p["after"][key] for key in ("state", "ended_on", *FIGURES, "funds_ref")}, due_on="",
               supplements=p["after"].get("supplements", 0), supplemented_on=p["after"].get("supplemented_on", ""),
               last_seq=entry.seq)
    store.put(TRANSFERS, p["transfer"], row)
    _moved(entry, store, row, "in")


@projects(TRANSFER_SUPPLEMENT_SENT)
def transfer_supplement_sent(entry: PostedEntry, store: Store) -> None:
    """The record sent again after a correction: the transfer's figures and the account that moved are the new ones."""
    p, uid = entry.payload, entry.payload["transfer"]
    row = existing(store, TRANSFERS, uid, entry)
    row.update({key: p["after"][key] for key in (*FIGURES, "supplements", "supplemented_on")}, last_seq=entry.seq)
    store.put(TRANSFERS, uid, row)
    account = existing(store, ACCOUNTS, uid, entry)
    account.update(amount_fen=p["after"]["account_fen"], last_seq=entry.seq)
    store.put(ACCOUNTS, uid, account)


@projects(TRANSFER_SUPPLEMENT_RECEIVED)
def transfer_supplement_received(entry: PostedEntry, store: Store) -> None:
    """A supplementary package's months, deemed service and account replace what the transfer brought before."""
    p, uid = entry.payload, entry.payload["transfer"]
    row = existing(store, TRANSFERS, uid, entry)
    row.update({key: p["after"][key] for key in (*FIGURES, "funds_ref", "supplements", "supplemented_on")},
               last_seq=entry.seq)
    store.put(TRANSFERS, uid, row)
    for period in p["withdrawn"]:
        store.delete(MONTHS, f"{uid}:{period}")
    for number in range(len(p["deemed"]) + 1, p["before"]["deemed_rows"] + 1):
        store.delete(DEEMED, _deemed_key(uid, number))
    _brought(entry, store, uid, row["person"], store.put)
    account = existing(store, ACCOUNTS, uid, entry)
    difference = p["after"]["account_fen"] - account["amount_fen"]
    account.update(amount_fen=p["after"]["account_fen"], last_seq=entry.seq)
    store.put(ACCOUNTS, uid, account)
    _credit(store, row["person"], account["year"], difference)
