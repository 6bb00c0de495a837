import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sirecords.cli.command import COMMAND_CHECKS
from sirecords.demo import accounts, portal
from sirecords.demo.load import already_loaded, load, logins


class Command(BaseCommand):
    help = "Load the deterministic demo data through reviewed transactions, print the logins, then serve."
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser):
        parser.add_argument("--load-only", action="store_true", help="load the data and stop; no server")
        parser.add_argument("--totp", metavar="LOGIN", help="print the current TOTP code of a demo login and stop: a staff "
                            "user name, a demo person's ID number or a demo employer user's name")
        parser.add_argument("--logins", action="store_true", help="print every demo login and stop")
        parser.add_argument("--json", action="store_true", help="with --logins: as a JSON list of "
                            '{"kind": "staff"|"person"|"employer", "login", "password", "uscc"}')

    def handle(self, *args, **options):
        if options["totp"]:
            self.stdout.write(self._code(options["totp"]))
            return
        if options["logins"]:
            self._print_logins(as_json=options["json"])
            return
        if already_loaded():
            self.stdout.write("demo data already loaded; nothing posted")
        else:
            counts = load()
            self.stdout.write(self.style.SUCCESS(
                f"demo data posted through reviewed transactions: {counts['persons']} persons, {counts['employers']} employers, "
                f"{counts['employments']} employment periods, {counts.get('contribution_rows', 0)} contribution rows, "
                f"{counts.get('credited_years', 0)} credited years, {counts.get('retirements', 0)} retirements, "
                f"{counts.get('payment_runs', 0)} monthly payment runs, {counts.get('adjustment_runs', 0)} yearly adjustments, "
                f"{counts.get('subsidies', 0)} subsidy grants, {counts.get('portal_accounts', 0)} portal accounts; "
                f"{counts['waiting']} transactions left waiting in the queues"))
        self._print_logins()
        if not options["load_only"]:
            self.stdout.write("serving http://127.0.0.1:8000/ (health: http://127.0.0.1:8000/healthz)")
            call_command("serve")

    @staticmethod
    def _code(login: str) -> str:
        try:
            return accounts.current_code(login)
        except LookupError:
            pass
        try:
            return portal.current_code(login)
        except LookupError:
            raise CommandError(f"{login} is no demo login: a staff user name, a demo person's ID number or a demo "
                               "employer user's name (`sirecords demo --logins` lists them)") from None

    def _print_logins(self, *, as_json: bool = False):
        people = logins()
        if as_json:
            listed = [{"kind": "staff", "login": username, "password": accounts.DEMO_PASSWORD, "uscc": None,
                       "roles": list(roles)} for username, (_display, roles, _organisation) in accounts.STAFF.items()]
            listed += [{"kind": login.kind, "login": login.login, "password": portal.PASSWORD,
                        "uscc": login.uscc or None, "label": login.label} for login in people]
            self.stdout.write(json.dumps(listed, ensure_ascii=False))  # one line: scripts may read the last line only
            return
        self.stdout.write(f"\nDemo logins (password for all: {accounts.DEMO_PASSWORD}):")
        for username, (display, roles, organisation) in accounts.STAFF.items():
            extra = f"  external, {organisation}" if organisation else ""
            self.stdout.write(f"  {username:<15} {display:<6} {', '.join(roles)}{extra}")
        self.stdout.write("\nPortal (http://127.0.0.1:8000/my/ for insured persons, /employer/ for employers):")
        for login in people:
            where = f"  USCC {login.uscc}" if login.uscc else ""
            self.stdout.write(f"  {login.kind:<9} {login.login:<19} {login.who}{where}")
        self.stdout.write("Each login asks for a 6-digit authenticator code: `.venv/bin/sirecords demo --totp LOGIN` prints it.\n")
