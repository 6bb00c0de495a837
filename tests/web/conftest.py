"""Page tests use the shared fixtures of tests/conftest.py (make_staff, signed_in, staff_client)."""

from ..conftest import PASSWORD, REGION  # noqa: F401 (imported from here by the page tests)
