"""Run inside one demo home by `sirecords shell -c "exec(open(DRIVER).read()); CALL"` (tests/transfers/two_homes.py):
what a test needs done in that home's own process besides the `sirecords transfer` commands themselves — the reviews
(as the demo's reviewers), the record's summary, and the hostile files a test hands the other home. Each call prints
one JSON line."""

import json as _json

from django.conf import settings as _settings

REVIEWERS = {"review1": "review1.zhang", "review2": "review2.liu", "review3": "review3.huang", "approval": "approve.zhou"}


def _print(value):
    print("RESULT " + _json.dumps(value, ensure_ascii=False))


def approve(*uids):
    from sirecords.users.actors import actor_for
    from sirecords.workflow.models import BusinessTransaction
    from sirecords.workflow.services import review

    states = []
    for uid in uids:
        txn = BusinessTransaction.objects.get(uid=uid)
        while txn.state == "submitted":
            txn = review(actor_for(REVIEWERS[txn.due_stage]), txn, "approve", "核对无误")
        states.append(txn.state)
    _print(states)


def register_region(code, name, verifier_key, encryption_key):
    from sirecords.regions.services import register
    from sirecords.users.actors import actor_for

    txn = register(actor_for("clerk.li"), code, name=name, verifier_key=verifier_key, encryption_key=encryption_key,
                   reason="登记转移地区", channel="cli")
    approve(txn.uid)


def register_person(id_number, name, hukou, registered_on):
    from sirecords.demo.documents import scan
    from sirecords.users.actors import actor_for
    from sirecords.workflow.services import attach, open_transaction, submit

    clerk = actor_for("clerk.li")
    txn = open_transaction(clerk, "register_person", {"id_number": id_number, "name": name, "region": hukou,
                                                      "registered_on": registered_on},
                           region=_settings.SIRECORDS_REGION, reason="参保登记", channel="counter")
    attach(clerk, txn, "id_card", scan("居民身份证"), "id-card.pdf")
    approve(submit(clerk, txn).uid)


def summary(id_number):
    from sirecords.records.personal import full_record
    from sirecords.records.summary import summary as summary_of
    from sirecords.registry.queries import find_person_by_id_number

    person = find_person_by_id_number(id_number)
    record = full_record(person)
    _print(summary_of(person, years=record["contribution_years"], account_years=record["account_years"],
                      pension=record["pension"], account_closure=record["account_closure"]))


def counts():
    from sirecords.ledger.models import Entry
    from sirecords.transfers.models import Transfer
    from sirecords.workflow.models import BusinessTransaction

    _print({"entries": Entry.objects.count(), "transactions": BusinessTransaction.objects.count(),
            "transfers": sorted((t.uid, t.direction, t.state) for t in Transfer.objects.all())})


def crediting(year, id_number):
    """How the annual run of `year` would credit the person: left out (closed), or its planned figures."""
    from sirecords.accounts.closures import closed_by
    from sirecords.contributions.models import PensionCredit
    from sirecords.registry.queries import find_person_by_id_number

    person = find_person_by_id_number(id_number)
    credits = {c.basis: [c.credits_fen, c.credit_months_fen] for c in PensionCredit.objects.filter(person_id=person.uid,
                                                                                                    year=year)}
    _print({"closed": person.uid in closed_by(year), "credits": credits})


def resealed(path, out, *, to=None, sender=None, drop_entry=False):
    """The package (or letter) at `path`, opened with this home's own record of it and sealed again by this home —
    to another addressee, as another sender, or with one proven entry left out: a file this home's signature makes
    look genuine, for the other home to refuse."""
    from sirecords.crypto.envelope import read_header, seal_envelope
    from sirecords.regions.keys import encryption_key_of, signer
    from sirecords.transfers import services
    from sirecords.transfers.models import Transfer

    header = read_header(open(path, "rb").read())
    transfer = Transfer.objects.get(uid=header["letter"])
    content = services.package_content(transfer)
    if drop_entry:
        value = _json.loads(content)
        value["entries"].pop(len(value["entries"]) // 2)
        from sirecords.core.canonical import canonical_bytes

        content = canonical_bytes(value)
    envelope = seal_envelope(header["kind"], sender or header["from"], to or header["to"], header["letter"], content,
                             signer=signer(), recipient_public=encryption_key_of(header["to"]))
    open(out, "wb").write(envelope)
    _print({"written": out})


def letter_as(path, out, sender):
    """The letter at `path` (written by this home) sealed again as if `sender` had sent it."""
    from sirecords.crypto.envelope import read_header, seal_envelope
    from sirecords.regions.keys import encryption_key_of, signer
    from sirecords.transfers.models import Transfer
    from sirecords.transfers.services import letter_content

    header = read_header(open(path, "rb").read())
    transfer = Transfer.objects.get(uid=header["letter"])
    content = _json.loads(letter_content(transfer))
    content["AAB301_to"] = sender
    from sirecords.core.canonical import canonical_bytes

    envelope = seal_envelope("letter", sender, header["to"], header["letter"], canonical_bytes(content), signer=signer(),
                             recipient_public=encryption_key_of(header["to"]))
    open(out, "wb").write(envelope)
    _print({"written": out})


def cli(*args):
    """`sirecords ARGS…` run in this process (call_command, the command's own code): {"exit", "out"} — exit 1 with the
    message for a refused command, as the command line would print it."""
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
        result = {"exit": 0, "out": out.getvalue()}
    except CommandError as refused:
        result = {"exit": 1, "out": str(refused)}
    _print(result)
    return result


def cli_json(*args):
    """cli(*args) of a command that succeeds and prints JSON: that JSON (also printed as a result)."""
    result = cli(*args)
    if result["exit"]:
        raise SystemExit(f"sirecords {' '.join(args)} was refused: {result['out']}")
    return _json.loads(result["out"].strip().splitlines()[-1])
