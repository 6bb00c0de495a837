"""Finding 4 of issue 9: someone who can write the database must not be able to sign in as a staff member.

Every password set, authenticator enrolled or reset is a ledger entry holding a keyed digest (never the secret);
TOTP seeds are sealed at rest; sign-in uses only credentials the ledger recorded; `verify` names a replaced
password hash, TOTP seed or token hash, an active flag that disagrees with the ledger, and rows added behind
its back. Each tamper is done with plain SQL, as a database writer would, on both engines."""

import base64
import hashlib
import json
from binascii import unhexlify

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client, override_settings
from django_otp.oath import TOTP

from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.users import services as staff_accounts
from sirecords.users.credentials import password_digest
from sirecords.users.kinds import PASSWORD_CHANGED, SECOND_FACTOR_ENROLLED
from sirecords.users.models import ApiToken, SealedTOTPDevice, StaffAccount

from ..conftest import PASSWORD, create_staff_account, issue_approved_token, test_admin

pytestmark = pytest.mark.django_db
SEED = "3132333435363738393031323334353637383930"  # RFC 6238's test seed: what an attacker would put in clear


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def findings() -> list[str]:
    return [f"[{f.check}] {f.where}: {f.message}" for f in verify(None).findings]


def code(seed_hex: str) -> str:
    return f"{TOTP(unhexlify(seed_hex)).token():06d}"


def sign_in(username: str, password: str, seed_hex: str | None = None) -> tuple[int, bool]:
    """Through the pages: (the code step's status, or the password step's, and whether the session is signed in)."""
    client = Client()
    first = client.post("/login/", {"username": username, "password": password})
    if first.status_code != 302 or seed_hex is None:
        return first.status_code, "_auth_user_id" in client.session
    SealedTOTPDevice.objects.filter(user__username=username).update(throttling_failure_count=0)
    second = client.post("/login/code/", {"token": code(seed_hex), "next": "/"})
    return second.status_code, "_auth_user_id" in client.session


@pytest.fixture
def clerk(db):
    """clerk.k with password PASSWORD and an authenticator of the known seed SEED, enrolled and recorded."""
    create_staff_account(test_admin(), "clerk.k", "clerk")
    staff_accounts.enrol_authenticator("clerk.k", key=SEED, actor="clerk.k", reason="test", channel="cli")
    return get_user_model().objects.get(username="clerk.k")


def test_the_credentials_verify_and_sign_in_as_recorded(clerk):
    assert findings() == []
    assert sign_in("clerk.k", PASSWORD, SEED) == (302, True)


def test_every_credential_change_is_a_ledger_entry_with_a_digest_never_the_secret(clerk, signed_in):
    changed = signed_in("clerk.m", "clerk")
    response = changed.post("/password/", {"old_password": PASSWORD, "new_password1": "Another-Horse-2027",
                                           "new_password2": "Another-Horse-2027"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="clerk.m")
    entries = list(Entry.objects.filter(subject="user:clerk.m", kind=PASSWORD_CHANGED).order_by("seq"))
    assert [e.actor for e in entries] == ["admin.test", "clerk.m"]  # the initial password, then the holder's change
    assert json.loads(entries[-1].payload) == {"username": "clerk.m", "digest": password_digest("clerk.m", user.password)}
    enrolled = Entry.objects.get(subject="user:clerk.k", kind=SECOND_FACTOR_ENROLLED)
    ledger = "".join(Entry.objects.values_list("payload", flat=True))
    for secret in ("Another-Horse-2027", PASSWORD, user.password, clerk.password, SEED,
                   SealedTOTPDevice.objects.get(user=clerk).key):
        assert secret not in ledger
    assert json.loads(enrolled.payload)["device"] == SealedTOTPDevice.objects.get(user=clerk).pk
    assert findings() == []
    assert sign_in("clerk.m", "Another-Horse-2027")[0] == 302


def test_a_replaced_password_hash_is_named_by_verify_and_signs_nobody_in(clerk):
    sql("UPDATE auth_user SET password = %s WHERE username = %s", [make_password("Attacker-Knows-2026"), "clerk.k"])
    assert "[credentials] auth_user username=clerk.k: password hash was replaced: it is not the one the ledger " \
           "recorded (its digest differs)" in findings()
    assert sign_in("clerk.k", "Attacker-Knows-2026", SEED) == (200, False)


def test_a_password_hash_copied_from_another_account_is_named(clerk, make_staff):
    make_staff("clerk.own", "clerk")  # the attacker's own account: they know its password
    sql("UPDATE auth_user SET password = (SELECT password FROM auth_user WHERE username = %s) WHERE username = %s",
        ["clerk.own", "clerk.k"])
    assert any(f.startswith("[credentials] auth_user username=clerk.k: password hash was replaced") for f in findings())
    assert sign_in("clerk.k", PASSWORD, SEED) == (200, False)


def test_a_replaced_totp_seed_is_named_by_verify_and_verifies_no_code(clerk):
    device = SealedTOTPDevice.objects.get(user=clerk)
    attacker = "00" * 20
    sql("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [attacker, device.pk])
    found = findings()
    assert f"[credentials] otp_totp_totpdevice pk={device.pk} (clerk.k): TOTP seed is stored in clear (not sealed)" in found
    assert f"[credentials] otp_totp_totpdevice pk={device.pk} (clerk.k): TOTP seed or settings were replaced, or the " \
           f"device was added: it is not the authenticator the ledger recorded (its digest differs)" in found
    assert sign_in("clerk.k", PASSWORD, attacker)[1] is False
    assert sign_in("clerk.k", PASSWORD, SEED)[1] is False  # nor the old one: the row no longer holds it


def test_a_sealed_seed_moved_from_another_account_is_named_and_opens_nothing(clerk, make_staff):
    own = make_staff("clerk.own", "clerk")
    staff_accounts.enrol_authenticator("clerk.own", key="11" * 20, name="mine", actor="clerk.own", reason="t", channel="cli")
    mine = SealedTOTPDevice.objects.get(user=own, name="mine")
    victim = SealedTOTPDevice.objects.get(user=clerk)
    sql("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [mine.key, victim.pk])
    assert any(f.startswith(f"[credentials] otp_totp_totpdevice pk={victim.pk} (clerk.k): TOTP seed or settings were replaced")
               for f in findings())
    assert sign_in("clerk.k", PASSWORD, "11" * 20)[1] is False


def test_a_deleted_authenticator_is_named(clerk):
    sql("DELETE FROM otp_totp_totpdevice WHERE user_id = %s", [clerk.pk])
    assert "[credentials] users_account pk=clerk.k: the authenticator the ledger recorded is missing (deleted or " \
           "replaced behind its back)" in findings()


def test_a_replaced_token_hash_is_named_by_verify(clerk):
    create_staff_account(test_admin(), "svc.k", "query_officer", kind="service")
    issue_approved_token(test_admin(), "svc.k", "persons:read")
    token = ApiToken.objects.get(account_id="svc.k")
    known = hashlib.sha256(b"sir_attacker").hexdigest()
    sql("UPDATE users_api_token SET token_sha256 = %s WHERE uid = %s", [known, token.uid])
    assert f"[projection] users_api_token pk={token.uid}: column token_sha256 is '{known}'; the ledger gives " \
           f"'{token.token_sha256}'" in findings()


def test_an_active_flag_set_behind_the_ledger_is_named_and_signs_nobody_in(clerk):
    staff_accounts.deactivate(test_admin(), "clerk.k", reason="离职", channel="web")
    assert findings() == []
    sql("UPDATE auth_user SET is_active = %s WHERE username = %s", [True, "clerk.k"])
    sql("UPDATE users_account SET active = %s WHERE username = %s", [True, "clerk.k"])
    found = findings()
    assert "[projection] users_account pk=clerk.k: column active is True; the ledger gives False" in found
    assert sign_in("clerk.k", PASSWORD, SEED) == (200, False)  # the ledger's deactivation stands at sign-in too
    sql("UPDATE users_account SET active = %s WHERE username = %s", [False, "clerk.k"])
    assert "[credentials] auth_user username=clerk.k: is_active is True; the ledger gives False" in findings()


def test_an_auth_user_added_behind_the_ledger_is_named_and_signs_nobody_in(db):
    get_user_model().objects.create_user("intruder", password="Intruder-2026-pass")
    assert "[credentials] auth_user username=intruder: has no staff account in the ledger (added behind its back)" \
           in findings()
    assert sign_in("intruder", "Intruder-2026-pass") == (200, False)


def test_no_totp_seed_in_clear_anywhere_in_the_database(clerk):
    staff_accounts.start_enrolment(get_user_model().objects.get(username="admin.test"))  # one mid-enrolment too
    seeds = [SEED, *(SealedTOTPDevice.objects.get(pk=d.pk).bin_key.hex() for d in SealedTOTPDevice.objects.all())]
    forms = {form for seed in seeds for form in (seed, seed.upper(), base64.b32encode(unhexlify(seed)).decode())}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump = repr(cursor.fetchall())
            assert not [form for form in forms if form in dump], table
    assert all(d.key.startswith("v1:") for d in SealedTOTPDevice.objects.all())


def test_a_password_hash_upgraded_at_sign_in_is_recorded(clerk):
    """Django re-hashes a password whose hasher changed (a Django upgrade): that is recorded like a change."""
    before = clerk.password
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                             "django.contrib.auth.hashers.MD5PasswordHasher"]):
        assert sign_in("clerk.k", PASSWORD, SEED) == (302, True)
    clerk.refresh_from_db()
    assert clerk.password != before and clerk.password.startswith("pbkdf2_sha256$")
    upgraded = Entry.objects.filter(subject="user:clerk.k", kind=PASSWORD_CHANGED).order_by("seq").last()
    assert upgraded.reason == "password hash upgraded at sign-in" and upgraded.actor == "clerk.k"
    assert findings() == []
    assert StaffAccount.objects.get(pk="clerk.k").password_digest == password_digest("clerk.k", clerk.password)


def test_a_sysadmin_replaces_no_enrolled_authenticator_without_a_recorded_reset(clerk):
    from sirecords.transactions.posting import InvalidTransaction

    with pytest.raises(InvalidTransaction, match="has an enrolled authenticator"):
        staff_accounts.enrol_authenticator("clerk.k", key="22" * 20, name="handed", actor=test_admin(), reason="t",
                                           channel="cli")
    assert sign_in("clerk.k", PASSWORD, SEED) == (302, True)
    staff_accounts.reset_second_factor(test_admin(), "clerk.k", reason="手机遗失", channel="web")
    staff_accounts.enrol_authenticator("clerk.k", key="22" * 20, name="handed", actor=test_admin(), reason="硬件令牌",
                                       channel="cli")
    assert findings() == []
    assert sign_in("clerk.k", PASSWORD, "22" * 20) == (302, True)
