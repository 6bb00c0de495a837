from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sirecords.demo import accounts
from sirecords.demo.load import already_loaded, load


class Command(BaseCommand):
    help = "Load the deterministic demo data through reviewed transactions, print the logins, then serve."

    def add_arguments(self, parser):
        parser.add_argument("--load-only", action="store_true", help="load the data and stop; no server")
        parser.add_argument("--totp", metavar="USERNAME", help="print the current TOTP code of a demo account and stop")

    def handle(self, *args, **options):
        if options["totp"]:
            try:
                self.stdout.write(accounts.current_code(options["totp"]))
            except LookupError as missing:
                raise CommandError(str(missing)) from None
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
                f"{counts.get('subsidies', 0)} subsidy grants; {counts['waiting']} transactions left waiting in the queues"))
        self._print_logins()
        if not options["load_only"]:
            self.stdout.write("serving http://127.0.0.1:8000/ (health: http://127.0.0.1:8000/healthz)")
            call_command("serve")

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {accounts.DEMO_PASSWORD}):")
        for username, (display, roles, organisation) in accounts.STAFF.items():
            extra = f"  external, {organisation}" if organisation else ""
            self.stdout.write(f"  {username:<15} {display:<6} {', '.join(roles)}{extra}")
        self.stdout.write("Each login asks for a 6-digit authenticator code: `.venv/bin/sirecords demo --totp USERNAME` prints it.\n")
