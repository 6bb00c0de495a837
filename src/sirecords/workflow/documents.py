"""Original documents (第六条, 第十三条): scans checked by parsing their content (workflow/scans.py) and their
name, stored sealed by SHA-256.

`check` is the one check of every uploaded document, whichever way it comes (the desk, the API, the maintenance
pages and the agreement scan; services.attach calls it for every attachment); `received` reads an upload,
refusing an oversize one by its size before reading it (the upload handler, web/uploads.py, keeps nothing of a
file past the limit and hands on its size alone).
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.crypto.store import NotReadable, SealedStore, WrongContent
from sirecords.workflow import scans

ACCEPTED_TYPES = {scans.PDF: "PDF", scans.JPEG: "JPEG", scans.PNG: "PNG"}
NAMED_TYPES = {".pdf": scans.PDF, ".jpg": scans.JPEG, ".jpeg": scans.JPEG, ".png": scans.PNG}

# kind → (中文, English)
DOCUMENT_KINDS: dict[str, tuple[str, str]] = {
    "id_card": ("居民身份证", "Resident ID card"),
    "kinship_proof": ("亲属关系证明", "Proof of kinship with the deceased"),
    "business_licence": ("营业执照", "Business licence"),
    "labour_contract": ("劳动合同", "Labour contract"),
    "termination_proof": ("解除或终止劳动关系证明", "Proof of termination"),
    "change_application": ("信息变更申请表", "Change application form"),
    "evidence": ("更正或补充的依据材料", "Evidence for the correction or supplement"),
    "agreement": ("保密协议", "Confidentiality agreement"),
    "subsidy_decision": ("社会保险补贴审核认定材料", "Subsidy eligibility decision"),
    "personnel_archive": ("人事档案（工作经历证明）", "Personnel archive (proof of past service)"),
    "withholding_order": ("有关机关暂不告知查询情况的书面决定", "Written order to keep a body's reads from the person"),
    "written_authorisation": ("书面委托材料", "Written authorisation"),
    # 第十六条: a request to verify the record made at the counter, signed by the person (or the delegate)
    "written_request": ("书面核查申请（本人签字）", "Signed written request to verify the record"),
    "applicant_credentials": ("申请查询单位的有效证明文件", "The applying body's or unit's valid credentials"),
    "payment_receipt": ("缴费凭证", "Payment receipt"),
    # a death (any one of the three suffices), a pension suspended and resumed (第六条)
    "death_medical_certificate": ("死亡医学证明", "Medical certificate of death"),
    "cremation_certificate": ("火化证明", "Cremation certificate"),
    "household_deregistration": ("户籍注销证明", "Proof of household registration cancelled"),
    "suspension_basis": ("暂停发放依据材料（如未完成资格认证、服刑、失联的证明）",
                         "Grounds for suspending the pension (e.g. proof of a missed certification, imprisonment, no contact)"),
    "resumption_basis": ("恢复发放依据材料（如资格认证完成证明）",
                         "Grounds for resuming the pension (e.g. proof the certification is done)"),
    # 第十条: the person's application to transfer their record here (or to gather it to the place of benefit)
    "transfer_application": ("基本养老保险关系转移接续申请表", "Application to transfer the basic pension relationship"),
    "id_change_proof": ("公安机关公民身份号码变更证明", "Public security's proof that the ID number changed"),
    # 第五条: a department's report as received (the feed row, with its file's SHA-256 and line), for a cross-check
    "department_report": ("部门共享比对信息", "The department's report (cross-check)"),
}


class DocumentRefused(ValueError):
    """The file is not an acceptable scan: says why."""


def max_bytes() -> int:
    return getattr(settings, "SIRECORDS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)


def max_pages() -> int:
    return getattr(settings, "SIRECORDS_MAX_DOCUMENT_PAGES", 500)


def max_pixels() -> int:
    return getattr(settings, "SIRECORDS_MAX_IMAGE_PIXELS", 50_000_000)


def check(data: bytes, name: str) -> str:
    """The content type the bytes really are (a key of ACCEPTED_TYPES), or DocumentRefused naming the file and why:
    empty, oversize, not exactly one of PDF, JPEG or PNG when parsed, also something else, active content, too many
    pages or pixels, or a name that says another format."""
    name = (name or "").strip()
    try:
        if not data:
            raise scans.NotAScan(_("the file is empty"))
        if len(data) > max_bytes():
            raise scans.NotAScan(too_big(len(data)))
        found = scans.identify(data, max_pages=max_pages(), max_pixels=max_pixels())
        _check_name(name, found)
    except scans.NotAScan as refused:
        raise DocumentRefused(named(name, str(refused))) from None
    return found


def named(name: str | None, problem: str) -> str:
    """The refusal, naming the file when it has a name."""
    return _("file “{name}”: {problem}").format(name=name, problem=problem) if name else problem


def too_big(size: int) -> str:
    return _("the file is {size} bytes; at most {limit} are accepted").format(size=f"{size:,}", limit=f"{max_bytes():,}")


def _check_name(name: str, found: str) -> None:
    """A file named as one format must be that format; a name that says another kind of file is refused."""
    suffix = PurePath(name).suffix.lower() if name else ""
    if not suffix:
        return
    claimed = NAMED_TYPES.get(suffix)
    if claimed is None:
        raise scans.NotAScan(_("its name ends in {suffix}; a scan is named .pdf, .jpg, .jpeg or .png").format(suffix=suffix))
    if claimed != found:
        raise scans.NotAScan(_("its content is {found}, not {claimed}. A renamed file is not accepted: scan the original "
                               "document again.").format(found=ACCEPTED_TYPES[found], claimed=ACCEPTED_TYPES[claimed]))


def received(upload) -> bytes:
    """The bytes of an uploaded file (Django's or ninja's), refusing an oversize one by its size, unread."""
    if upload.size is not None and upload.size > max_bytes():
        raise DocumentRefused(named(upload.name, too_big(upload.size)))
    return upload.read()


_store = SealedStore("attachments", "attachment")  # $SIRECORDS_HOME/attachments or the object store
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
