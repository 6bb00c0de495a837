"""Test settings: production settings with plain HTTP and fast password hashing."""

from sirecords.settings.base import *  # noqa: F401,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read messages in English (the msgids); tests/web/test_i18n.py checks the Chinese pages.
LANGUAGE_CODE = "en"
# No checkpoint with each posting in-process: tests over real commits (threads, the live server) would leave witness
# copies of ledgers since flushed in the session's witness folder, and tests that count checkpoints make their own.
# tests/ledger/test_auto_checkpoint.py turns it on; the end-to-end CLI run (production settings) has it on.
SIRECORDS_AUTO_CHECKPOINT_SECONDS = None
