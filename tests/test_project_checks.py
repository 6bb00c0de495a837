"""Project hygiene that CI enforces on both engines: models and migrations agree, Django's checks pass."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a missing migration


def test_django_system_checks_pass():
    call_command("check", "--fail-level", "WARNING", verbosity=0)


def test_every_app_registers_its_ledger_and_verify_modules():
    """An app's ready() imports its transactions, projectors and integrity modules: one forgotten import would
    leave a transaction type unknown, a projection unwritten or a verify check silently off."""
    import os
    import pathlib
    import subprocess
    import sys

    src = pathlib.Path(__file__).resolve().parents[1] / "src" / "sirecords"
    wanted = sorted(f"sirecords.{p.parent.name}.{p.stem}" for name in ("transactions", "projectors", "integrity")
                    for p in src.glob(f"*/{name}.py") if (p.parent / "apps.py").exists())
    assert "sirecords.contributions.integrity" in wanted
    # A fresh interpreter: in this one the tests have imported everything already.
    code = ("import sys, django; django.setup(); "
            f"print(' '.join(m for m in {wanted!r} if m not in sys.modules))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sirecords.settings.test"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    missing = result.stdout.split()
    assert missing == [], f"not imported at start-up (add them to the app's ready()): {missing}"


def test_a_command_starts_without_loading_the_pdf_libraries():
    """Every `sirecords` command starts Django and its checks import the URL configuration (every view); the PDF
    libraries (fpdf2, fontTools, pyHanko and its aiohttp) took 0.7 s of that, so they load when a certificate is
    made or checked. A module-level import of them in a view's dependencies brings the cost back."""
    import os
    import subprocess
    import sys

    heavy = ["fpdf", "fontTools.subset", "pyhanko.sign", "aiohttp", "asn1crypto.x509"]
    code = ("import sys, django; django.setup(); from django.urls import get_resolver; get_resolver().url_patterns; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sirecords.settings.test"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], "loaded at start-up"
