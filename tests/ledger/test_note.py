"""Tests for sirecords.ledger.note: C2SP signed notes and checkpoints with Ed25519."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.ledger.note import (
    Checkpoint,
    NoteError,
    key_hash,
    open_checkpoint,
    open_note,
    parse_checkpoint_body,
    sign_checkpoint,
    sign_note,
    verifier_key,
)

LOG = "records.example/log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
LOG_VKEY = verifier_key(LOG, LOG_KEY.public_key())
ROOT = hashlib.sha256(b"root").digest()
CP = Checkpoint(origin=LOG, size=20852163, root=ROOT)

# golang.org/x/mod/sumdb/note example (note.go package doc / ExampleSign): a fixed key
# and its published signed note. Ed25519 is deterministic, so we must reproduce it exactly.
GO_SKEY_B64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # 0x01 || seed, from PRIVATE+KEY+...
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def _sig_line(note: str) -> str:
    return note.rsplit("\n\n", 1)[1]


# --- interop and formats ---


def test_go_sumdb_note_vector():
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(GO_SKEY_B64)[1:])
    assert verifier_key("PeterNeumann", key.public_key()) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    assert open_note(GO_NOTE, GO_VKEY) == GO_TEXT
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), GO_VKEY)


def test_key_hash_by_hand():
    pub = LOG_KEY.public_key().public_bytes_raw()
    # signed-note: key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]
    expected = hashlib.sha256(LOG.encode() + b"\n" + b"\x01" + pub).digest()[:4]
    assert key_hash(LOG, LOG_KEY.public_key()) == expected
    assert len(expected) == 4


def test_verifier_key_format():
    name, kid, key = LOG_VKEY.split("+", 2)
    assert name == LOG
    assert re.fullmatch(r"[0-9a-f]{8}", kid)
    assert bytes.fromhex(kid) == key_hash(LOG, LOG_KEY.public_key())
    assert base64.b64decode(key) == b"\x01" + LOG_KEY.public_key().public_bytes_raw()


def test_checkpoint_body_format():
    assert CP.body() == f"{LOG}\n20852163\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint(LOG, 0, ROOT).body().split("\n")[1] == "0"


def test_signed_checkpoint_layout():
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    body, sig = note.split("\n\n")
    assert body + "\n" == CP.body()
    assert sig.startswith("\u2014 " + LOG + " ") and sig.endswith("\n") and sig.count("\n") == 1
    raw = base64.b64decode(sig.split(" ")[2])
    assert raw[:4] == key_hash(LOG, LOG_KEY.public_key()) and len(raw) == 68
    LOG_KEY.public_key().verify(raw[4:], CP.body().encode())


# --- round trips ---


def test_note_round_trip():
    body = "line one\n\nline three after a blank line\n"
    note = sign_note(body, LOG, LOG_KEY)
    assert open_note(note, LOG_VKEY) == body


def test_checkpoint_round_trip():
    assert open_checkpoint(sign_checkpoint(CP, LOG, LOG_KEY), LOG_VKEY) == CP


@settings(deadline=None)
@given(
    origin=st.text(
        st.characters(min_codepoint=0x20, blacklist_categories=("Cs",)), min_size=1, max_size=40
    ),
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_checkpoint_round_trip_property(origin, size, root):
    cp = Checkpoint(origin, size, root)
    assert parse_checkpoint_body(cp.body()) == cp
    assert open_checkpoint(sign_checkpoint(cp, LOG, LOG_KEY), LOG_VKEY) == cp


def test_other_signatures_are_ignored():
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    witness = sign_note(CP.body(), "witness.example", OTHER_KEY)
    both = note + _sig_line(witness)
    assert open_checkpoint(both, LOG_VKEY) == CP
    # Order does not matter, and the witness key verifies its own line.
    reordered = CP.body() + "\n" + _sig_line(witness) + _sig_line(note)
    assert open_checkpoint(reordered, LOG_VKEY) == CP
    assert open_checkpoint(both, verifier_key("witness.example", OTHER_KEY.public_key())) == CP


# --- rejections ---


def test_tampered_body():
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    tampered = note.replace("\n20852163\n", "\n20852164\n")
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(tampered, LOG_VKEY)


def test_tampered_signature():
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    body, line = note.split("\n\n")
    prefix, b64 = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[10] ^= 0x01
    tampered = f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(tampered, LOG_VKEY)


def test_truncated_signature_from_known_key():
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    body, line = note.split("\n\n")
    prefix, b64 = line.rstrip("\n").rsplit(" ", 1)
    short = base64.b64encode(base64.b64decode(b64)[:40]).decode()
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(f"{body}\n\n{prefix} {short}\n", LOG_VKEY)


def test_wrong_key():
    note = sign_checkpoint(CP, LOG, OTHER_KEY)  # same name, different key: a different key ID
    with pytest.raises(NoteError, match="no signature from key"):
        open_checkpoint(note, LOG_VKEY)
    note = sign_checkpoint(CP, "someone.else", LOG_KEY)  # same key, different name
    with pytest.raises(NoteError, match="no signature from key"):
        open_checkpoint(note, LOG_VKEY)


def test_missing_signature():
    with pytest.raises(NoteError, match="no blank line"):
        open_note(CP.body(), LOG_VKEY)
    with pytest.raises(NoteError, match="signature block is empty"):
        open_note(CP.body() + "\n", LOG_VKEY)


def test_any_bad_signature_from_known_key_rejects():
    good = sign_checkpoint(CP, LOG, LOG_KEY)
    bad = _sig_line(sign_note(CP.body().replace("2085", "9999"), LOG, LOG_KEY))
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(good + bad, LOG_VKEY)


URLSAFE_ROOT = base64.urlsafe_b64encode(bytes([0xFF]) * 32).decode()  # '_' is not std base64
SIG = _sig_line(sign_checkpoint(CP, LOG, LOG_KEY))
SIG_B64 = SIG.rstrip("\n").rsplit(" ", 1)[1]


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(CP.body() + "\n" + SIG.replace("\u2014", "-"), id="hyphen-not-em-dash"),
        pytest.param(CP.body() + "\n" + SIG.replace("\u2014 ", "\u2014"), id="no-space-after-dash"),
        pytest.param(CP.body() + "\n" + SIG.rstrip("\n"), id="no-final-newline"),
        pytest.param(CP.body() + "\n" + SIG + "\u2014 other.example\n", id="line-without-signature"),
        pytest.param(CP.body() + "\n" + SIG + "\u2014 other.example !!!!\n", id="bad-base64"),
        pytest.param(CP.body() + "\n" + SIG + "\u2014 other.example AAAAAA==\n", id="signature-too-short"),
        pytest.param(CP.body() + "\n" + SIG + f"\u2014 a+b {SIG_B64}\n", id="plus-in-name"),
        pytest.param(CP.body() + "\n" + SIG + f"\u2014  {SIG_B64}\n", id="empty-name"),
        pytest.param(CP.body() + "\n" + SIG + f"\u2014 a\u00a0b {SIG_B64}\n", id="unicode-space-in-name"),
        pytest.param(CP.body() + "\n" + SIG + f"\u2014 other {SIG_B64[:-1]}\n", id="unpadded-base64"),
        pytest.param(CP.body() + "\n" + SIG + "garbage\n", id="trailing-garbage-line"),
        pytest.param(CP.body() + "\n" + SIG * 101, id="too-many-signatures"),
        pytest.param(CP.body().replace("\n", "\r\n", 1) + "\n" + SIG, id="carriage-return"),
        pytest.param("\x00" + CP.body() + "\n" + SIG, id="nul-byte"),
        pytest.param(CP.body() + "\n" + SIG + "\ud800\n", id="lone-surrogate"),
    ],
)
def test_malformed_notes(note):
    with pytest.raises(NoteError):
        open_note(note, LOG_VKEY)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("\n0\n" + base64.b64encode(ROOT).decode() + "\n", "line 1 is empty"),
        (f"{LOG}\n01\n{base64.b64encode(ROOT).decode()}\n", "leading zeros"),
        (f"{LOG}\n-1\n{base64.b64encode(ROOT).decode()}\n", "leading zeros"),
        (f"{LOG}\n+1\n{base64.b64encode(ROOT).decode()}\n", "leading zeros"),
        (f"{LOG}\n 1\n{base64.b64encode(ROOT).decode()}\n", "leading zeros"),
        (f"{LOG}\n\u0661\n{base64.b64encode(ROOT).decode()}\n", "leading zeros"),  # Arabic-Indic 1
        (f"{LOG}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n", "length 31"),
        (f"{LOG}\n1\n{base64.b64encode(ROOT).decode().rstrip('=')}\n", "base64"),
        (f"{LOG}\n1\n{URLSAFE_ROOT}\n", "base64"),
        (f"{LOG}\n1\n{base64.b64encode(ROOT).decode()}", "newline"),
        (f"{LOG}\n1\n", "at least 3"),
        (f"{LOG}\n1\n{base64.b64encode(ROOT).decode()}\n\n", "line 4 is empty"),
    ],
)
def test_parse_checkpoint_strict(body, reason):
    with pytest.raises(NoteError, match=reason):
        parse_checkpoint_body(body)


def test_non_canonical_root_base64_rejected():
    good = base64.b64encode(b"\x00" * 31 + b"\x01").decode()  # ends "AAE="
    bad = good[:-2] + "F="  # sets an unused low bit: decodes to the same bytes
    assert base64.b64decode(bad) == base64.b64decode(good)
    with pytest.raises(NoteError, match="canonical"):
        parse_checkpoint_body(f"{LOG}\n1\n{bad}\n")


def test_extension_lines_are_kept_and_signed():
    body = CP.body() + "ext one\next two\n"
    with_lines = Checkpoint(CP.origin, CP.size, CP.root, ("ext one", "ext two"))
    assert parse_checkpoint_body(body) == with_lines and with_lines.body() == body
    assert open_checkpoint(sign_note(body, LOG, LOG_KEY), LOG_VKEY) == with_lines
    assert open_checkpoint(sign_checkpoint(with_lines, LOG, LOG_KEY), LOG_VKEY) == with_lines


@pytest.mark.parametrize("line", ["", "two\nlines", "bell\a"])
def test_bad_extension_lines_are_refused(line):
    with pytest.raises(NoteError):
        Checkpoint(CP.origin, CP.size, CP.root, (line,))


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [("", 1, ROOT), ("a\nb", 1, ROOT), ("a", -1, ROOT), ("a", True, ROOT), ("a", 1, ROOT[:31]), ("a", 1, "x" * 32)],
)
def test_checkpoint_validates_fields(origin, size, root):
    with pytest.raises(NoteError):
        Checkpoint(origin, size, root)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\tname", "nbsp\u00a0name"])
def test_invalid_key_names(name):
    with pytest.raises(NoteError, match="invalid key name"):
        sign_note("text\n", name, LOG_KEY)
    with pytest.raises(NoteError, match="invalid key name"):
        verifier_key(name, LOG_KEY.public_key())


def test_sign_note_requires_final_newline():
    with pytest.raises(NoteError, match="end with a newline"):
        sign_note("no newline", LOG, LOG_KEY)
    with pytest.raises(NoteError, match="control character"):
        sign_note("bell\a\n", LOG, LOG_KEY)


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        (LOG, "malformed verifier key"),
        (LOG + "+" + LOG_VKEY.split("+")[1], "malformed verifier key"),
        (LOG_VKEY.replace(LOG_VKEY.split("+")[1], "0000000g"), "8 hex digits"),
        (LOG_VKEY.replace(LOG_VKEY.split("+")[1], "00000000"), "does not match"),
        ("other.example" + LOG_VKEY[len(LOG) :], "does not match"),
        (
            "+".join(LOG_VKEY.split("+", 2)[:2])
            + "+"
            + base64.b64encode(b"\x02" + LOG_KEY.public_key().public_bytes_raw()).decode(),
            "not an Ed25519 key",
        ),
    ],
)
def test_bad_verifier_keys(vkey, reason):
    note = sign_checkpoint(CP, LOG, LOG_KEY)
    with pytest.raises(NoteError, match=reason):
        open_note(note, vkey)
