"""Access rules of the staff pages, by URL name (see sirecords/users/access.py)."""

from sirecords.users.access import ANONYMOUS, STAFF
from sirecords.web.rules_admin import RULES as ADMIN_RULES
from sirecords.web.rules_applications import RULES as APPLICATION_RULES
from sirecords.web.rules_certificates import RULES as CERTIFICATE_RULES
from sirecords.web.rules_crosschecks import RULES as CROSSCHECK_RULES
from sirecords.web.rules_desk import RULES as DESK_RULES
from sirecords.web.rules_disputes import RULES as DISPUTE_RULES
from sirecords.web.rules_portal import RULES as PORTAL_RULES
from sirecords.web.rules_record import RULES as RECORD_RULES
from sirecords.web.rules_transfers import RULES as TRANSFER_RULES

CORE_RULES = {
    "healthz": ANONYMOUS,
    "metrics": ANONYMOUS,  # no user account: the view requires the metrics bearer token, or a local scrape
    "set_language": ANONYMOUS,
    "login": ANONYMOUS,
    "login_otp": ANONYMOUS,  # the password step already passed; the view checks the session
    "otp_enrol": ANONYMOUS,  # likewise: only after the password step, for an account without a device
    "logout": STAFF,
    "home": STAFF,
    "password_change": STAFF,
}

RULES = {**CORE_RULES, **DESK_RULES, **ADMIN_RULES, **RECORD_RULES, **PORTAL_RULES, **APPLICATION_RULES,
         **CERTIFICATE_RULES, **CROSSCHECK_RULES, **DISPUTE_RULES, **TRANSFER_RULES}
