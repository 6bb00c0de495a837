"""Sealing and opening the files exchanged with another region (crypto/envelope.py): signed by this region's
signed-note key, encrypted to the other region's registered X25519 key; opened only when the sender is registered, its
signature verifies, the file is addressed here and of the kind expected. Written files also go to the outbox
($SIRECORDS_HOME/outbox/<region>/<letter>.<kind>.json) for the platform connector."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from sirecords.core.home import home
from sirecords.crypto.envelope import EnvelopeError, open_envelope, seal_envelope
from sirecords.crypto.keys import transfer_key
from sirecords.regions.keys import encryption_key_of, signer, verifier_for


class ExchangeRefused(ValueError):
    """A file from another region is not accepted, or one cannot be written to it; the message says why."""


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def seal(kind: str, to_region: str, letter: str, content: bytes) -> bytes:
    try:
        recipient = encryption_key_of(to_region)
    except LookupError as missing:
        raise ExchangeRefused(str(missing)) from None
    return seal_envelope(kind, settings.SIRECORDS_REGION, to_region, letter, content, signer=signer(),
                         recipient_public=recipient)


def send(kind: str, to_region: str, letter: str, content: bytes, out: Path, *, name: str | None = None) -> Path:
    """Seal `content` to `to_region`, write it to `out` and to the outbox (as `name`, by default <letter>.<kind>.json:
    a supplementary package is <letter>.package-<n>.json); the outbox path."""
    envelope = seal(kind, to_region, letter, content)
    outbox = home() / "outbox" / to_region / (name or f"{letter}.{kind}.json")
    write_file(out, envelope)
    write_file(outbox, envelope)
    return outbox


def open_file(data: bytes, kind: str) -> tuple[dict[str, str], bytes]:
    """(header, content) of a file of `kind` sent to this region by a registered region; ExchangeRefused otherwise."""
    try:
        header, content = open_envelope(data, verifier_for=verifier_for, recipient_private=transfer_key(),
                                        expected_to=settings.SIRECORDS_REGION)
    except EnvelopeError as refused:
        raise ExchangeRefused(str(refused)) from None
    if header["kind"] != kind:
        raise ExchangeRefused(f"这是{header['kind']}，不是{kind} / this file is a {header['kind']}, not a {kind}")
    return header, content


def content_json(content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict):
        raise ExchangeRefused("内容不是 JSON 对象 / the content is not a JSON object")
    return value
