import pytest

from sirecords.demo.documents import scan
from sirecords.users import accounts
from sirecords.workflow.actors import actor_for, operator

REGION = "440300"


@pytest.fixture
def staff(db):
    """staff(username, *roles, region=REGION, organisation="") -> Actor."""
    cli = operator("test")
    accounts.create_account(cli, "admin.t", "Admin", region=REGION, reason="t", channel="cli", roles=("sysadmin",), password="x" * 16)
    admin = actor_for("admin.t")

    def make(username, *roles, region=REGION, organisation=""):
        accounts.create_account(admin, username, username, region=region, reason="t", channel="cli", roles=roles,
                                organisation=organisation, password="x" * 16)
        return actor_for(username)

    make.admin = admin
    return make


@pytest.fixture
def pdf():
    return scan("test document")
