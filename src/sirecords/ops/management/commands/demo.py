from django.core.management import call_command
from django.core.management.base import BaseCommand

from sirecords.demo.load import already_loaded, load


class Command(BaseCommand):
    help = "Load the deterministic demo data (one region, ~200 persons, ~20 employers), then serve it."

    def add_arguments(self, parser):
        parser.add_argument("--load-only", action="store_true", help="load the data and stop; no server")

    def handle(self, *args, **options):
        if already_loaded():
            self.stdout.write("demo data already loaded; nothing posted")
        else:
            counts = load()
            self.stdout.write(self.style.SUCCESS(
                f"demo data posted through business transactions: {counts['persons']} persons, "
                f"{counts['employers']} employers, {counts['employments']} employment periods"))
        if not options["load_only"]:
            self.stdout.write("serving http://127.0.0.1:8000/ (health: http://127.0.0.1:8000/healthz)")
            call_command("serve")
