"""The roles of DESIGN.md and the rule that administrators never hold business or query roles
(第二十六条, 第二十八条(二)). Plain Python: of Django, only gettext for the messages."""

from __future__ import annotations

from django.utils.translation import gettext as _

# code → (中文, English)
ROLES: dict[str, tuple[str, str]] = {
    "clerk": ("经办员", "Clerk"),
    "reviewer1": ("初审员", "First reviewer"),
    "reviewer2": ("审核员", "Reviewer"),
    "reviewer3": ("复核员", "Re-reviewer"),
    "approver": ("审批员", "Approver"),
    "maintainer": ("数据维护员", "Data maintainer"),
    "query_officer": ("查询员", "Query officer"),
    "supervisor": ("监督员", "Supervisor"),
    "sysadmin": ("系统管理员", "System administrator"),
    "dba": ("数据库管理员", "Database administrator"),
}

ADMIN_ROLES = frozenset({"sysadmin", "dba"})
BUSINESS_ROLES = frozenset({"clerk", "reviewer1", "reviewer2", "reviewer3", "approver", "maintainer"})
QUERY_ROLES = frozenset({"query_officer"})
# Supervisors oversee the administrators' and the agency's work; they hold neither kind of role.
OVERSIGHT_ROLES = frozenset({"supervisor"})
# Every role but the administrators' reaches personal data: the information agency grants one only at the
# agency's request and with the approval of a business-side approver (第二十六条 按经办机构要求), never alone.
APPROVED_ROLES = BUSINESS_ROLES | QUERY_ROLES | OVERSIGHT_ROLES
# The business-side role that approves such grants (the 审批 stage of grant_role and issue_token in stages.toml);
# the first one of a fresh install is granted once, as an explicit bootstrap (users/transactions.py).
APPROVER = "approver"


def needs_approval(role: str) -> bool:
    """Whether granting `role` waits for a business-side approver (every role but sysadmin and dba)."""
    return role in APPROVED_ROLES


def conflict(held: set[str], new_role: str) -> str | None:
    """Why `new_role` may not join `held`, or None when it may."""
    if new_role not in ROLES:
        return _("unknown role {role}; roles are {roles}").format(role=repr(new_role), roles=", ".join(ROLES))
    if new_role in ADMIN_ROLES:
        clash = sorted(held - ADMIN_ROLES)
        if clash:
            return _("{role} may not also hold {held}: system and database administrators never "
                     "hold business, query or supervisory roles (第二十六条, 第二十八条(二))").format(
                role=new_role, held=", ".join(clash))
    elif held & ADMIN_ROLES:
        return _("{role} may not be given to a holder of {held}: system and database "
                 "administrators never hold business, query or supervisory roles (第二十六条, 第二十八条(二))").format(
            role=new_role, held=", ".join(sorted(held & ADMIN_ROLES)))
    return None
