import getpass

from django.core.management.base import BaseCommand, CommandError

from sirecords.cli.command import COMMAND_CHECKS, add_if_primary, run_scheduled
from sirecords.crypto.objects import Place, as_place, witness_place
from sirecords.ledger.checkpoints import LedgerBroken, create_checkpoint, verifier_key
from sirecords.ledger.context import MissingContext, WriteContext
from sirecords.ledger.key_rotation import rotate_checkpoint_key

WITNESS_HELP = ("witness folder or s3://BUCKET/PREFIX (default: SIRECORDS_WITNESS_DIR, else the object store's "
                "witness/ when SIRECORDS_OBJECT_STORE is set, else SIRECORDS_HOME/witness)")


class Command(BaseCommand):
    help = ("Sign the current ledger head and the access and action logs' heads (C2SP checkpoint) and copy it to the "
            "witness folder. Refuses when the head, the entries or a log since the last checkpoint do not check.")
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser):
        parser.add_argument("--actor", default=getpass.getuser(), help="who runs it (default: the OS user)")
        parser.add_argument("--reason", default="scheduled checkpoint", help="why")
        parser.add_argument("--witness", help=WITNESS_HELP)
        parser.add_argument("--verifier-key", action="store_true",
                            help="print the public verifier key the checkpoints are signed with (signed-note format, "
                                 "<name>+<key hash>+<base64 key>) for the witness, and sign nothing")
        parser.add_argument("--rotate-key", action="store_true",
                            help="sign a last checkpoint with the current checkpoint key, then replace that key with a "
                                 "new one (the old one keeps verifying the checkpoints it signed); prints both "
                                 "verifier keys")
        add_if_primary(parser)

    def handle(self, *args, **options):
        if options["verifier_key"]:
            # Public: what the supervising department checks the witness copies with (docs/ledger.md).
            self.stdout.write(verifier_key())
            return
        run_scheduled(self.stdout, "checkpoint", options["if_primary"], lambda: self._checkpoint(options))

    def _checkpoint(self, options):
        try:
            ctx = WriteContext(actor=options["actor"], reason=options["reason"], channel="cli")
            witness = as_place(options["witness"]) if options["witness"] else witness_place()
            if options["rotate_key"]:
                self._rotate(ctx, witness)
                return
            signed = create_checkpoint(ctx, witness)
        except (MissingContext, LedgerBroken) as error:
            raise CommandError(str(error)) from None
        checkpoint = signed.checkpoint
        if signed.created:
            state = "signed"
        elif signed.witness_name.endswith(f"{checkpoint.size:012d}.txt"):
            state = "unchanged since the last checkpoint"
        else:
            state = "unchanged since the last checkpoint; the logs' new heads signed in a witness-only note"
        self.stdout.write(f"checkpoint {state}: size {checkpoint.size}, root {checkpoint.root}")
        self.stdout.write(f"witness copy: {signed.witness_copy}")

    def _rotate(self, ctx: WriteContext, witness: Place) -> None:
        rotated = rotate_checkpoint_key(ctx, witness)
        self.stdout.write(f"checkpoint key rotated after checkpoint size {rotated.last_size}")
        self.stdout.write(f"old verifier key (checkpoints up to size {rotated.last_size}): {rotated.old_verifier_key}")
        self.stdout.write(f"new verifier key (checkpoints from now on): {rotated.new_verifier_key}")
        if rotated.certified:
            self.stdout.write("checkpoint-key.pem issued for the new key")
        else:
            self.stdout.write("checkpoint-key.pem set aside: have the agency's CA certify the new key before issuing "
                              "certificates (docs/operations.md)")
        self.stdout.write("hand the new verifier key to the supervising department; they keep the old one too")
