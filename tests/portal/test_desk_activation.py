"""The query officer's counter page for activation codes: only a query officer reaches it; the look-up states its
purpose and is access-logged; the identity check must be confirmed; the code it shows opens the account."""

from __future__ import annotations

import pytest
from django.test import Client

from sirecords.portal import services as portal
from sirecords.portal.credentials import person_username
from sirecords.portal.models import PersonPortalAccount, PortalState
from sirecords.records.models import AccessEvent

from ..api.conftest import id_number
from ..conftest import make_signed_in_staff, sign_in
from .conftest import ID_NUMBER, KEY, PORTAL_PASSWORD

pytestmark = pytest.mark.django_db
PATH = "/desk/portal/activation/"
FORM = {"id_number": ID_NUMBER, "purpose": "counter", "purpose_detail": "网上查询账号激活码", "identity_checked": "on"}


def officer_client(username="officer.d", role="query_officer"):
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), make_signed_in_staff(username, role))


def test_only_a_query_officer_reaches_it(person):
    assert Client().get(PATH).status_code == 302
    assert officer_client("clerk.d", "clerk").get(PATH).status_code == 403
    assert officer_client().get(PATH).status_code == 200


def test_the_officer_issues_a_code_that_activates_the_account(person):
    client = officer_client()
    response = client.post(PATH, FORM)
    assert response.status_code == 200
    html = response.content.decode()
    code = html.split('<p class="activation-code"><code>')[1].split("</code>")[0]
    assert person.masked_id_number in html and ID_NUMBER not in html
    assert PersonPortalAccount.objects.get(person_uid=person.uid).state == PortalState.PENDING
    assert AccessEvent.objects.filter(actor="officer.d", subject=f"person:{person.uid}").exists()
    portal.activate_with_code(person_username(person.uid), code, password=PORTAL_PASSWORD, channel="web", key=KEY)
    assert PersonPortalAccount.objects.get(person_uid=person.uid).state == PortalState.ACTIVE


def test_without_the_identity_check_nothing_is_issued(person):
    response = officer_client().post(PATH, {**FORM, "identity_checked": ""})
    assert response.status_code == 200 and 'class="activation-code"' not in response.content.decode()
    assert not PersonPortalAccount.objects.exists()


def test_an_unregistered_number_issues_nothing(person):
    response = officer_client().post(PATH, {**FORM, "id_number": id_number(98)})
    assert "No insured person is registered" in response.content.decode()
    assert not PersonPortalAccount.objects.exists()


def test_a_clerk_opens_an_employer_account_that_a_reviewer_approves(employer, reviewer):
    from sirecords.portal.credentials import employer_username
    from sirecords.portal.models import EmployerPortalAccount
    from sirecords.workflow.models import BusinessTransaction
    from sirecords.workflow.services import review

    from .conftest import USCC

    clerk = officer_client("clerk.e", "clerk")
    assert officer_client("officer.e").get("/desk/portal/employer/").status_code == 403
    response = clerk.post("/desk/portal/employer/", {"uscc": USCC.lower(), "user_name": "hr",
                                                     "display_name": "人事专员"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="activation-code"' in html, html
    code = html.split('<p class="activation-code"><code>')[1].split("</code>")[0]
    review(reviewer, BusinessTransaction.objects.get(type="create_employer_portal_account"), "approve", "ok")
    username = employer_username(employer.uid, "hr")
    portal.activate_with_code(username, code, password=PORTAL_PASSWORD, channel="web", key=KEY)
    assert EmployerPortalAccount.objects.get(pk=username).state == PortalState.ACTIVE
    again = clerk.post("/desk/portal/employer/", {"uscc": USCC, "user_name": "hr", "display_name": "x"})
    assert "already has a user" in again.content.decode()


def test_a_clerk_issues_an_employer_user_a_new_code(employer, employer_device):
    from sirecords.portal.credentials import employer_username

    from .conftest import USCC

    clerk = officer_client("clerk.f", "clerk")
    unknown = clerk.post("/desk/portal/employer/code/", {"uscc": USCC, "user_name": "nobody"})
    assert "no portal user of this name" in unknown.content.decode()
    response = clerk.post("/desk/portal/employer/code/", {"uscc": USCC, "user_name": "hr"})
    html = response.content.decode()
    code = html.split('<p class="activation-code"><code>')[1].split("</code>")[0]
    portal.activate_with_code(employer_username(employer.uid, "hr"), code, password="Second-Quiet-Password-9",
                              channel="web")
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username=employer_username(employer.uid, "hr")).check_password(
        "Second-Quiet-Password-9")


def test_an_officer_locks_a_persons_account_and_the_read_is_logged(person, person_device):
    client = officer_client()
    response = client.post("/desk/portal/lock/", {"id_number": ID_NUMBER, "reason": "stolen phone reported"})
    assert response.status_code == 302
    assert PersonPortalAccount.objects.get(person_uid=person.uid).state == PortalState.LOCKED
    assert AccessEvent.objects.filter(actor="officer.d", subject=f"person:{person.uid}",
                                      what="portal account locked").exists()
    again = client.post("/desk/portal/lock/", {"id_number": ID_NUMBER, "reason": "twice"})
    assert "already locked" in again.content.decode()


def test_a_clerk_locks_an_employer_users_account(employer, employer_device):
    from sirecords.portal.credentials import employer_username
    from sirecords.portal.models import EmployerPortalAccount

    from .conftest import USCC

    response = officer_client("clerk.g", "clerk").post("/desk/portal/lock/", {"uscc": USCC, "user_name": "hr",
                                                                              "reason": "misuse reported"})
    assert response.status_code == 302
    assert EmployerPortalAccount.objects.get(pk=employer_username(employer.uid, "hr")).state == PortalState.LOCKED


def test_the_lock_page_needs_one_account_named(person):
    client = officer_client()
    assert "Give an ID number" in client.post("/desk/portal/lock/", {"reason": "x"}).content.decode()
    assert "No portal account" in client.post("/desk/portal/lock/", {"id_number": ID_NUMBER,
                                                                     "reason": "x"}).content.decode()
    assert officer_client("review.h", "reviewer1").get("/desk/portal/lock/").status_code == 403
