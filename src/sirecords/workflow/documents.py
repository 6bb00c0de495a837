"""Original documents (第六条, 第十三条): scans checked by their content, stored sealed by SHA-256."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.core.home import attachments_dir
from sirecords.crypto.store import NotReadable, SealedStore, WrongContent

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


_store = SealedStore(attachments_dir, "attachment")
store = _store.store  # keep the bytes (sealed), return their SHA-256; the same file twice keeps one copy
problem, where = _store.problem, _store.where  # for `verify` (workflow/integrity.py): streamed, constant memory


def load(sha256: str) -> bytes:
    """The stored bytes, checked against their hash."""
    try:
        return _store.load(sha256)
    except NotReadable as unreadable:
        raise DocumentRefused(_("stored document {digest}… cannot be read: {problem}").format(
            digest=sha256[:12], problem=unreadable.problem)) from None
    except WrongContent:
        raise DocumentRefused(_("stored document {digest}… does not match its hash").format(digest=sha256[:12])) from None
