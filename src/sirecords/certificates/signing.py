"""Sign a certificate or statement PDF: embed the evidence, then a PAdES signature by the agency's signing certificate.

The attachments (the evidence JSON of certificates/proofs.py) are embedded first, in the same revision the signature
covers, so changing them breaks the signature. PAdES baseline B-B: no timestamp server is reachable from here, and a
verifier needs nothing but the file and the agency root (certificates/verify.py). The chain (signing certificate and
root) travels in the signature's CMS.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sirecords.certificates.proofs import EVIDENCE_NAME
from sirecords.crypto.pki import load_pki

FIELD_NAME = "AgencySignature"
RESERVED = 8192  # bytes for the signature container; an agency chain with longer certificates may need more


def _asn1(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@lru_cache(maxsize=4)
def _signer(directory: str | None) -> signers.SimpleSigner:
    """The agency's signer, loaded once per keys folder (bulk statements sign thousands of files)."""
    pki = load_pki(Path(directory) if directory else None)
    root, cert = _asn1(pki.root), _asn1(pki.signing_cert)
    return signers.SimpleSigner(signing_cert=cert, signing_key=load_private_key_from_pemder_data(pki.signing_key_pem, None),
                                cert_registry=SimpleCertificateStore.from_certs([cert, root]))


def forget_signer() -> None:
    """Drop the cached signer (tests switch SIRECORDS_HOME)."""
    _signer.cache_clear()


def sign_pdf(pdf: bytes, *, attachments: dict[str, bytes], reason: str = "", keywords: tuple[str, ...] = (),
             keys: Path | None = None) -> bytes:
    """`pdf` with `attachments` ({file name: content}) embedded and a PAdES B-B signature by the agency's signing
    certificate over the whole, chain included. `reason` goes into the signature dictionary; `keywords` (e.g. the
    code and kind) into the document information, in the signed revision too."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if keywords:
        writer.document_meta.keywords = list(keywords)
    now = dt.datetime.now(dt.UTC)
    for name, data in sorted(attachments.items()):
        mime = "application/json" if name.endswith(".json") else "application/octet-stream"
        spec = embed.FileSpec(file_spec_string=name, file_name=name, description=name,
                              embedded_data=embed.EmbeddedFileObject.from_file_data(
                                  writer, data, mime_type=mime, params=embed.EmbeddedFileParams(creation_date=now,
                                                                                                modification_date=now)),
                              af_relationship=generic.NameObject("/Supplement"))
        embed.embed_file(writer, spec)
    metadata = PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
                                    reason=reason or None)
    out = BytesIO()
    # A fixed reservation for the CMS (about 2.5 kB: two certificates and the signed attributes) spares pyHanko a
    # dry-run signature to measure it, half the cost of signing.
    signers.sign_pdf(writer, metadata, signer=_signer(str(keys) if keys else None), output=out, bytes_reserved=RESERVED)
    return out.getvalue()


def sign_certificate(pdf: bytes, *, seqs, about: dict[str, str], keys: Path | None = None) -> bytes:
    """The one call for a rendered certificate or statement: the evidence of ledger entries `seqs` (with `about`:
    code, kind, masked person, issued_at) embedded, the code and kind in the document information, and signed."""
    from sirecords.certificates.proofs import evidence_for

    evidence = evidence_for(seqs, about=about)
    keywords = tuple(f"{name}:{about[name]}" for name in ("code", "kind") if about.get(name))
    return sign_pdf(pdf, attachments={EVIDENCE_NAME: evidence}, reason=f"{about.get('kind', '')} {about.get('code', '')}".strip(),
                    keywords=keywords, keys=keys)
