"""Staff pages: see web/rules_admin.py for who may reach each."""

from django.urls import path

from sirecords.web.views import admin_maintenance as maintenance
from sirecords.web.views import admin_supervision as supervision
from sirecords.web.views import admin_users as users

urlpatterns: list = [
    # Dedicated data maintainers (第十一条, 第十二条)
    path("maintenance/", maintenance.maint_home, name="maint_home"),
    path("maintenance/person/<str:uid>/", maintenance.maint_person, name="maint_person"),
    path("maintenance/person/<str:uid>/add-employment/", maintenance.maint_add_employment, name="maint_add_employment"),
    path("maintenance/employer/<str:uid>/", maintenance.maint_employer, name="maint_employer"),
    path("maintenance/employment/<str:uid>/", maintenance.maint_employment, name="maint_employment"),
    # System administrators (第二十六条)
    path("sysadmin/accounts/", users.accounts_view, name="sysadmin_accounts"),
    path("sysadmin/new-account/", users.account_new_view, name="sysadmin_account_new"),
    path("sysadmin/accounts/<str:username>/", users.account_view, name="sysadmin_account"),
    path("sysadmin/accounts/<str:username>/grant/", users.grant_view, name="sysadmin_grant"),
    path("sysadmin/accounts/<str:username>/revoke/", users.revoke_view, name="sysadmin_revoke"),
    path("sysadmin/accounts/<str:username>/agreement/", users.agreement_view, name="sysadmin_agreement"),
    path("sysadmin/accounts/<str:username>/deactivate/", users.deactivate_view, name="sysadmin_deactivate"),
    path("sysadmin/accounts/<str:username>/tokens/new/", users.token_new_view, name="sysadmin_token_new"),
    path("sysadmin/accounts/<str:username>/reset-authenticator/", users.reset_authenticator_view,
         name="sysadmin_reset_authenticator"),
    path("sysadmin/tokens/", users.tokens_view, name="sysadmin_tokens"),
    path("sysadmin/requests/<str:uid>/withdraw/", users.withdraw_request_view, name="sysadmin_withdraw_request"),
    path("sysadmin/tokens/<str:uid>/revoke/", users.token_revoke_view, name="sysadmin_token_revoke"),
    # The supervising department (第三条), read-only
    path("supervision/access-log/", supervision.access_log_view, name="supervise_access_log"),
    path("supervision/maintenance-log/", supervision.maintenance_log_view, name="supervise_maintenance_log"),
    path("supervision/maintenance-log.csv", supervision.maintenance_csv_view, name="supervise_maintenance_csv"),
    path("supervision/integrity/", supervision.integrity_view, name="supervise_integrity"),
]
