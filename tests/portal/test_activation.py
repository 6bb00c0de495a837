"""Activation of portal accounts (第十五条): a code issued at the counter after the identity check (or printed on
the annual statement) or with an employer account a clerk created; wrong, expired and reused codes refused; the
ledger keeps only keyed digests; a replaced password hash is refused at sign-in and named by verify."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.portal import services as portal
from sirecords.portal.credentials import canonical_code, employer_username, person_username
from sirecords.portal.kinds import PERSON_ACTIVATION_ISSUED, PORTAL_ACCOUNT_ACTIVATED
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount, PortalState
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.models import SealedTOTPDevice
from sirecords.workflow.models import State
from sirecords.workflow.services import Refused

from .conftest import KEY, PORTAL_PASSWORD

pytestmark = pytest.mark.django_db


def test_an_officer_issues_a_code_that_the_ledger_keeps_only_as_a_digest(person, officer):
    code, expires_on = portal.issue_activation_code(person, actor=officer, channel="counter")
    account = PersonPortalAccount.objects.get(person_uid=person.uid)
    assert account.username == person_username(person.uid) and account.state == PortalState.PENDING
    assert expires_on == date.today() + timedelta(days=30) == account.activation_expires_on
    entry = Entry.objects.get(kind=PERSON_ACTIVATION_ISSUED)
    assert code not in entry.payload and canonical_code(code).replace("-", "") not in entry.payload
    assert person.id_number not in entry.payload and person.id_number not in account.username
    assert portal.code_valid(account.username, code)
    assert portal.code_valid(account.username, code.lower().replace("-", " "))  # as typed from paper


def test_only_a_query_officer_issues_a_persons_code(person, clerk):
    with pytest.raises(Refused):
        portal.issue_activation_code(person, actor=clerk, channel="counter")
    assert not PersonPortalAccount.objects.exists()


def test_activation_sets_password_and_authenticator_under_the_ledger(person, officer):
    device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=officer, channel="counter", key=KEY)
    account = PersonPortalAccount.objects.get(person_uid=person.uid)
    user = get_user_model().objects.get(username=account.username)
    assert account.state == PortalState.ACTIVE and user.is_active and user.check_password(PORTAL_PASSWORD)
    assert account.password_digest and account.second_factor_digest and account.activation_digest == ""
    assert device.confirmed and SealedTOTPDevice.objects.get(pk=device.pk).key.startswith("v1:")  # sealed seed
    entry = Entry.objects.get(kind=PORTAL_ACCOUNT_ACTIVATED)
    assert PORTAL_PASSWORD not in entry.payload and user.password not in entry.payload
    assert [f for f in verify().findings if f.check in ("credentials", "projection")] == []


def test_a_wrong_code_is_refused_and_nothing_changes(person, officer):
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    username = person_username(person.uid)
    assert not portal.code_valid(username, "AAAA-BBBB-CCCC")
    with pytest.raises(InvalidTransaction) as refused:
        portal.activate_with_code(username, "AAAA-BBBB-CCCC", password=PORTAL_PASSWORD, channel="web", key=KEY)
    assert "code" in refused.value.errors
    assert PersonPortalAccount.objects.get(pk=username).state == PortalState.PENDING
    assert not Entry.objects.filter(kind=PORTAL_ACCOUNT_ACTIVATED).exists()


def test_a_code_of_another_person_does_not_open_this_account(person, officer, post_txn):
    from tests.api.conftest import person_payload

    other = post_txn("register_person", person_payload())[0].payload["person"]
    code, _ = portal.issue_activation_code(other, actor=officer, channel="counter")
    assert not portal.code_valid(person_username(person.uid), code)


def test_a_used_code_cannot_be_used_again(person, officer):
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    username = person_username(person.uid)
    portal.activate_with_code(username, code, password=PORTAL_PASSWORD, channel="web", key=KEY)
    assert not portal.code_valid(username, code)
    with pytest.raises(InvalidTransaction):
        portal.activate_with_code(username, code, password="Another-Long-Pass-77", channel="web")
    assert get_user_model().objects.get(username=username).check_password(PORTAL_PASSWORD)


def test_an_expired_code_is_refused(person, officer, settings):
    settings.SIRECORDS_ACTIVATION_DAYS = -1  # issued already past its last day
    code, expires_on = portal.issue_activation_code(person, actor=officer, channel="counter")
    assert expires_on < date.today()
    username = person_username(person.uid)
    assert not portal.code_valid(username, code)
    with pytest.raises(InvalidTransaction):
        portal.activate_with_code(username, code, password=PORTAL_PASSWORD, channel="web", key=KEY)


def test_a_weak_password_is_refused_by_djangos_validators(person, officer):
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    with pytest.raises(InvalidTransaction) as refused:
        portal.activate_with_code(person_username(person.uid), code, password="12345678", channel="web")
    assert "password" in refused.value.errors
    assert portal.code_valid(person_username(person.uid), code)  # the code is not used up by a refusal


def test_a_new_code_resets_the_password_and_replaces_the_authenticator(person, officer, person_device):
    username = person_username(person.uid)
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    device = portal.activate_with_code(username, code, password="Second-Quiet-Password-9", channel="web")
    user = get_user_model().objects.get(username=username)
    assert user.check_password("Second-Quiet-Password-9")
    assert list(SealedTOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [device.pk]


def test_employer_account_needs_review_then_activates(employer, clerk, reviewer):
    from sirecords.workflow.services import review

    created = portal.create_employer_account(clerk, employer, "HR", "人事专员", channel="counter")
    assert created.txn.state != State.POSTED and not EmployerPortalAccount.objects.exists()
    assert created.username == employer_username(employer.uid, "hr")
    review(reviewer, created.txn, "approve", "ok")
    account = EmployerPortalAccount.objects.get(pk=created.username)
    assert (account.user_name, account.display_name, account.state) == ("hr", "人事专员", PortalState.PENDING)
    portal.activate_with_code(created.username, created.code, password=PORTAL_PASSWORD, channel="web", key=KEY)
    assert EmployerPortalAccount.objects.get(pk=created.username).state == PortalState.ACTIVE


def test_an_employer_user_name_is_checked(employer, clerk):
    with pytest.raises(InvalidTransaction) as refused:
        portal.create_employer_account(clerk, employer, "人事", "人事专员", channel="counter")
    assert "user_name" in refused.value.errors


def test_an_employer_password_is_reset_only_with_a_new_code(employer, clerk, employer_device):
    username = employer_username(employer.uid, "hr")
    code, _ = portal.issue_employer_activation_code(clerk, username, channel="counter")
    portal.activate_with_code(username, code, password="Second-Quiet-Password-9", channel="web")
    assert get_user_model().objects.get(username=username).check_password("Second-Quiet-Password-9")


def test_verify_names_a_replaced_portal_password_hash(person_device):
    from django.contrib.auth.hashers import make_password

    user = person_device.user
    assert not [f for f in verify().findings if "portal" in f.where or ":" in f.where]
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("Planted-By-Someone-1"))
    findings = [f for f in verify().findings if f.where == f"auth_user username={user.get_username()}"]
    assert findings and "password hash was replaced" in findings[0].message


def test_verify_names_a_replaced_portal_authenticator(person_device):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(pk=person_device.pk).update(digits=8)
    assert any("TOTP seed or settings were replaced" in f.message for f in verify().findings)


def test_a_lock_voids_the_pending_code_and_a_new_code_lifts_it(person, officer, person_device):
    username = person_username(person.uid)
    old, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    portal.lock_account(officer, username, reason="stolen phone reported", channel="counter")
    assert PersonPortalAccount.objects.get(pk=username).state == PortalState.LOCKED
    assert not portal.code_valid(username, old)
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    portal.activate_with_code(username, code, password="Second-Quiet-Password-9", channel="web")
    assert PersonPortalAccount.objects.get(pk=username).state == PortalState.ACTIVE
