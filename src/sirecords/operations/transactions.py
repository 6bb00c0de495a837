"""record_backup_check: the result of a readability check (`sirecords backup verify`) or of a restore drill
(`sirecords backup drill`), one entry per backup checked. The check itself is the review — the command measured
what the entry states — so the type needs no review stage (workflow/stages.toml); only an administrator (sysadmin
or dba: the information agency runs backups, 第二十五条) may post it. Opened only through operations/services.py."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.operations.kinds import BACKUP_DRILLED, BACKUP_VERIFIED
from sirecords.transactions.posting import NO_PERSON, InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields

RECORD_BACKUP_CHECK = "record_backup_check"
OPERATORS = ("sysadmin", "dba")
MAX_CHECKS = 1000
CHECKS = {"readability": BACKUP_VERIFIED, "drill": BACKUP_DRILLED}
BACKUP_ID = re.compile(r"backup-[A-Za-z0-9._-]{1,120}\Z")  # a folder of backups/archive.py (or a copy of one)
ROOT = re.compile(r"[0-9a-f]{64}\Z")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
# Fields each check states besides check, backup, target, ok and checked_at: name → (type, required).
FIELDS: dict[str, dict[str, tuple[type, bool]]] = {
    "readability": {"files": (int, True), "files_opened": (int, True), "problem": (str, False)},
    "drill": {"root_equal": (bool, True), "entries": (int, True), "root": (str, False), "manifest_root": (str, True),
              "manifest_entries": (int, True), "rto_ms": (int, True), "rpo_ms": (int, True), "findings": (int, True),
              "problem": (str, False)},
}
COMMON = {"check", "backup", "target", "ok", "checked_at"}


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    checks = payload.get("checks") if isinstance(payload.get("checks"), list) else []
    return [added(f"checks[{n}]", "备份检查 backup check",
                  f"{c.get('check')} {c.get('backup')}: {'ok' if c.get('ok') is True else 'FAILED'}")
            for n, c in enumerate(checks, 1) if isinstance(c, dict)]


def _summary(payload: dict[str, Any]) -> list[str]:
    checks = payload.get("checks") if isinstance(payload.get("checks"), list) else []
    kinds = sorted({str(c.get("check", "")) for c in checks if isinstance(c, dict)})
    return [", ".join(kinds), f"{len(checks)} backups"]


def _checked(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(the entry kind, the entry's body): every field named with why when it is not what the check states."""
    errors = Errors()
    check = payload.get("check")
    if check not in CHECKS:
        errors["check"] = _("must be one of {kinds}").format(kinds=", ".join(CHECKS))
        errors.raise_if_any()
    fields = FIELDS[check]
    unknown_fields(payload, COMMON | set(fields), errors)
    backup = str(payload.get("backup") or "")
    if not BACKUP_ID.match(backup):
        errors["backup"] = _("must be a backup's folder name, backup-…")
    target = text(payload, "target", errors, required=True, max_length=500)
    if type(payload.get("ok")) is not bool:
        errors["ok"] = _("must be true or false")
    checked_at = str(payload.get("checked_at") or "")
    if not STAMP.match(checked_at):
        errors["checked_at"] = _("must be a UTC time YYYY-MM-DDTHH:MM:SSZ")
    body: dict[str, Any] = {"check": check, "backup": backup, "target": target, "ok": payload.get("ok"),
                            "checked_at": checked_at}
    for name, (kind, required) in fields.items():
        value = payload.get(name)
        if value is None and not required:
            continue
        if kind is str:
            value = text(payload, name, errors, required=required, max_length=500)
        elif type(value) is not kind or (kind is int and value < 0):
            errors[name] = _("must be true or false") if kind is bool else _("must be a whole number, 0 or more")
        body[name] = value
    for name in ("root", "manifest_root"):
        if body.get(name) and not ROOT.match(body[name]):
            errors[name] = _("must be a ledger root: 64 hexadecimal digits")
    if check == "drill" and type(body.get("root_equal")) is bool and body["root_equal"] != (
            body.get("root") == body.get("manifest_root") and body.get("entries") == body.get("manifest_entries")):
        errors["root_equal"] = _("does not agree with the roots and sizes stated")
    if check == "drill" and body.get("ok") is True and body.get("root_equal") is not True:
        errors["ok"] = _("a drill whose root differs from the manifest's did not succeed")
    errors.raise_if_any()
    return CHECKS[check], body


@transaction_type(RECORD_BACKUP_CHECK, gettext_lazy("Record backup checks"), creators=OPERATORS, describe=_describe,
                  summary=_summary, subject=lambda payload, posted: NO_PERSON)
def record_backup_check(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """{"checks": [check, …]}: one run's results (a `backup verify` of every backup in a target, or one drill), an
    entry each, all or nothing."""
    errors = Errors()
    unknown_fields(payload, {"checks"}, errors)
    checks = payload.get("checks")
    if not isinstance(checks, list) or not 0 < len(checks) <= MAX_CHECKS or not all(isinstance(c, dict) for c in checks):
        errors["checks"] = _("must be a list of 1 to {n} checks").format(n=MAX_CHECKS)
    errors.raise_if_any()
    entries = []
    for number, check in enumerate(checks, 1):
        try:
            kind, body = _checked(check)
        except InvalidTransaction as invalid:
            raise InvalidTransaction({f"checks[{number}].{name}": why for name, why in invalid.errors.items()}) from None
        entries.append(NewEntry(kind, f"backup:{body['backup']}", body, body["checked_at"][:10]))
    return entries
