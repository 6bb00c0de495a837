"""Feeds written as the departments send them."""

from __future__ import annotations

PERSON_EVENTS = "id_number,name,event,event_on,source,reference"


def feed(header: str, *rows: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)
