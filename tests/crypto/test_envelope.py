"""The transfer envelope (crypto/envelope.py, docs/transfers.md): a round trip, each refusal, and the test vector another
agency checks its implementation with."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sirecords.crypto import envelope
from sirecords.crypto.envelope import (
    EnvelopeError,
    EnvelopeMalformed,
    SignatureInvalid,
    Signer,
    Undecryptable,
    UnknownFormat,
    UnknownSender,
    Verifier,
    WrongAddressee,
    open_envelope,
    seal_envelope,
)
from sirecords.ledger import note

# The test vector of docs/transfers.md: fixed keys, a fixed ephemeral key, fixed content.
NAME = "sirecords.example/440300"
SENDER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RECIPIENT = X25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
EPHEMERAL = X25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
CONTENT = '{"letter":"L-2026-0001","person":"示例"}'.encode()
VERIFIER_KEY = "sirecords.example/440300+fafe7700+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
ENCRYPTION_KEY = "NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ="
VECTOR = (b'{"ciphertext":"eaYx7t4b+cmPEgMs3q3Q56B5OY/HhriMyEbsia+FpRq+vm0W1xYM8oTyq5JoQ5LfALKBjsbQdIWLw1cV1hAzOaU3eVgvEkO1Y'
          b'wcRNb3Vp5BZFyLLnYb/PCSh","format":"sirecords-transfer/1","from":"440300","kind":"letter","letter":"L-2026-0001",'
          b'"signature":"+v53AOEgx9pm4B3JuAvZ+/Do/z6bR0h20h9HNrsD6L3FqWc/aulAhbecXsVsfddmDo+e7GwenxklBJ3Fp1oz2USpEwI=",'
          b'"to":"110105"}')


def verifiers(**registered: str):
    keys = {code: Verifier(*note.parse_verifier_key(key)) for code, key in registered.items()}
    return keys.get


def sealed(content: bytes = CONTENT, *, kind: str = "letter", to: str = "110105", recipient=RECIPIENT) -> bytes:
    return seal_envelope(kind, "440300", to, "L-2026-0001", content, signer=Signer(NAME, SENDER),
                         recipient_public=recipient.public_key())


def opened(data: bytes, *, to: str = "110105", recipient=RECIPIENT, **registered: str):
    return open_envelope(data, verifier_for=verifiers(**(registered or {"440300": VERIFIER_KEY})),
                         recipient_private=recipient, expected_to=to)


def test_the_test_vector_is_sealed_to_the_exact_bytes_and_opens():
    assert note.verifier_key(NAME, SENDER.public_key()) == VERIFIER_KEY
    assert base64.b64encode(RECIPIENT.public_key().public_bytes_raw()).decode() == ENCRYPTION_KEY
    data = seal_envelope("letter", "440300", "110105", "L-2026-0001", CONTENT, signer=Signer(NAME, SENDER),
                         recipient_public=RECIPIENT.public_key(), ephemeral=EPHEMERAL)
    assert data == VECTOR
    header, content = opened(VECTOR)
    assert content == CONTENT
    assert header == {"format": "sirecords-transfer/1", "kind": "letter", "from": "440300", "to": "110105",
                      "letter": "L-2026-0001"}
    # enc, the ephemeral public key, is the ciphertext's first 32 bytes.
    raw = base64.b64decode(json.loads(VECTOR)["ciphertext"])
    assert raw[:32] == EPHEMERAL.public_key().public_bytes_raw()


def test_the_signature_is_a_signed_note_signature_by_the_published_verifier_key():
    fields = json.loads(VECTOR)
    text = envelope.signed_text(fields, base64.b64decode(fields["ciphertext"]))
    assert note.open_note(f"{text}\n\u2014 {NAME} {fields['signature']}\n", VERIFIER_KEY) == text
    assert text.startswith("sirecords-transfer/1\n{")
    with pytest.raises(note.NoteError):  # never a checkpoint
        note.parse_checkpoint_body(text)


def test_the_ciphertext_is_rfc_9180_hpke_as_cryptography_opens_it():
    info = b'{"format":"sirecords-transfer/1"}'
    made = envelope.hpke_seal(RECIPIENT.public_key(), info, b"x" * 100, ephemeral=EPHEMERAL)
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    assert suite.decrypt(made, RECIPIENT, info=info) == b"x" * 100


@pytest.mark.parametrize("kind", ["letter", "package", "refusal"])
def test_a_round_trip_with_a_new_ephemeral_key_each_time(kind):
    first, second = sealed(kind=kind), sealed(kind=kind)
    assert first != second  # a new ephemeral key each envelope
    for data in (first, second):
        header, content = opened(data)
        assert (header["kind"], content) == (kind, CONTENT)
    big = bytes(range(256)) * 4096
    assert opened(sealed(big))[1] == big


def test_every_changed_byte_is_refused():
    for position in range(len(VECTOR)):
        for flip in (0x01, 0x20):
            changed = bytearray(VECTOR)
            changed[position] ^= flip
            with pytest.raises(EnvelopeError):
                opened(bytes(changed))


def _with(**fields) -> bytes:
    from sirecords.core.canonical import canonical_bytes

    return canonical_bytes({**json.loads(VECTOR), **fields})


def test_a_changed_value_is_refused_by_the_signature():
    fields = json.loads(VECTOR)
    ciphertext = bytearray(base64.b64decode(fields["ciphertext"]))
    ciphertext[-1] ^= 1
    for data in (_with(letter="L-2026-0002"), _with(kind="package"), _with(to="110106"),
                 _with(ciphertext=base64.b64encode(bytes(ciphertext)).decode())):
        with pytest.raises(SignatureInvalid, match="does not verify"):
            opened(data, to=json.loads(data)["to"])


def test_another_key_s_signature_is_refused():
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    data = seal_envelope("letter", "440300", "110105", "L-1", CONTENT, signer=Signer(NAME, other),
                         recipient_public=RECIPIENT.public_key())
    with pytest.raises(SignatureInvalid, match="not by the key registered"):
        opened(data)


def test_an_unregistered_sender_is_refused():
    with pytest.raises(UnknownSender, match="440300 is not registered"):
        opened(VECTOR, **{"310000": VERIFIER_KEY})


def test_an_envelope_to_another_region_is_refused():
    with pytest.raises(WrongAddressee, match="addressed to region 110105, not to this region 310000"):
        opened(VECTOR, to="310000")


def test_an_unknown_format_or_kind_is_refused():
    with pytest.raises(UnknownFormat, match="unknown envelope format"):
        opened(_with(format="sirecords-transfer/2"))
    with pytest.raises(UnknownFormat, match="unknown envelope kind"):
        opened(_with(kind="parcel"))
    with pytest.raises(UnknownFormat):
        sealed(kind="parcel")


def test_an_envelope_this_region_cannot_decrypt_is_refused():
    stranger = X25519PrivateKey.from_private_bytes(bytes([9]) * 32)
    with pytest.raises(Undecryptable, match="does not decrypt"):
        opened(sealed(recipient=stranger))


@pytest.mark.parametrize("data", [b"", b"[]", b"not json", b'{"format":"sirecords-transfer/1"}',
                                  VECTOR.replace(b'","to"', b'", "to"'), VECTOR[:-1] + b',"extra":"x"}',
                                  VECTOR.replace(b'"to":"110105"', b'"to":110105')])
def test_a_malformed_envelope_is_refused(data):
    with pytest.raises(EnvelopeMalformed):
        opened(data)
