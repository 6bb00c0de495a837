"""Project hygiene that CI enforces on both engines: models and migrations agree, Django's checks pass."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a missing migration


def test_django_system_checks_pass():
    call_command("check", "--fail-level", "WARNING", verbosity=0)
