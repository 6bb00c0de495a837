"""The agency's certificates: one root, which certifies both the PDF signer and the ledger's checkpoint key.

Files under SIRECORDS_HOME/keys (keys 0600, as crypto/keys.py writes them):

- agency-root.pem / agency-root.key: the agency root CA (self-signed, CA:true, keyCertSign and cRLSign);
- pdf-signing.pem / pdf-signing.key: the certificate that signs certificates and statements as PDF (PAdES),
  issued by the root, with digitalSignature and nonRepudiation;
- checkpoint-key.pem: a certificate, issued by the root, for the instance's Ed25519 checkpoint key (signing.key,
  or checkpoint.key after a rotation: crypto/keys.py); its common name is the ledger origin (the key name of the checkpoint notes).

So the root is the one trust anchor: whoever has the root can check a PDF's signature and, from the evidence
embedded in it, that the checkpoint the inclusion proofs verify against was signed by this instance.

`sirecords init` creates the missing ones for the demo (`ensure_pki`). Production puts the agency's own files there
first: agency-root.pem (the root key stays with the agency: agency-root.key absent), pdf-signing.pem and .key, and
checkpoint-key.pem, issued by the agency's CA for the public key `sirecords certificate checkpoint-key` prints.
With agency-root.pem present and agency-root.key absent, init creates nothing it would have to sign with the root.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

from sirecords.core.home import keys_dir
from sirecords.crypto.keys import KeysMissing, _write_secret, note_key_file

ROOT_CERT = "agency-root.pem"
ROOT_KEY = "agency-root.key"
PDF_CERT = "pdf-signing.pem"
PDF_KEY = "pdf-signing.key"
CHECKPOINT_CERT = "checkpoint-key.pem"

ROOT_YEARS = 20
LEAF_YEARS = 10


class PkiError(ValueError):
    """A certificate is missing, malformed, or does not chain to the expected root."""


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    signing_cert: x509.Certificate
    signing_key_pem: bytes
    checkpoint_cert: x509.Certificate


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _name(common_name: str, agency: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(**flags: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def _builder(subject: x509.Name, issuer: x509.Name, public_key, years: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * years))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def make_root(agency: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{agency} 根证书 root CA", agency)
    cert = (_builder(name, name, key.public_key(), ROOT_YEARS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _issued(root: x509.Certificate, root_key, subject: x509.Name, public_key, usage: x509.KeyUsage) -> x509.Certificate:
    return (_builder(subject, root.subject, public_key, LEAF_YEARS)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))


def make_signing_cert(root: x509.Certificate, root_key, agency: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issued(root, root_key, _name(f"{agency} 证明签章 document signing", agency), key.public_key(),
                   _usage(digital_signature=True, content_commitment=True))  # content_commitment is nonRepudiation
    return cert, key


def make_checkpoint_cert(root: x509.Certificate, root_key, public_key: Ed25519PublicKey, origin: str) -> x509.Certificate:
    agency = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    return _issued(root, root_key, _name(origin, str(agency)), public_key, _usage(digital_signature=True))


def _agency() -> str:
    return os.environ.get("SIRECORDS_AGENCY_NAME", "社会保险经办机构 (demo)")


def ensure_pki(directory: Path | None = None, *, origin: str) -> list[str]:
    """Create each missing certificate file (and its key); return the names created. Never overwrites one."""
    directory = directory or keys_dir()
    created: list[str] = []
    root_path, root_key_path = directory / ROOT_CERT, directory / ROOT_KEY
    if not root_path.exists():
        root, root_key = make_root(_agency())
        _write_secret(root_key_path, _key_pem(root_key))
        _write_secret(root_path, _pem(root))
        created += [ROOT_KEY, ROOT_CERT]
    root = x509.load_pem_x509_certificate(root_path.read_bytes())
    root_key = serialization.load_pem_private_key(root_key_path.read_bytes(), None) if root_key_path.exists() else None
    if root_key is None:
        missing = [name for name in (PDF_CERT, PDF_KEY, CHECKPOINT_CERT) if not (directory / name).exists()]
        if missing:
            raise KeysMissing(f"{', '.join(missing)} missing in {directory}, and without {ROOT_KEY} they cannot be made here: "
                              "have the agency's CA issue them (docs/certificates.md)")
        return created
    agency = str(root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)
    if not (directory / PDF_CERT).exists():
        cert, key = make_signing_cert(root, root_key, agency)
        _write_secret(directory / PDF_KEY, _key_pem(key))
        _write_secret(directory / PDF_CERT, _pem(cert))
        created += [PDF_KEY, PDF_CERT]
    if not (directory / CHECKPOINT_CERT).exists():
        key_file = note_key_file(directory)  # the key the checkpoint notes are signed with now
        checkpoint_key = serialization.load_pem_private_key(key_file.read_bytes(), None)
        if not isinstance(checkpoint_key, Ed25519PrivateKey):
            raise KeysMissing(f"{key_file} is not an Ed25519 private key")
        _write_secret(directory / CHECKPOINT_CERT, _pem(make_checkpoint_cert(root, root_key, checkpoint_key.public_key(), origin)))
        created.append(CHECKPOINT_CERT)
    return created


def _read(directory: Path, name: str) -> bytes:
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        raise KeysMissing(f"{directory / name} is missing: run `sirecords init`") from None


def load_pki(directory: Path | None = None) -> Pki:
    directory = directory or keys_dir()
    return Pki(root=x509.load_pem_x509_certificate(_read(directory, ROOT_CERT)),
               signing_cert=x509.load_pem_x509_certificate(_read(directory, PDF_CERT)),
               signing_key_pem=_read(directory, PDF_KEY),
               checkpoint_cert=x509.load_pem_x509_certificate(_read(directory, CHECKPOINT_CERT)))


def root_pem(directory: Path | None = None) -> bytes:
    """The agency root in PEM: the one trust anchor to publish."""
    return _read(directory or keys_dir(), ROOT_CERT)


def checkpoint_cert_pem(directory: Path | None = None) -> bytes:
    return _read(directory or keys_dir(), CHECKPOINT_CERT)


def load_root(pem: bytes) -> x509.Certificate:
    try:
        root = x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise PkiError(f"the trust root is not a PEM certificate: {error}") from None
    try:
        constraints = root.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise PkiError("the trust root is not a CA certificate (no basic constraints)") from None
    if not constraints.ca:
        raise PkiError("the trust root is not a CA certificate")
    return root


def checkpoint_key_from(cert_pem: bytes, root: x509.Certificate, *, at: dt.datetime | None = None) -> tuple[Ed25519PublicKey, str]:
    """The Ed25519 checkpoint key and the origin (key name) that `cert_pem` certifies, once it is checked to be
    issued by `root`, valid at `at` (default now), for signing, and not a CA. Raises PkiError saying why not."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as error:
        raise PkiError(f"the checkpoint-key certificate does not parse: {error}") from None
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        raise PkiError("the checkpoint-key certificate was not issued by the trust root") from None
    at = at or dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise PkiError("the checkpoint-key certificate is not valid at this time")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise PkiError("the checkpoint-key certificate lacks key usage or basic constraints") from None
    if not usage.digital_signature or constraints.ca:
        raise PkiError("the checkpoint-key certificate does not allow signing")
    key = cert.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise PkiError("the checkpoint-key certificate does not certify an Ed25519 key")
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise PkiError("the checkpoint-key certificate names no single origin")
    return key, str(names[0].value)
