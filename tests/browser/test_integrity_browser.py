"""The supervisor's integrity page in a real browser, in Chinese: the newest backup, a failed readability check and
a drill posted to the ledger by the DBA (第九条(二), 第二十五条)."""

from __future__ import annotations

import pytest

from sirecords.core.home import home
from sirecords.demo import accounts
from sirecords.operations.reading import LAST_BACKUP, remember_backup
from sirecords.operations.services import record_backup_checks

from .conftest import shot
from .test_desk_browser import sign_in

pytestmark = [pytest.mark.browser]

ROOT = "5e" * 32


def test_the_supervisor_reads_the_backup_checks_and_drills(desk):
    accounts.create_staff()
    (home() / LAST_BACKUP).unlink(missing_ok=True)
    dba = accounts.actor("dba.zhao")
    remember_backup("backup-20261206T010000000000Z", "2026-12-06T01:00:00.000000Z", ["sftp://backup@dr-site/srv/backups"], 1234)
    record_backup_checks(dba, [
        {"check": "readability", "backup": "backup-20261205T010000000000Z", "target": "sftp://backup@dr-site/srv/backups",
         "ok": False, "checked_at": "2026-12-06T04:00:00Z", "files": 40, "files_opened": 3,
         "problem": "files/000004 (home/documents/ab12.pdf): does not open"},
        {"check": "readability", "backup": "backup-20261206T010000000000Z", "target": "sftp://backup@dr-site/srv/backups",
         "ok": True, "checked_at": "2026-12-06T04:00:00Z", "files": 41, "files_opened": 9}], reason="每周可读性检测")
    record_backup_checks(dba, [{"check": "drill", "backup": "backup-20261206T010000000000Z", "target": "/srv/backups",
                                "ok": True, "checked_at": "2026-12-06T05:00:00Z", "root_equal": True, "entries": 1234,
                                "root": ROOT, "manifest_root": ROOT, "manifest_entries": 1234, "rto_ms": 41250,
                                "rpo_ms": 14400000, "findings": 0}], reason="每月恢复演练")
    try:
        page = desk("super.lin")
        sign_in(page, "super.lin")
        page.locator("nav a[href='/supervision/integrity/']").click()
        page.wait_for_url("**/supervision/integrity/")
        text = page.locator("main").inner_text()
        assert "备份、可读性检测与恢复演练" in text and "backup-20261206T010000000000Z" in text
        assert "未通过" in text and "files/000004" in text and "已打开并校验 9 / 41 个文件" in text
        assert "1234 条；恢复并校验用时 41.2 秒（恢复时间）；恢复出的最新数据距演练 240 分钟（恢复点）" in text and "dba.zhao" in text
        shot(page, "integrity-backups")
    finally:
        (home() / LAST_BACKUP).unlink(missing_ok=True)
