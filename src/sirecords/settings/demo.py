"""Demo settings: the production settings, relaxed only for plain HTTP on localhost, and cheaper password hashes for
the demo's accounts (whose password is published): argon2id at OWASP's minimum (users/hashers.py)."""

from sirecords.settings.base import *  # noqa: F401,F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["sirecords.users.hashers.DemoArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
