"""A lost database connection while a page is served (a failover) is a plain 503 page, Chinese first then English, with
Retry-After, never a 500 or a traceback (web/unavailable.py: the middleware for the views, handler500 for the rest)."""

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory

from sirecords.web.views import home


def unavailable_page(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(settings.SIRECORDS_DATABASE_RETRY_AFTER_SECONDS)
    text = response.content.decode()
    assert text.index("服务暂时不可用") < text.index("Service temporarily unavailable")
    assert "Traceback" not in text and "OperationalError" not in text and "InterfaceError" not in text
    return text


class Lost:
    """A stand-in for a model whose every query meets a lost connection."""

    def __init__(self, error):
        self.error = error

    @property
    def objects(self):
        raise self.error


@pytest.mark.parametrize("error", [OperationalError("server closed the connection unexpectedly"),
                                   InterfaceError("connection already closed")])
def test_a_page_whose_query_meets_a_lost_connection_is_a_503_page(staff_client, monkeypatch, error):
    client = staff_client("clerk.lost", "clerk")
    assert client.get("/").status_code == 200
    monkeypatch.setattr(home, "BusinessTransaction", Lost(error))
    text = unavailable_page(client.get("/"))  # the test client raises any exception Django signals: none is
    assert "稍后重试" in text or "秒后重试" in text


def test_with_the_whole_database_away_the_page_is_still_a_503(staff_client, monkeypatch):
    """Every query fails, the session's load and save too (the save runs in a middleware, after the view's 503):
    handler500 answers with the same page."""
    client = staff_client("clerk.away", "clerk")
    client.raise_request_exception = False  # the session's save is an exception Django reports (and logs)

    def away(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patched:  # undone before the test database's own teardown queries
        patched.setattr(CursorWrapper, "execute", away)
        patched.setattr(CursorWrapper, "executemany", away)
        response = client.get("/")
    unavailable_page(response)


def test_an_api_path_outside_the_apis_own_handler_gets_a_problem_and_other_errors_a_500(db):
    from sirecords.web.unavailable import server_error, unavailable

    request = RequestFactory().get("/api/transactions/mine")
    response = unavailable(request, OperationalError("gone"))
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(settings.SIRECORDS_DATABASE_RETRY_AFTER_SECONDS)
    try:
        raise ValueError("not the database")
    except ValueError:
        assert server_error(RequestFactory().get("/")).status_code == 500
