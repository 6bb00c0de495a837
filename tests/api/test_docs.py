"""The OpenAPI document and its viewer: served from this server only (offline, under the CSP)."""

import re

import pytest

from .test_permissions import GUARDED

pytestmark = pytest.mark.django_db


def test_openapi_json_lists_every_operation(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}
    assert ("POST", "/api/transactions") in operations
    assert ("GET", "/api/transactions/{uid}") in operations
    assert ("POST", "/api/transactions/{uid}/attachments") in operations
    assert ("POST", "/api/persons/lookup") in operations
    portal = {op for op in operations if op[1].startswith(("/api/me/", "/api/employer/"))}  # issue #10's own sessions
    assert portal == {("POST", "/api/me/session"), ("DELETE", "/api/me/session"), ("GET", "/api/me/account"),
                      ("POST", "/api/employer/session"), ("DELETE", "/api/employer/session"),
                      ("GET", "/api/employer/account"),
                      ("GET", "/api/employer/contributions"), ("GET", "/api/employer/employees"),
                      ("GET", "/api/me/record"), ("GET", "/api/me/reads"), ("GET", "/api/me/estimate"),
                      # disputes of the record (issue #18): the person's own and the unit's
                      ("POST", "/api/me/disputes"), ("GET", "/api/me/disputes"), ("GET", "/api/me/disputes/{case}"),
                      ("POST", "/api/me/disputes/{case}/evidence"), ("POST", "/api/employer/disputes"),
                      ("GET", "/api/employer/disputes"),
                      # transfers between regions (issue #19): the person's own progress
                      ("GET", "/api/me/transfers")}
    staff_sessions = {("POST", "/api/staff/session"), ("DELETE", "/api/staff/session")}  # signing in: no role asked
    assert staff_sessions <= operations
    assert len(operations - portal - staff_sessions) == len(GUARDED)
    assert {"ServiceToken", "StaffSession", "PersonBearer", "EmployerBearer"} <= set(schema["components"]["securitySchemes"])
    lookup = schema["paths"]["/api/persons/lookup"]["post"]
    assert any(p["name"] == "purpose" and p["required"] for p in lookup["parameters"])


def test_docs_page_uses_only_local_assets_under_the_csp(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    remote = [url for url in assets if not url.startswith("/")]
    assert remote == [], f"the docs page loads assets from elsewhere (is 'ninja' in INSTALLED_APPS?): {remote}"
    assert "<script>" not in html  # no inline script: the CSP would block it
    for url in assets:
        asset = client.get(url)
        try:
            assert asset.status_code == 200, url
        finally:
            asset.close()



def test_every_operation_documents_the_503_of_a_failover(client):
    """A lost database connection (a failover) is answered 503 with Retry-After as a problem by any operation
    (api/errors.py): each says so in the document, with application/problem+json."""
    paths = client.get("/api/openapi.json").json()["paths"]
    operations = [(path, method, operation) for path, methods in paths.items() for method, operation in methods.items()]
    assert len(operations) >= 40
    for path, method, operation in operations:
        unavailable = operation["responses"].get("503")
        assert unavailable is not None, f"{method.upper()} {path} does not document 503"
        assert "application/problem+json" in unavailable["content"], f"{method.upper()} {path}"
