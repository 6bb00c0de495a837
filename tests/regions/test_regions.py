"""Regions and trust (第十条, regions/): registering another pooling region and changing its keys through review, bad
keys refused naming the field, no administrator able to, the projection rebuilt by verify, this region's transfer key,
and `sirecords regions self/add/list`."""

from __future__ import annotations

import base64
import io
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection

from sirecords.crypto import envelope
from sirecords.crypto.keys import TRANSFER_KEY, create_keys, transfer_key
from sirecords.ledger import note
from sirecords.ledger.checkpoints import create_checkpoint
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.regions import keys as region_keys
from sirecords.regions.kinds import REGION_KEYS_CHANGED, REGION_REGISTERED, REGION_RENAMED
from sirecords.regions.models import Region
from sirecords.regions.services import register
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import State
from sirecords.workflow.services import Refused, review


def findings(witness):
    report = verify(witness)
    return report, [f"[{f.check}] {f.where}: {f.message}" for f in report.findings]


def keys_of(seed: int, name: str = "sirecords.bj/110105") -> tuple[str, str]:
    signing = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    encryption = X25519PrivateKey.from_private_bytes(bytes([seed + 1]) * 32)
    return (note.verifier_key(name, signing.public_key()),
            base64.b64encode(encryption.public_key().public_bytes_raw()).decode())


@pytest.fixture
def crew(staff):
    return {"clerk": staff("rg.clerk", "clerk"), "maintainer": staff("rg.maint", "maintainer"),
            "review1": staff("rg.rev1", "reviewer1"), "approval": staff("rg.appr", "approver")}


def approved(crew, txn):
    for stage in ("review1", "approval"):
        txn = review(crew[stage], txn, "approve", "核对无误")
    return txn


def registered(crew, code="110105", seed=1, name="北京市东城区", by="clerk"):
    verifier_key, encryption_key = keys_of(seed)
    txn = register(crew[by], code, name=name, verifier_key=verifier_key, encryption_key=encryption_key,
                   reason="建立转移接续", channel="cli")
    assert txn.state == State.SUBMITTED
    return approved(crew, txn)


def test_a_region_is_registered_and_its_keys_changed_through_review(crew):
    txn = registered(crew)
    assert txn.state == State.POSTED
    region = Region.objects.get(code="110105")
    assert (region.name, region.verifier_key, region.encryption_key) == ("北京市东城区", *keys_of(1))
    assert region.registered_seq == region.changed_seq
    entry = Entry.objects.get(kind=REGION_REGISTERED)
    assert entry.subject == "region:110105" and json.loads(entry.payload)["before"] == {}

    changed = registered(crew, seed=5, by="maintainer")  # its checkpoint key rotated, its transfer key replaced
    assert changed.state == State.POSTED
    entry = Entry.objects.get(kind=REGION_KEYS_CHANGED)
    old, new = keys_of(1), keys_of(5)
    assert json.loads(entry.payload)["before"] == {"verifier_key": old[0], "encryption_key": old[1]}
    assert json.loads(entry.payload)["after"] == {"verifier_key": new[0], "encryption_key": new[1]}
    region = Region.objects.get(code="110105")
    assert (region.verifier_key, region.encryption_key) == new and region.changed_seq > region.registered_seq

    registered(crew, seed=5, name="北京市东城区社保中心")
    assert json.loads(Entry.objects.get(kind=REGION_RENAMED).payload)["after"] == {"name": "北京市东城区社保中心"}
    with pytest.raises(InvalidTransaction, match="nothing changes"):
        registered(crew, seed=5, name="北京市东城区社保中心")


def test_the_registered_keys_check_an_envelope_from_that_region(crew):
    sender = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
    registered(crew)
    here = X25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    data = envelope.seal_envelope("letter", "110105", "440300", "L-1", b"hello", recipient_public=here.public_key(),
                                  signer=envelope.Signer("sirecords.bj/110105", sender))
    header, content = envelope.open_envelope(data, verifier_for=region_keys.verifier_for, recipient_private=here,
                                             expected_to="440300")
    assert content == b"hello" and header["from"] == "110105"
    assert region_keys.verifier_for("310000") is None


def test_a_bad_key_is_refused_naming_the_field(crew):
    verifier_key, encryption_key = keys_of(1)
    forged_id = verifier_key.replace("+", "+0", 1)[:-1]
    cases = {
        "verifier_key": ["not a key", verifier_key.split("+")[0] + "+00000000+" + verifier_key.split("+", 2)[2], forged_id,
                         encryption_key],
        "encryption_key": ["not base64!", base64.b64encode(bytes(31)).decode(), base64.b64encode(bytes(33)).decode(),
                           base64.b64encode(bytes(32)).decode()],  # the last: a low-order point
        "code": ["11010", "440300", "abcdef"],
        "name": [""],
    }
    for field, values in cases.items():
        for value in values:
            fields = {"code": "110105", "name": "北京市东城区", "verifier_key": verifier_key,
                      "encryption_key": encryption_key, field: value}
            with pytest.raises(InvalidTransaction) as refused:
                register(crew["clerk"], fields["code"], name=fields["name"], verifier_key=fields["verifier_key"],
                         encryption_key=fields["encryption_key"], reason="r", channel="cli")
            assert list(refused.value.errors) == [field], (field, value, refused.value.errors)
    assert not Region.objects.exists()


def test_no_administrator_may_open_it(staff):
    verifier_key, encryption_key = keys_of(1)
    for admin in (staff.admin, staff("rg.dba", "dba")):
        with pytest.raises(Refused, match="needs the role clerk or maintainer"):
            register(admin, "110105", name="北京市东城区", verifier_key=verifier_key, encryption_key=encryption_key,
                     reason="r", channel="cli")
        with pytest.raises(CommandError, match="clerk or maintainer"):
            call_command("regions", "add", "110105", "--name", "北京", f"--verifier-key={verifier_key}",
                         f"--encryption-key={encryption_key}", "--actor", admin.username, "--reason", "r")


def test_a_clerk_cannot_approve_their_own(crew, staff):
    verifier_key, encryption_key = keys_of(1)
    both = staff("rg.both", "clerk", "reviewer1")
    txn = register(both, "110105", name="北京", verifier_key=verifier_key, encryption_key=encryption_key, reason="r",
                   channel="cli")
    with pytest.raises(Refused):
        review(both, txn, "approve", "自己审核")


def test_verify_rebuilds_the_projection_and_names_a_changed_key(crew, tmp_path):
    registered(crew)
    create_checkpoint(WriteContext(actor="rg.clerk", reason="t", channel="cli"), tmp_path / "witness")
    report, found = findings(tmp_path / "witness")
    assert found == [] and report.ok
    _other_verifier, other_encryption = keys_of(9)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE regions_region SET encryption_key = %s WHERE code = %s", [other_encryption, "110105"])
    report, found = findings(tmp_path / "witness")
    assert not report.ok and any("regions_region" in line and "110105" in line for line in found), found


def test_the_transfer_key_is_made_by_init_and_on_first_use_with_mode_0600(tmp_path):
    assert TRANSFER_KEY in create_keys(tmp_path / "made")
    assert stat.S_IMODE(os.stat(tmp_path / "made" / TRANSFER_KEY).st_mode) == 0o600
    older = tmp_path / "older"
    create_keys(older)
    (older / TRANSFER_KEY).unlink()  # a home made before transfer.key
    first = transfer_key(older)
    assert stat.S_IMODE(os.stat(older / TRANSFER_KEY).st_mode) == 0o600
    assert transfer_key(older).private_bytes_raw() == first.private_bytes_raw()  # never replaced


def test_the_cli_self_add_list(crew, settings):
    settings.SIRECORDS_REGION_NAME = "深圳市"
    out = io.StringIO()
    call_command("regions", "self", "--json", stdout=out)
    own = json.loads(out.getvalue())
    assert set(own) == {"region", "name", "verifier_key", "encryption_key"}
    assert (own["region"], own["name"]) == ("440300", "深圳市")
    name, public = note.parse_verifier_key(own["verifier_key"])
    out = io.StringIO()
    call_command("checkpoint", "--verifier-key", stdout=out)
    assert out.getvalue().strip() == own["verifier_key"]  # the checkpoint notes' key signs the envelopes
    assert base64.b64decode(own["encryption_key"]) == transfer_key().public_key().public_bytes_raw()
    signed = envelope.seal_envelope("letter", "440300", "110105", "L-9", b"x", signer=region_keys.signer(),
                                    recipient_public=X25519PrivateKey.generate().public_key())
    assert envelope.read_header(signed)["from"] == "440300"
    # the verifier key `self` publishes checks it:
    fields = json.loads(signed)
    text = envelope.signed_text(fields, base64.b64decode(fields["ciphertext"]))
    note.open_note(f"{text}\n\u2014 {name} {fields['signature']}\n", own["verifier_key"])

    verifier_key, encryption_key = keys_of(1)
    out = io.StringIO()
    call_command("regions", "add", "110105", "--name", "北京市东城区", f"--verifier-key={verifier_key}",
                 f"--encryption-key={encryption_key}", "--actor", "rg.clerk", "--reason", "建立转移接续", "--json", stdout=out)
    uid = json.loads(out.getvalue())["transaction"]
    from sirecords.workflow.models import BusinessTransaction

    approved(crew, BusinessTransaction.objects.get(uid=uid))
    out = io.StringIO()
    call_command("regions", "list", "--json", stdout=out)
    [row] = json.loads(out.getvalue())
    assert (row["code"], row["name"], row["verifier_key"], row["encryption_key"]) == ("110105", "北京市东城区",
                                                                                       verifier_key, encryption_key)
    with pytest.raises(CommandError, match="encryption_key"):
        call_command("regions", "add", "110106", "--name", "x", f"--verifier-key={verifier_key}",
                     "--encryption-key=AAAA", "--actor", "rg.clerk", "--reason", "r")
