"""A scoped view (scopes.person_view) as a CSV file: one block per section, each with its own header row.

It writes only what the view holds, so the file holds nothing the scope left out; every cell goes through
core/csvsafe.py (formula injection neutralised)."""

from __future__ import annotations

import io
from typing import Any

from sirecords.core.csvsafe import writer

# The sections in the order of 第二条, each a list of rows (dicts) or one dict; nested lists are left out (the page has them).
SECTIONS = ("person", "timeline", "contributions", "subsidies", "account_years", "deemed_service", "contribution_years",
            "pension", "account_closure")


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not isinstance(value, (list, dict))}


def view_csv(view: dict[str, Any]) -> bytes:
    """The view as UTF-8 CSV with a BOM (spreadsheets open Chinese text right)."""
    out = io.StringIO()
    csv = writer(out)
    scope = view.get("scope") or {}
    csv.writerow(["scope", scope.get("requester", ""), scope.get("basis", "")])
    csv.writerow(["items", *[item["title"] for item in scope.get("items", [])]])
    csv.writerow(["months", "all" if scope.get("all_time") else " ".join(f"{w['start']}..{w['end']}" for w in scope.get("windows", []))])
    for section in SECTIONS:
        if section not in view or view[section] is None:
            continue
        value = view[section]
        rows = [_flat(value)] if isinstance(value, dict) else [_flat(row) for row in value]
        csv.writerow([])
        csv.writerow([section])
        if not rows:
            continue
        keys = list(dict.fromkeys(key for row in rows for key in row))
        csv.writerow(keys)
        for row in rows:
            csv.writerow(["" if row.get(key) is None else row.get(key) for key in keys])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
