"""The portal's pages: the insured person's under /my/, the employer's under /employer/ (issue #10)."""

from django.urls import path

from sirecords.web.views import portal, portal_desk, portal_employer, portal_record

urlpatterns = [
    path("my/", portal_record.my_summary_view, name="my_home"),
    path("my/contributions/", portal_record.my_contributions_view, name="my_contributions"),
    path("my/account/", portal_record.my_account_view, name="my_account"),
    path("my/pension/", portal_record.my_pension_view, name="my_pension"),
    path("my/reads/", portal_record.my_reads_view, name="my_reads"),
    path("my/login/", portal.my_login_view, name="my_login"),
    path("my/logout/", portal.my_logout_view, name="my_logout"),
    path("my/activate/", portal.my_activate_view, name="my_activate"),
    path("my/activate/enrol/", portal.my_activate_enrol_view, name="my_activate_enrol"),
    path("employer/", portal.employer_home_view, name="employer_home"),
    path("employer/login/", portal.employer_login_view, name="employer_login"),
    path("employer/logout/", portal.employer_logout_view, name="employer_logout"),
    path("employer/activate/", portal.employer_activate_view, name="employer_activate"),
    path("employer/activate/enrol/", portal.employer_activate_enrol_view, name="employer_activate_enrol"),
    path("employer/contributions/", portal_employer.contributions_view, name="employer_contributions"),
    path("employer/contributions.csv", portal_employer.contributions_csv_view, name="employer_contributions_csv"),
    path("employer/employees/", portal_employer.employees_view, name="employer_employees"),
    path("employer/employees/<str:person_uid>/", portal_employer.employee_view, name="employer_employee"),
    path("desk/portal/activation/", portal_desk.activation_code_view, name="desk_portal_activation"),
    path("desk/portal/employer/", portal_desk.employer_account_view, name="desk_portal_employer"),
    path("desk/portal/employer/code/", portal_desk.employer_code_view, name="desk_portal_employer_code"),
    path("desk/portal/lock/", portal_desk.lock_view, name="desk_portal_lock"),
]
