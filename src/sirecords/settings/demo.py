"""Demo settings: the production settings, relaxed only for plain HTTP on localhost."""

from sirecords.settings.base import *  # noqa: F401,F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
