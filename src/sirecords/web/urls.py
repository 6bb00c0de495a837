from django.urls import include, path

from sirecords.web.views import auth, home

urlpatterns = [
    path("", home.home_view, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_otp_view, name="login_otp"),
    path("login/enrol/", auth.otp_enrol_view, name="otp_enrol"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change_view, name="password_change"),
    path("", include("sirecords.web.urls_desk")),  # clerks and reviewers
    path("", include("sirecords.web.urls_admin")),  # maintainers, sysadmins, supervisors
    path("", include("sirecords.web.urls_record")),  # the person's record
    path("", include("sirecords.web.urls_portal")),  # insured persons' and employers' own portal (issue #10)
    path("", include("sirecords.web.urls_applications")),  # written applications by authorities and units (issue #11)
    path("", include("sirecords.web.urls_crosschecks")),  # the cross-check queue (issue #17, 第五条)
    path("", include("sirecords.web.urls_disputes")),  # disputes of the record (issue #18, 第十六条)
    path("", include("sirecords.web.urls_transfers")),  # transfers between regions: progress (issue #19, 第十条)
    path("", include("sirecords.web.urls_certificates")),  # issuing certificates, the public /v/<code> (issue #11)
]
