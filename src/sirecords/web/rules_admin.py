"""Access rules of the pages in web/urls_admin.py, by URL name (see sirecords/users/access.py)."""

from sirecords.users.access import roles

MAINTAINER = roles("maintainer")  # 第十一条: an external one also needs an unexpired agreement (the guard checks)
SYSADMIN = roles("sysadmin")  # 第二十六条: the information agency administers users
SUPERVISOR = roles("supervisor")  # 第三条: the supervising department, read-only

RULES: dict = {
    "maint_home": MAINTAINER,
    "maint_person": MAINTAINER,
    "maint_employer": MAINTAINER,
    "maint_employment": MAINTAINER,
    "maint_add_employment": MAINTAINER,
    "sysadmin_accounts": SYSADMIN,
    "sysadmin_account_new": SYSADMIN,
    "sysadmin_account": SYSADMIN,
    "sysadmin_grant": SYSADMIN,
    "sysadmin_revoke": SYSADMIN,
    "sysadmin_agreement": SYSADMIN,
    "sysadmin_deactivate": SYSADMIN,
    "sysadmin_token_new": SYSADMIN,
    "sysadmin_reset_authenticator": SYSADMIN,
    "sysadmin_withdraw_request": SYSADMIN,
    "sysadmin_tokens": SYSADMIN,
    "sysadmin_token_revoke": SYSADMIN,
    "supervise_access_log": SUPERVISOR,
    "supervise_maintenance_log": SUPERVISOR,
    "supervise_maintenance_csv": SUPERVISOR,
    "supervise_integrity": SUPERVISOR,
}
