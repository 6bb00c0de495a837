"""Production settings are safe by default; the server refuses to start without keys."""

import importlib
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sirecords.crypto.keys import forget_loaded_keys


def production_settings(monkeypatch, **env):
    for name in ("DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import sirecords.settings.base as base

    return importlib.reload(base)


def test_production_defaults_are_safe(monkeypatch):
    settings = production_settings(monkeypatch)
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == []
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF and settings.X_FRAME_OPTIONS == "DENY"
    assert settings.TIME_ZONE == "UTC" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_hosts_and_debug_come_from_the_environment(monkeypatch):
    settings = production_settings(monkeypatch, ALLOWED_HOSTS="records.example.gov.cn, 10.0.0.5", DEBUG="false")
    assert settings.ALLOWED_HOSTS == ["records.example.gov.cn", "10.0.0.5"]
    assert settings.DEBUG is False


def test_runserver_refuses_to_start_without_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("SIRECORDS_HOME", str(tmp_path))
    forget_loaded_keys()
    try:
        with pytest.raises(CommandError, match="refusing to serve: key file .* is missing"):
            call_command("runserver", "127.0.0.1:0", use_reloader=False)
    finally:
        forget_loaded_keys()


@pytest.mark.engine_independent
def test_wsgi_refuses_to_start_without_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SIRECORDS_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="sirecords.settings")
    result = subprocess.run([sys.executable, "-c", "import sirecords.wsgi"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "KeysMissing" in result.stderr and "run `sirecords init`" in result.stderr
