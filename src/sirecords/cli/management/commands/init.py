from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sirecords.backups.keys import create_backup_key
from sirecords.core.home import home, keys_dir
from sirecords.crypto.keys import create_keys, forget_loaded_keys
from sirecords.crypto.pki import ensure_pki


class Command(BaseCommand):
    help = ("Create or migrate the database and create the keys and the agency certificates if absent "
            "(never overwrites a key).")
    requires_system_checks = []  # the keys check would refuse: creating them is this command's job

    def handle(self, *args, **options):
        created = create_keys()
        forget_loaded_keys()
        for name in created:
            self.stdout.write(f"created key {keys_dir() / name} (mode 0600)")
        if not created:
            self.stdout.write(f"keys present in {keys_dir()}")
        backup_key = create_backup_key()  # apart from the data keys: docs/operations.md, "Backups"
        if backup_key:
            self.stdout.write(f"created backup key {backup_key} (mode 0600)")
        # The agency root, the PDF signing certificate and the checkpoint key's certificate (crypto/pki.py).
        for name in ensure_pki(origin=settings.SIRECORDS_LEDGER_ORIGIN):
            self.stdout.write(f"created {keys_dir() / name}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"database ready; SIRECORDS_HOME is {home()}"))
