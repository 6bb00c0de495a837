import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sirecords.core.home import witness_dir
from sirecords.ledger.checkpoints import LedgerBroken, create_checkpoint, witness_file
from sirecords.ledger.context import MissingContext, WriteContext


class Command(BaseCommand):
    help = "Sign the current ledger head (C2SP checkpoint) and copy it to the witness folder."

    def add_arguments(self, parser):
        parser.add_argument("--actor", default=getpass.getuser(), help="who runs it (default: the OS user)")
        parser.add_argument("--reason", default="scheduled checkpoint", help="why")
        parser.add_argument("--witness", help="witness folder (default: SIRECORDS_HOME/witness)")

    def handle(self, *args, **options):
        try:
            ctx = WriteContext(actor=options["actor"], reason=options["reason"], channel="cli")
            witness = Path(options["witness"]) if options["witness"] else witness_dir()
            checkpoint, created = create_checkpoint(ctx, witness)
        except (MissingContext, LedgerBroken) as error:
            raise CommandError(str(error)) from None
        state = "signed" if created else "unchanged since the last checkpoint"
        self.stdout.write(f"checkpoint {state}: size {checkpoint.size}, root {checkpoint.root}")
        self.stdout.write(f"witness copy: {witness_file(witness, checkpoint.size)}")
