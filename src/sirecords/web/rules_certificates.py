"""Access rules of the certificate pages (web/urls_certificates.py)."""

from sirecords.portal.guard import PERSON_PAGE
from sirecords.users.access import ANONYMOUS, roles

RULES = {
    # Public: anyone holding a certificate checks it by its code or its file; rate-limited per address, masked summary.
    "certificate_verify": ANONYMOUS,
    "certificate_check": ANONYMOUS,
    # The query officer issues for the person of the counter query they recorded (the view checks that).
    "desk_query_certificate": roles("query_officer"),
    # The insured person, their own certificates only (the person is the session's).
    "my_certificates": PERSON_PAGE,
}
