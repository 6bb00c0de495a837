"""Access rules of the portal's pages (web/urls_portal.py). Sign-in and activation are open to anyone (the views
check the code, the password and the second factor); the rest need a portal session of the page's kind, which
portal/guard.py checks (PERSON_PAGE: person_page; EMPLOYER_PAGE: employer_page). A staff session is no portal
session, and a portal session opens no staff page (web/guard.py finds no staff account for it)."""

from sirecords.portal.guard import EMPLOYER_PAGE, PERSON_PAGE
from sirecords.users.access import ANONYMOUS, roles

RULES = {
    "my_home": PERSON_PAGE,
    # The person's own record (issue #10 Build 2): read through queries.scopes.person_view, logged.
    "my_contributions": PERSON_PAGE,
    "my_account": PERSON_PAGE,
    "my_pension": PERSON_PAGE,
    "my_reads": PERSON_PAGE,
    "my_login": ANONYMOUS,
    "my_logout": PERSON_PAGE,
    "my_activate": ANONYMOUS,
    "my_activate_enrol": ANONYMOUS,  # the view checks the code's step in the session
    "employer_home": EMPLOYER_PAGE,
    "employer_login": ANONYMOUS,
    "employer_logout": EMPLOYER_PAGE,
    "employer_activate": ANONYMOUS,
    "employer_activate_enrol": ANONYMOUS,
    # The unit's own records (portal/employer_reads.py): the unit is the session's, never a URL's or a parameter's.
    "employer_contributions": EMPLOYER_PAGE,
    "employer_contributions_csv": EMPLOYER_PAGE,
    "employer_employees": EMPLOYER_PAGE,
    "employer_employee": EMPLOYER_PAGE,
    # Staff: the query officer issues a person's activation code at the counter, after checking the ID document.
    "desk_portal_activation": roles("query_officer"),
    # Staff: a clerk opens an employer's portal account (a first reviewer approves it on the desk's queue).
    "desk_portal_employer": roles("clerk"),
    "desk_portal_employer_code": roles("clerk"),  # a new code for an employer's user: its password reset
    # Staff: lock an account at once (a stolen phone, a misuse).
    "desk_portal_lock": roles("query_officer", "clerk"),
}
