"""`sirecords users add|grant|revoke|list`: the information agency's command line (the first
sysadmin is created this way). Each change is a ledger entry naming the operator and the reason."""

import getpass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sirecords.transactions.posting import InvalidTransaction
from sirecords.users import services as staff_accounts
from sirecords.users.actors import operator
from sirecords.users.models import RoleGrant, StaffAccount
from sirecords.users.roles import ROLES
from sirecords.workflow.services import Refused


class Command(BaseCommand):
    help = "Manage staff accounts and roles: add, grant, revoke, list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create an account with a role")
        add.add_argument("name")
        add.add_argument("--role", required=True, choices=list(ROLES))
        add.add_argument("--region", default=None)
        add.add_argument("--reason", required=True)
        add.add_argument("--display-name", default=None)
        add.add_argument("--organisation", default="", help="an external maintainer's firm")
        grant = sub.add_parser("grant", help="grant a role")
        grant.add_argument("name")
        grant.add_argument("role", choices=list(ROLES))
        grant.add_argument("--region", default=None)
        grant.add_argument("--reason", required=True)
        revoke = sub.add_parser("revoke", help="revoke a role")
        revoke.add_argument("name")
        revoke.add_argument("role", choices=list(ROLES))
        revoke.add_argument("--region", default=None)
        revoke.add_argument("--reason", required=True)
        sub.add_parser("list", help="list accounts and their roles")

    def handle(self, *args, **options):
        actor = operator(getpass.getuser())
        region = options.get("region") or settings.SIRECORDS_REGION
        try:
            if options["action"] == "add":
                password = staff_accounts.create_account(
                    actor, options["name"], options["display_name"] or options["name"], region=region,
                    reason=options["reason"], channel="cli", roles=(options["role"],), organisation=options["organisation"])
                self.stdout.write(f"created {options['name']} with {options['role']} in {region}")
                self.stdout.write(f"initial password: {password}  (set up the authenticator app at first login)")
            elif options["action"] == "grant":
                staff_accounts.grant(actor, options["name"], options["role"], region=region, reason=options["reason"], channel="cli")
                self.stdout.write(f"granted {options['role']} in {region} to {options['name']}")
            elif options["action"] == "revoke":
                staff_accounts.revoke(actor, options["name"], options["role"], region=options.get("region"),
                                reason=options["reason"], channel="cli")
                self.stdout.write(f"revoked {options['role']} from {options['name']}")
            else:
                self._list()
        except (InvalidTransaction, Refused) as refused:
            raise CommandError(f"refused: {refused}") from None

    def _list(self):
        for account in StaffAccount.objects.order_by("username"):
            grants = RoleGrant.objects.filter(account=account, revoked_on__isnull=True).order_by("role")
            roles = ", ".join(f"{g.role}@{g.region}" for g in grants) or "(no roles)"
            flags = "" if account.active else " [deactivated]"
            org = f" ({account.organisation})" if account.organisation else ""
            self.stdout.write(f"{account.username}{org}{flags}: {roles}")
