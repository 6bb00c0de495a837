"""Original documents (第六条, 第十三条): scans checked by their content, stored sealed by SHA-256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.core.home import attachments_dir
from sirecords.crypto.sealing import SealBroken, seal_bytes, unseal_bytes

ACCEPTED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

# kind → (中文, English)
DOCUMENT_KINDS: dict[str, tuple[str, str]] = {
    "id_card": ("居民身份证", "Resident ID card"),
    "business_licence": ("营业执照", "Business licence"),
    "labour_contract": ("劳动合同", "Labour contract"),
    "termination_proof": ("解除或终止劳动关系证明", "Proof of termination"),
    "change_application": ("信息变更申请表", "Change application form"),
    "evidence": ("更正或补充的依据材料", "Evidence for the correction or supplement"),
    "agreement": ("保密协议", "Confidentiality agreement"),
    "subsidy_decision": ("社会保险补贴审核认定材料", "Subsidy eligibility decision"),
    "personnel_archive": ("人事档案（工作经历证明）", "Personnel archive (proof of past service)"),
}


class DocumentRefused(ValueError):
    """The file is not an acceptable scan: says why."""


def max_bytes() -> int:
    return getattr(settings, "SIRECORDS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)


def check(data: bytes) -> str:
    """The content type the bytes really are; refuses empty, oversize and disguised files."""
    if not data:
        raise DocumentRefused(_("the file is empty"))
    if len(data) > max_bytes():
        raise DocumentRefused(_("the file is {size} bytes; at most {limit} are accepted").format(
            size=f"{len(data):,}", limit=f"{max_bytes():,}"))
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed else None
    if mime not in ACCEPTED_TYPES:
        found = _("its content is {mime}").format(mime=mime) if mime else _("its content is not a recognised document format")
        raise DocumentRefused(_("only PDF, JPEG or PNG scans are accepted; {found}, whatever its file name says").format(
            found=found))
    return mime


def _path(sha256: str) -> Path:
    return attachments_dir() / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Keep the bytes (sealed) and return their SHA-256. Storing the same file twice keeps one copy."""
    digest = hashlib.sha256(data).hexdigest()
    path = _path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(seal_bytes(data, f"attachment:{digest}"))
        os.replace(temporary, path)  # never a half-written file under the final name
    return digest


def load(sha256: str) -> bytes:
    """The stored bytes, checked against their hash."""
    try:
        data = unseal_bytes(_path(sha256).read_bytes(), f"attachment:{sha256}")
    except (FileNotFoundError, SealBroken) as problem:
        raise DocumentRefused(_("stored document {digest}… cannot be read: {problem}").format(
            digest=sha256[:12], problem=problem)) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DocumentRefused(_("stored document {digest}… does not match its hash").format(digest=sha256[:12]))
    return data
