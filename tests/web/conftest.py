"""Page tests use the shared fixtures of tests/conftest.py (make_staff, signed_in, staff_client)."""

REGION = "440300"
PASSWORD = "Correct-Horse-2026"  # the password tests/conftest.py gives every test account
