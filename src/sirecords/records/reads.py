"""Every read of a person's data by staff goes through here (第二十一条, 第二十二条, 第二十三条):

1. the region: staff read only the persons of the pooling regions where they hold a reading role;
2. the limits: distinct persons per hour and day (records/limits.py);
3. the access log: who, whose record, what, through which channel, for which stated purpose (records/purposes.py).

A refusal is explained to the caller (ReadRefused: 403 for the region, 429 for a limit), written to the access log
(`what` starting "refused:") and to the security log. A look-up of an ID number nobody is registered with, or of
an invalid one, is written too, under the number's keyed index (never the number): probes leave a trace.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.utils.translation import gettext as _

from sirecords.records.access_log import record_access
from sirecords.records.limits import REFUSED, ReadRefused, check_distinct, check_rate, count_probe, raise_alert
from sirecords.records.purposes import Purpose, implied
from sirecords.registry.models import Person
from sirecords.registry.subjects import id_number_subject
from sirecords.transactions.actors import Actor
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.stages import STAGE_ROLE

__all__ = ["READING_ROLES", "ReadRefused", "Reader", "home_region_of", "id_number_subject", "person_of", "read", "reading_regions",
           "subjects_of", "transaction_purpose"]

security_log = logging.getLogger("sirecords.security")

# The roles that read persons' records, each in the regions where it is held (web/rules_record.py admits them).
READING_ROLES = ("clerk", "maintainer", *STAGE_ROLE.values(), "query_officer", "supervisor")


class Reader:
    """Who reads, and how: the actor, the channel, and the token when a service token reads (its limits apply)."""

    def __init__(self, actor: Actor, channel: str, token: str = "") -> None:  # nosec B107 # no token: a staff member reads, not a service account
        self.actor, self.channel, self.token = actor, channel, token

    @property
    def via(self) -> str:
        return f"token:{self.token}" if self.token else "session"

    @property
    def rate_key(self) -> str:
        return f"token:{self.token}" if self.token else f"user:{self.actor.username}"


def reading_regions(actor: Actor) -> list[str]:
    return sorted({region for role in READING_ROLES for region in actor.regions_for(role)})


def may_read_in(actor: Actor, region: str) -> bool:
    return any(actor.has(role, region) for role in READING_ROLES)


def _person_key(subject: str | None) -> tuple[str, str] | None:
    """(column of registry_person, value) a subject names a person by: "person:<uid>" or "idx:<index>"; else None."""
    for prefix, column in (("person:", "uid"), ("idx:", "id_number_index")):
        if subject and subject.startswith(prefix):
            return column, subject.removeprefix(prefix)
    return None


def person_of(subject: str | None) -> Person | None:
    """The registered person a subject names: "person:<uid>", or "idx:<index>" once that number is registered."""
    key = _person_key(subject)
    return Person.objects.filter(**{key[0]: key[1]}).first() if key else None


def subjects_of(subject: str) -> list[str]:
    """Every subject under which the access log names whom `subject` names: a registered person's reads before their
    registration are under the keyed index of their ID number ("idx:"), which their row keeps."""
    person = person_of(subject)
    return [f"person:{person.uid}", f"idx:{person.id_number_index}"] if person else [subject]


def home_region_of(subject: str) -> str | None:
    """The workflow's look-up (workflow/regions.py): the pooling region of the person a subject names (that column
    alone: every opening and every review of a transaction about a person asks)."""
    found = _person_key(subject)
    if found is None:
        return None
    column, key = found
    with connection.cursor() as cursor:  # one plain query: the ORM's would cost some ten times the look-up
        cursor.execute(f"SELECT pooling_region FROM {Person._meta.db_table} WHERE {column} = %s LIMIT 1", [key])  # nosec B608 # column: one of _person_key's two
        found = cursor.fetchone()
    return found[0] if found else None


def _refuse(reader: Reader, subject: str, why: str, purpose: Purpose | str, message: str, status: int,
            retry_after: int | None = None) -> ReadRefused:
    record_access(reader.actor.username, subject, f"{REFUSED} {why}", reader.channel, str(purpose))
    security_log.warning("read refused %s %s (%s): %s", reader.actor.username, subject, reader.via, why)
    return ReadRefused(message, status, retry_after)


def check_region(reader: Reader, person: Person, purpose: Purpose | str) -> None:
    region = person.pooling_region
    if may_read_in(reader.actor, region):
        return
    held = "、".join(reading_regions(reader.actor)) or _("no region")
    raise _refuse(reader, f"person:{person.uid}", f"region {region}", purpose, _(
        "This person belongs to pooling region {region}; you may read the records of region {held} only.").format(
        region=region, held=held), 403)


def check_limits(reader: Reader, subject: str, purpose: Purpose | str) -> None:
    over = check_distinct(reader.actor.username, subject, token=bool(reader.token))
    if over:
        limit, allowed, message, wait = over
        raise_alert(reader.actor.username, limit, allowed, channel=reader.channel, via=reader.via)
        raise _refuse(reader, subject, f"read limit {allowed}", purpose, message, 429, wait)


def read(reader: Reader, subject: str | None, what: str, purpose: Purpose | str, *, person: Person | None = None) -> None:
    """Admit and log one read of whatever `subject` names ("person:<uid>", "idx:<index>" for a person not yet
    registered; None or "txn:<uid>" for none known): the region of a registered person, the limits, then the
    access log. Raises ReadRefused (already logged). `person`: the registered person `subject` names ("person:<uid>"),
    when the caller has just read their row (not read again)."""
    if not subject:
        return
    if person is None or subject != f"person:{person.uid}":
        person = person_of(subject)
    if person is not None:
        subject = f"person:{person.uid}"
        check_region(reader, person, purpose)
    check_limits(reader, subject, purpose)
    record_access(reader.actor.username, subject, what, reader.channel, str(purpose))


def admit_lookup(reader: Reader, request, raw_number: str, purpose: Purpose | str) -> None:
    """Before a look-up by ID number: the caller's look-up and probe rates. Raises ReadRefused (429, logged)."""
    over = check_rate(request, reader.rate_key)
    if over:
        limit, allowed, message, wait = over
        raise_alert(reader.actor.username, limit, allowed, channel=reader.channel, via=reader.via)
        raise _refuse(reader, id_number_subject(raw_number), f"look-up rate {allowed}", purpose, message, 429, wait)


def probe(reader: Reader, request, raw_number: str, purpose: Purpose | str, *, invalid: bool) -> None:
    """A look-up found nobody (`invalid`: the number fails its check): logged under the number's keyed index, and
    counted towards the probe limit."""
    count_probe(request, reader.rate_key)
    what = "look-up: invalid ID number" if invalid else "look-up: nobody registered with this ID number"
    record_access(reader.actor.username, id_number_subject(raw_number), what, reader.channel, str(purpose))


def transaction_purpose(actor: Actor, txn: BusinessTransaction) -> Purpose:
    """Why a page or answer about a transaction shows the person it is about: the opener follows it up, the reviewer of
    the stage due reviews it, anyone else who may see it (a supervisor) supervises. The same words on every channel."""
    if txn.created_by == actor.username:
        return implied("transaction", "follow-up by the clerk who opened it", txn.uid)
    due = txn.due_stage
    if due is not None and actor.has(STAGE_ROLE[due], txn.region):
        return implied("transaction", "review of the stage due", txn.uid)
    return implied("supervision", "supervision of a business transaction", txn.uid)
