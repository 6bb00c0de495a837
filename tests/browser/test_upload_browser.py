"""Refused uploads in a real browser (issue 9, finding 13): a polyglot chosen at the desk comes back next to the file
field with the reason, in Chinese; a file over the limit gets the 413 page before its body is read. Nothing is
attached either way."""

from __future__ import annotations

import pytest

from sirecords.demo import accounts
from sirecords.workflow import services
from sirecords.workflow.models import Attachment

from .conftest import shot
from .test_desk_browser import ID, NAME, sign_in

pytestmark = [pytest.mark.browser]

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\nMZ\x90\x00"


def test_refused_uploads_are_explained_on_the_page(desk, settings):
    accounts.create_staff()
    clerk = accounts.actor("clerk.chen")
    txn = services.open_transaction(clerk, "register_person", {"id_number": ID, "name": NAME, "region": "440304"},
                                    region=accounts.REGION, reason="本人申请", channel="counter")
    page = desk("clerk.chen")
    sign_in(page, "clerk.chen")

    page.goto(f"/desk/t/{txn.uid}/")
    page.locator("#id_file").set_input_files(files=[{"name": "身份证.pdf", "mimeType": "application/pdf",
                                                     "buffer": POLYGLOT}])
    page.locator("#attach-form button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("#id_file_error")
    assert error.inner_text() == ("文件“身份证.pdf”：它是PDF文件，但其中还含有HTML或脚本（位于第9字节）；"
                                  "同时也是其他类型的文件不予接受")
    assert page.locator("#id_file").get_attribute("aria-invalid") == "true"
    shot(page, "07-upload-refused-polyglot")

    # Smaller limits than the default 10 MB keep the test fast: the live server (Django's development server)
    # drains an unread body after answering, which takes seconds for megabytes.
    settings.SIRECORDS_MAX_ATTACHMENT_BYTES = settings.SIRECORDS_UPLOAD_FORM_ROOM = 64 * 1024
    page.locator("#id_file").set_input_files(files=[{"name": "扫描件.pdf", "mimeType": "application/pdf",
                                                     "buffer": b"%PDF-1.4\n" + b"0" * (256 * 1024)}])
    page.locator("#attach-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "上传内容过大"
    assert "一份资料最多允许 65,536 字节" in page.locator("p.refusal").inner_text()
    shot(page, "08-upload-too-large")
    page.locator("main a").click()  # back to the form: the transaction page
    page.wait_for_url(f"**/desk/t/{txn.uid}/")
    assert not Attachment.objects.exists()
