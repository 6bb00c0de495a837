"""Personal data at rest: AES-256-GCM sealing and HMAC-SHA-256 blind indexes.

A sealed value is `v1:` + base64(nonce ‖ ciphertext ‖ tag). The associated data binds it to the
record and field it belongs to (for example `person:<uid>:id_number`), so a sealed value copied to
another person or field does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sirecords.crypto.keys import active_keys

PREFIX = "v1:"


class SealBroken(ValueError):
    """A sealed value does not open: wrong key, wrong place, or changed."""


def seal_bytes(data: bytes, context: str, *, key: bytes | None = None) -> bytes:
    """nonce ‖ ciphertext ‖ tag, for files."""
    key = key or active_keys().data_key
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, context.encode("utf-8"))


def unseal_bytes(sealed: bytes, context: str, *, key: bytes | None = None) -> bytes:
    key = key or active_keys().data_key
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], context.encode("utf-8"))
    except (ValueError, InvalidTag):
        raise SealBroken(f"sealed value for {context} does not open: it was changed or moved") from None


NONCE, TAG = 12, 16


def seal_chunks_into(handle: BinaryIO, chunks: Iterable[bytes], context: str, *, key: bytes | None = None) -> None:
    """Write the pieces to `handle` sealed exactly as seal_bytes seals their concatenation (nonce ‖ ciphertext ‖ tag),
    one piece in memory at a time."""
    key = key or active_keys().data_key
    nonce = os.urandom(NONCE)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode("utf-8"))
    handle.write(nonce)
    for chunk in chunks:
        handle.write(encryptor.update(chunk))
    handle.write(encryptor.finalize() + encryptor.tag)


def unseal_file_chunks(path: Path, context: str, *, chunk: int = 1 << 20, key: bytes | None = None) -> Iterator[bytes]:
    """The plaintext of a file sealed by seal_bytes, a chunk at a time, in constant memory. The tag is checked at
    the end: until the iteration ends without SealBroken the chunks are unauthenticated (fit for hashing only)."""
    key = key or active_keys().data_key
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < NONCE + TAG:
            raise SealBroken(f"sealed file for {context} is truncated ({size} bytes)")
        nonce = handle.read(NONCE)
        handle.seek(size - TAG)
        tag = handle.read(TAG)
        handle.seek(NONCE)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context.encode("utf-8"))
        remaining = size - NONCE - TAG
        while remaining:
            data = handle.read(min(chunk, remaining))
            if not data:
                raise SealBroken(f"sealed file for {context} shrank while it was read")
            remaining -= len(data)
            yield decryptor.update(data)
        try:
            decryptor.finalize()
        except InvalidTag:
            raise SealBroken(f"sealed value for {context} does not open: it was changed or moved") from None


def unseal_stream_chunks(pieces: Iterable[bytes], context: str, *, key: bytes | None = None) -> Iterator[bytes]:
    """The plaintext of bytes sealed by seal_bytes, read as a stream of pieces of any size (an object store's body):
    no seeking, the last TAG bytes held back until the stream ends. As with unseal_file_chunks, the tag is checked at
    the end: until the iteration ends without SealBroken the chunks are unauthenticated (fit for hashing only)."""
    key = key or active_keys().data_key
    held = b""
    decryptor = None
    for piece in pieces:
        held += piece
        if decryptor is None:
            if len(held) < NONCE:
                continue
            decryptor = Cipher(algorithms.AES(key), modes.GCM(held[:NONCE])).decryptor()
            decryptor.authenticate_additional_data(context.encode("utf-8"))
            held = held[NONCE:]
        if len(held) > TAG:
            out, held = held[:-TAG], held[-TAG:]
            yield decryptor.update(out)
    if decryptor is None or len(held) < TAG:
        raise SealBroken(f"sealed file for {context} is truncated")
    try:
        decryptor.finalize_with_tag(held)
    except InvalidTag:
        raise SealBroken(f"sealed value for {context} does not open: it was changed or moved") from None


def seal(plaintext: str, context: str, *, key: bytes | None = None) -> str:
    return PREFIX + base64.b64encode(seal_bytes(plaintext.encode("utf-8"), context, key=key)).decode("ascii")


def unseal(token: str, context: str, *, key: bytes | None = None) -> str:
    key = key or active_keys().data_key
    if not token.startswith(PREFIX):
        raise SealBroken(f"sealed value for {context} has an unknown format")
    try:
        raw = base64.b64decode(token[len(PREFIX):], validate=True)
    except ValueError:
        raise SealBroken(f"sealed value for {context} is not base64") from None
    return unseal_bytes(raw, context, key=key).decode("utf-8")


def blind_index(kind: str, value: str, *, key: bytes | None = None) -> str:
    """Keyed hash for exact-match look-ups; `kind` separates the index spaces (id_number, name…)."""
    key = key or active_keys().index_key
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def blind_indexes(kind: str, values: Iterable[str], *, key: bytes | None = None) -> list[str]:
    """blind_index of each value, in order: the same keyed hashes, for many values (a report of a million rows hashes
    a million numbers). HMAC (RFC 2104) is H((K ^ opad) ‖ H((K ^ ipad) ‖ m)): the SHA-256 states after the key's padded
    block (and, inside, the kind's prefix) are computed once and copied for each value, as the hmac module's own
    Python fallback does, instead of setting the key up again per value (OpenSSL's one-shot HMAC: about four times
    the time here). tests/crypto/test_blind_indexes.py checks it against hmac for keys of every length."""
    key = key or active_keys().index_key
    if len(key) > hashlib.sha256().block_size:  # RFC 2104: a longer key is hashed first
        key = hashlib.sha256(key).digest()
    block = key.ljust(hashlib.sha256().block_size, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    inner.update(f"{kind}\x00".encode())
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    inner_copy, outer_copy = inner.copy, outer.copy
    indexes = []
    for value in values:
        state = inner_copy()
        state.update(value.encode())
        result = outer_copy()
        result.update(state.digest())
        indexes.append(result.hexdigest())
    return indexes
