"""Staff accounts for page tests: one per role, signed in with a verified second factor."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from sirecords.users import accounts
from sirecords.workflow.actors import actor_for, operator

REGION = "440300"
PASSWORD = "Correct-Horse-2026"


@pytest.fixture
def make_staff(db):
    """make_staff(username, *roles, organisation="") -> the Django user (with a confirmed TOTP device)."""
    cli = operator("test-operator")

    def make(username, *roles, organisation=""):
        if not roles or "sysadmin" in roles:
            admin = cli
        else:
            if actor_for("admin.test") is None:
                accounts.create_account(cli, "admin.test", "Admin", region=REGION, reason="test", channel="cli",
                                        roles=("sysadmin",), password=PASSWORD)
            admin = actor_for("admin.test")
        accounts.create_account(admin, username, username, region=REGION, reason="test", channel="cli", roles=roles,
                                organisation=organisation, password=PASSWORD)
        user = get_user_model().objects.get(username=username)
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


@pytest.fixture
def signed_in(client, make_staff):
    """signed_in(username, *roles) -> a test client signed in with password and second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY

    def sign_in(username, *roles, **kwargs):
        user = make_staff(username, *roles, **kwargs)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        return client

    return sign_in
