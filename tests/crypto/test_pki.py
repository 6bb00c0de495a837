"""The agency PKI: one root that certifies the PDF signer and the ledger's checkpoint key (crypto/pki.py)."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sirecords.crypto.keys import KeysMissing, create_keys, load_keys
from sirecords.crypto.pki import (
    CHECKPOINT_CERT,
    PDF_CERT,
    PDF_KEY,
    ROOT_CERT,
    ROOT_KEY,
    PkiError,
    checkpoint_key_from,
    ensure_pki,
    load_pki,
)

ORIGIN = "agency.example/ledger"


@pytest.fixture
def keys(tmp_path):
    directory = tmp_path / "keys"
    create_keys(directory)
    return directory


def test_init_creates_the_root_the_signer_and_the_checkpoint_certificate_once_and_0600(keys):
    created = ensure_pki(keys, origin=ORIGIN)
    assert set(created) == {ROOT_CERT, ROOT_KEY, PDF_CERT, PDF_KEY, CHECKPOINT_CERT}
    for name in created:
        assert stat.S_IMODE(os.stat(keys / name).st_mode) == 0o600, name
    before = {name: (keys / name).read_bytes() for name in created}
    assert ensure_pki(keys, origin=ORIGIN) == []  # never overwrites
    assert before == {name: (keys / name).read_bytes() for name in created}


def test_the_root_is_a_ca_and_issues_a_non_repudiation_signer(keys):
    ensure_pki(keys, origin=ORIGIN)
    pki = load_pki(keys)
    root_constraints = pki.root.extensions.get_extension_for_class(x509.BasicConstraints).value
    root_usage = pki.root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert root_constraints.ca and root_usage.key_cert_sign
    pki.root.verify_directly_issued_by(pki.root)
    pki.signing_cert.verify_directly_issued_by(pki.root)
    usage = pki.signing_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign


def test_the_checkpoint_certificate_binds_the_instances_checkpoint_key_and_origin_to_the_root(keys):
    ensure_pki(keys, origin=ORIGIN)
    pki = load_pki(keys)
    pem = (keys / CHECKPOINT_CERT).read_bytes()
    key, origin = checkpoint_key_from(pem, pki.root)
    assert origin == ORIGIN
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert key.public_bytes(*raw) == load_keys(keys).public_key.public_bytes(*raw)


def test_a_checkpoint_certificate_of_another_root_is_refused(keys, tmp_path):
    ensure_pki(keys, origin=ORIGIN)
    other = tmp_path / "other"
    create_keys(other)
    ensure_pki(other, origin=ORIGIN)
    with pytest.raises(PkiError, match="not issued by the trust root"):
        checkpoint_key_from((other / CHECKPOINT_CERT).read_bytes(), load_pki(keys).root)
    with pytest.raises(PkiError, match="not issued by the trust root"):  # nor the PDF signer's certificate as one
        checkpoint_key_from((keys / PDF_CERT).read_bytes(), load_pki(other).root)


def test_production_root_without_its_key_needs_the_agency_issued_files(keys, tmp_path):
    ensure_pki(keys, origin=ORIGIN)
    production = tmp_path / "production"
    create_keys(production)
    (production / ROOT_CERT).write_bytes((keys / ROOT_CERT).read_bytes())  # the agency's root, its key kept elsewhere
    with pytest.raises(KeysMissing, match="cannot be made here"):
        ensure_pki(production, origin=ORIGIN)
    assert not (production / ROOT_KEY).exists()


def test_a_trust_root_must_be_a_ca_certificate(keys):
    from sirecords.crypto.pki import load_root

    ensure_pki(keys, origin=ORIGIN)
    assert load_root((keys / ROOT_CERT).read_bytes()).subject == load_pki(keys).root.subject
    with pytest.raises(PkiError, match="not a CA"):
        load_root((keys / PDF_CERT).read_bytes())
    with pytest.raises(PkiError, match="not a PEM certificate"):
        load_root(b"garbage")
