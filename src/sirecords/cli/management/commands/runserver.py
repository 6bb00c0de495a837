"""runserver that refuses to start without the keys, like the WSGI entry point."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserver
from django.core.management.base import CommandError

from sirecords.crypto.keys import KeysMissing, load_keys


class Command(StaticfilesRunserver):
    def handle(self, *args, **options):
        try:
            load_keys()
        except KeysMissing as missing:
            raise CommandError(f"refusing to serve: {missing}") from None
        super().handle(*args, **options)
