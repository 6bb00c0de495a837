"""`sirecords users add|grant|revoke|list`: the information agency's command line.

Every change names the acting system administrator (`--actor`, an existing sysadmin account) and is a
ledger entry with the reason. The shell alone (the operating-system user) may only create the first
system administrator of a fresh install, or the next one when no active one is left.

A role that reaches personal data (every role but sysadmin and dba) is granted only at the agency's
request (`--request-ref`, and `--request-document` for its scan) and takes effect when a business-side
approver approves it at the desk; without an actor and a request reference nothing is created and no
initial password is printed. On a fresh install nobody can approve the first approver: `--first-approver`
grants it once, recorded as such for ever (users/transactions.py, grant_first_approver).
"""

import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for, operator
from sirecords.users.models import RoleGrant, StaffAccount
from sirecords.users.roles import APPROVER, ROLES, needs_approval
from sirecords.users.transactions import active_sysadmins
from sirecords.workflow.models import OPEN_STATES, BusinessTransaction, State
from sirecords.workflow.services import Refused, payload_of


def _request_arguments(parser) -> None:
    parser.add_argument("--actor", default=None, help="the acting system administrator (an existing sysadmin account)")
    parser.add_argument("--request-ref", default="", help="the reference of the agency's written request (第二十六条); "
                                                          "required for every role but sysadmin and dba")
    parser.add_argument("--request-document", default=None, type=Path, help="a scan of the request (PDF, JPEG, PNG)")
    parser.add_argument("--first-approver", action="store_true",
                        help="fresh install only: grant the first approver, whom nobody can approve (recorded as such)")


class Command(BaseCommand):
    help = "Manage staff accounts and roles: add, grant, revoke, list."
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create an account with a role")
        add.add_argument("name")
        add.add_argument("--role", required=True, choices=list(ROLES))
        add.add_argument("--region", default=None)
        add.add_argument("--reason", required=True)
        add.add_argument("--display-name", default=None)
        add.add_argument("--organisation", default="", help="an external maintainer's firm")
        _request_arguments(add)
        grant = sub.add_parser("grant", help="grant a role")
        grant.add_argument("name")
        grant.add_argument("role", choices=list(ROLES))
        grant.add_argument("--region", default=None)
        grant.add_argument("--reason", required=True)
        _request_arguments(grant)
        revoke = sub.add_parser("revoke", help="revoke a role")
        revoke.add_argument("name")
        revoke.add_argument("role", choices=list(ROLES))
        revoke.add_argument("--region", default=None)
        revoke.add_argument("--reason", required=True)
        revoke.add_argument("--actor", default=None, help="the acting system administrator (an existing sysadmin account)")
        sub.add_parser("list", help="list accounts, their roles and the grants awaiting approval")

    def handle(self, *args, **options):
        if options["action"] == "list":
            self._list()
            return
        region = options.get("region") or settings.SIRECORDS_REGION
        try:
            actor = self._actor(options)
            if options["action"] == "add":
                self._add(actor, options, region)
            elif options["action"] == "grant":
                self._grant(actor, options, region)
            else:
                staff_accounts.revoke(actor, options["name"], options["role"], region=options.get("region"),
                                      reason=options["reason"], channel="cli")
                self.stdout.write(f"revoked {options['role']} from {options['name']}")
        except (InvalidTransaction, Refused) as refused:
            raise CommandError(f"refused: {refused}") from None

    def _actor(self, options):
        """The named sysadmin; the shell's operator only to create the first system administrator."""
        name = options.get("actor")
        if name:
            actor = actor_for(name)
            if actor is None or actor.blocked() or not actor.has("sysadmin"):
                raise CommandError(f"refused: --actor {name!r} is not an active system administrator account")
            return actor
        if options["action"] == "add" and options["role"] == "sysadmin" and not active_sysadmins():
            return operator(getpass.getuser())
        raise CommandError("refused: name the acting system administrator with --actor (an existing sysadmin account); "
                           "the shell alone may only create the first one")

    def _request(self, options, role: str) -> dict:
        if (needs_approval(role) or options["first_approver"]) and not options["request_ref"].strip():
            raise CommandError(f"refused: {role} reaches personal data: it is granted only at the agency's request; "
                               f"give its reference with --request-ref (第二十六条)")
        if options["first_approver"] and role != APPROVER:
            raise CommandError(f"refused: --first-approver grants the role {APPROVER}, not {role}")
        path = options.get("request_document")
        try:
            document = path.read_bytes() if path else None
        except OSError as error:
            raise CommandError(f"refused: cannot read the request document: {error}") from None
        return {"request_ref": options["request_ref"].strip(), "request_document": document}

    def _add(self, actor, options, region: str) -> None:
        role, name = options["role"], options["name"]
        request = self._request(options, role)
        first = options["first_approver"]
        with transaction.atomic():  # the account and its first-approver grant, or neither
            created = staff_accounts.create_account(
                actor, name, options["display_name"] or name, region=region, reason=options["reason"], channel="cli",
                roles=() if first else (role,), organisation=options["organisation"], **request)
            if first:
                staff_accounts.grant_first_approver(actor, name, region=region, reason=options["reason"], channel="cli",
                                                    **request)
        self.stdout.write(f"created {name}")
        self._report(name, role, region, created.awaiting[0] if created.awaiting else None, first)
        self.stdout.write(f"initial password: {created.password}  (set up the authenticator app at first login)")

    def _grant(self, actor, options, region: str) -> None:
        role, name = options["role"], options["name"]
        request = self._request(options, role)
        if options["first_approver"]:
            staff_accounts.grant_first_approver(actor, name, region=region, reason=options["reason"], channel="cli",
                                                **request)
            self._report(name, role, region, None, True)
            return
        txn = staff_accounts.grant(actor, name, role, region=region, reason=options["reason"], channel="cli", **request)
        self._report(name, role, region, txn if txn.state != State.POSTED else None, False)

    def _report(self, name: str, role: str, region: str, awaiting, first: bool) -> None:
        if awaiting is not None:
            self.stdout.write(f"{role} in {region} for {name} awaits a business-side approver "
                              f"(transaction {awaiting.uid}); it takes effect when approved")
        elif first:
            self.stdout.write(f"granted {role} in {region} to {name} as the first approver of this installation "
                              f"(no approval: recorded as a bootstrap)")
        else:
            self.stdout.write(f"granted {role} in {region} to {name}")

    def _list(self):
        for account in StaffAccount.objects.order_by("username"):
            grants = RoleGrant.objects.filter(account=account, revoked_on__isnull=True).order_by("role")
            roles = ", ".join(f"{g.role}@{g.region}{' [first approver, bootstrap]' if g.bootstrap else ''}"
                              for g in grants) or "(no roles)"
            flags = "" if account.active else " [deactivated]"
            org = f" ({account.organisation})" if account.organisation else ""
            self.stdout.write(f"{account.username}{org}{flags}: {roles}")
        waiting = BusinessTransaction.objects.filter(type__in=("grant_role", "issue_token"), state__in=OPEN_STATES)
        for txn in waiting.order_by("created_at"):
            payload = payload_of(txn)
            what = f"{payload['role']}@{payload['region']}" if "role" in payload else f"token {payload.get('label', '')}"
            self.stdout.write(f"awaiting approval: {payload.get('username')}: {what} (transaction {txn.uid}, "
                              f"request {payload.get('request_ref', '')})")
