from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Development server on 127.0.0.1:8000. Production runs gunicorn (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        call_command("runserver", options["addrport"], use_reloader=False)
