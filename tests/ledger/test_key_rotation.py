"""Rotating the checkpoint key (issue #13 point 6): `sirecords checkpoint --rotate-key`.

Checkpoints signed before the rotation verify with the old verifier key, later ones with the new; `verify` accepts
both; a note signed by neither — or by the retired key for a size after the rotation — is refused. Each case runs
on its own copy of the session's key folder, so the rotation does not reach the other tests.
"""

import io
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from sirecords.core.identifiers import make_uscc
from sirecords.crypto.keys import CHECKPOINT_KEY, RETIRED_CHECKPOINT_KEYS, active_keys, forget_loaded_keys
from sirecords.crypto.pki import CHECKPOINT_CERT, ensure_pki
from sirecords.ledger import note
from sirecords.ledger.checkpoints import create_checkpoint, current_note, open_signed, origin, witness_file
from sirecords.ledger.key_rotation import rotate_checkpoint_key
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.verify import verify

from ..conftest import post_entries, test_context


@pytest.fixture
def own_keys(sirecords_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(sirecords_home / "keys", home / "keys")  # the same signing.key: the database's signatures hold
    monkeypatch.setenv("SIRECORDS_HOME", str(home))
    forget_loaded_keys()
    ensure_pki(home / "keys", origin=origin())  # a demo agency root here, so the rotation can certify the new key
    yield home / "keys"
    forget_loaded_keys()


def _post(n: int) -> None:
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", f"MA5T07{n:02d}"),
                                       "name": f"轮换公司{n}", "region": "440305"})


def _verifier_key() -> str:
    out = io.StringIO()
    call_command("checkpoint", "--verifier-key", stdout=out)
    return out.getvalue().strip()


def _findings(witness):
    return [f"[{f.check}] {f.where}: {f.message}" for f in verify(witness).findings]


def test_rotation_old_key_verifies_old_checkpoints_new_key_later_ones(own_keys, db, tmp_path):
    witness = tmp_path / "witness"
    _post(1)
    old_vkey = _verifier_key()
    old_private = active_keys().note_key

    out = io.StringIO()
    call_command("checkpoint", "--rotate-key", "--actor", "ops.a", "--reason", "yearly key rotation",
                 "--witness", str(witness), stdout=out)
    before = Checkpoint.objects.order_by("-size").first().size
    new_vkey = _verifier_key()
    assert new_vkey != old_vkey and new_vkey.split("+")[0] == old_vkey.split("+")[0] == origin()
    printed = out.getvalue()
    assert f"old verifier key (checkpoints up to size {before}): {old_vkey}" in printed
    assert f"new verifier key (checkpoints from now on): {new_vkey}" in printed
    assert (own_keys / CHECKPOINT_KEY).exists()
    assert (own_keys / RETIRED_CHECKPOINT_KEYS).read_text() == f"{old_vkey} {before}\n"
    # The certificate now certifies the new key (the certificates' evidence is checked with it).
    cert = x509.load_pem_x509_certificate((own_keys / CHECKPOINT_CERT).read_bytes())
    assert cert.public_key().public_bytes_raw() == active_keys().note_key.public_key().public_bytes_raw()

    _post(2)
    after = create_checkpoint(test_context(), witness).checkpoint.size
    assert after > before

    old_copy = witness_file(witness, before).read_text(encoding="utf-8")
    new_copy = witness_file(witness, after).read_text(encoding="utf-8")
    assert note.open_checkpoint(old_copy, old_vkey).size == before
    assert note.open_checkpoint(new_copy, new_vkey).size == after
    with pytest.raises(note.NoteError, match="no signature from key"):
        note.open_checkpoint(old_copy, new_vkey)
    with pytest.raises(note.NoteError, match="no signature from key"):
        note.open_checkpoint(new_copy, old_vkey)

    # verify accepts both keys, each for its own checkpoints.
    assert _findings(witness) == []
    assert open_signed(old_copy).size == before and open_signed(new_copy).size == after

    # The old checkpoint's note, handed out as a certificate's evidence now, is signed again with the new key.
    old_stored = Checkpoint.objects.get(size=before)
    assert note.open_checkpoint(current_note(old_stored), new_vkey) == note.open_checkpoint(old_copy, old_vkey)

    # A note signed by neither key is refused; so is the retired key's signature on a size after the rotation.
    body = note.note_text(new_copy)
    forged = note.sign_note(body, origin(), Ed25519PrivateKey.generate())
    with pytest.raises(note.NoteError, match="no signature from key"):
        open_signed(forged)
    late = note.sign_note(body, origin(), old_private)
    with pytest.raises(note.NoteError, match=f"signed up to size {before} only, for size {after}"):
        open_signed(late)
    (witness / f"checkpoint-{after:012d}-forged.txt").write_text(forged, encoding="utf-8")
    (witness / f"checkpoint-{after:012d}-late.txt").write_text(late, encoding="utf-8")
    found = _findings(witness)
    assert len(found) == 2 and all(line.startswith("[witness] checkpoint-") for line in found)
    assert any("does not verify: note has no signature from key" in line for line in found)
    assert any(f"signed by a retired checkpoint key, which signed up to size {before} only" in line for line in found)


def test_second_rotation_keeps_every_retired_key(own_keys, db, tmp_path):
    witness = tmp_path / "witness"
    _post(3)
    first = rotate_checkpoint_key(test_context(), witness)
    _post(4)
    second = rotate_checkpoint_key(test_context(), witness)
    assert second.old_verifier_key == first.new_verifier_key and second.last_size > first.last_size
    assert (own_keys / RETIRED_CHECKPOINT_KEYS).read_text().splitlines() == [
        f"{first.old_verifier_key} {first.last_size}", f"{second.old_verifier_key} {second.last_size}"]
    _post(5)
    create_checkpoint(test_context(), witness)
    assert _findings(witness) == []
    assert note.open_checkpoint(witness_file(witness, first.last_size).read_text(), first.old_verifier_key)
    assert note.open_checkpoint(witness_file(witness, second.last_size).read_text(), second.old_verifier_key)


def test_rotation_without_the_agency_root_key_sets_the_certificate_aside(own_keys, db, tmp_path):
    (own_keys / "agency-root.key").unlink()  # production: the root key stays with the agency
    _post(6)
    rotated = rotate_checkpoint_key(test_context(), tmp_path / "witness")
    assert not rotated.certified
    assert not (own_keys / CHECKPOINT_CERT).exists()
    assert (own_keys / f"{CHECKPOINT_CERT}.retired-{rotated.old_verifier_key.split('+')[1]}").exists()
