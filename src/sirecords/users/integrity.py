"""A `verify` check: no account holds an administrator role together with any other (第二十八条(二)).
Grants are refused at the door; this finds a combination that got into the data some other way."""

from sirecords.ledger.verify import Report, register_check
from sirecords.users.models import RoleGrant
from sirecords.users.roles import ADMIN_ROLES


@register_check
def administrators_hold_no_other_role(report: Report) -> None:
    held: dict[str, set[str]] = {}
    for username, role in RoleGrant.objects.filter(revoked_on__isnull=True).values_list("account_id", "role"):
        held.setdefault(username, set()).add(role)
    for username, roles in sorted(held.items()):
        if roles & ADMIN_ROLES and roles - ADMIN_ROLES:
            report.add("roles", f"users_account pk={username}",
                       f"holds {', '.join(sorted(roles & ADMIN_ROLES))} together with {', '.join(sorted(roles - ADMIN_ROLES))} "
                       f"(第二十六条, 第二十八条(二))")
