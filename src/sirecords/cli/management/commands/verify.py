import json

from django.core.management.base import BaseCommand, CommandError

from sirecords.cli.command import COMMAND_CHECKS, add_if_primary, run_scheduled
from sirecords.core.home import home
from sirecords.crypto.objects import as_place, witness_place
from sirecords.ledger import verified
from sirecords.ledger.verify import summary_lines, verify

WITNESS_HELP = ("witness folder or s3://BUCKET/PREFIX (default: SIRECORDS_WITNESS_DIR, else the object store's "
                "witness/ when SIRECORDS_OBJECT_STORE is set, else SIRECORDS_HOME/witness)")


class Command(BaseCommand):
    help = ("Check the hash chain, the signed head, the checkpoints, the witness folder, the access and action logs, the "
            "projections and every stored file. Exit 0 only when all hold.")
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--witness", help=WITNESS_HELP)
        parser.add_argument("--workers", type=int, default=1, metavar="N",
                            help="check the hash chain and the Merkle tree in N processes, by seq range (default 1)")
        parser.add_argument("--since-checkpoint", action="store_true",
                            help="check only what came after the latest checkpoint an earlier verify found sound (the "
                                 "nightly run); without a trusted one, the full verify runs. Projections and the stored "
                                 "files are left to the full verify")
        add_if_primary(parser)

    def handle(self, *args, **options):
        if options["workers"] < 1:
            raise CommandError(f"--workers must be at least 1, not {options['workers']}")
        run_scheduled(self.stdout, "verify", options["if_primary"], lambda: self._verify(options),
                      json_output=options["json"])

    def _verify(self, options):
        witness = as_place(options["witness"]) if options["witness"] else witness_place()
        report = verify(witness, workers=options["workers"], since_checkpoint=options["since_checkpoint"])
        result = report.as_dict()
        # The supervisors' integrity page shows the last result (第二十五条, 第二十八条(三)(四)).
        (home() / "verify-last.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        # Where the next --since-checkpoint run starts (signed; only after a run that found nothing).
        verified.record(report)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for line in summary_lines(report):
                self.stdout.write(line)
        if not report.ok:
            raise SystemExit(1)
